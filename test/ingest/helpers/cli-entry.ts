// Runs the real CLI entry (src/cli/main.ts) under tsx, as `node --import tsx test/ingest/helpers/cli-entry.ts ingest …`.
import { main } from '../../../src/cli/main';

void main(process.argv);
