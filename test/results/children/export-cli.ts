// `video-agent export` as its own process, the way src/cli/main.ts runs a command (registerExport on a program).
import { Command } from 'commander';
import { registerExport } from '../../../src/cli/export';
import { isVideoAgentError } from '../../../src/errors';

const program = new Command('video-agent');
registerExport(program);
program.parseAsync(process.argv).catch((err: unknown) => {
  if (isVideoAgentError(err)) {
    process.stderr.write(`video-agent: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
});
