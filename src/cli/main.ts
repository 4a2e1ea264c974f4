import { Command } from 'commander';
import { isVideoAgentError } from '../errors';

type Register = (program: Command) => void;

/**
 * Each command lives in its own module and registers itself. Modules are required lazily: a run of
 * `video-agent ingest` loads only what ingest needs (not the models, the database or the HTTP stack),
 * which keeps the CLI's start-up close to gst-launch's.
 */
const COMMANDS: Record<string, () => Register> = {
  analyze: () => require('./analyze').registerAnalyze,
  ingest: () => require('./ingest').registerIngest,
  worker: () => require('./worker').registerWorker,
  migrate: () => require('./migrate').registerMigrate,
  emulate: () => require('./emulate').registerEmulate,
  endpoints: () => require('./endpoints').registerEndpoints,
  eval: () => require('./eval').registerEval,
  serve: () => require('./serve').registerServe,
  streams: () => require('./streams').registerStreams,
  export: () => require('./export').registerExport,
  highlights: () => require('./highlights').registerHighlights,
};

/** `only`: register just that command (the one being run); otherwise all of them (help, tests). */
export function buildProgram(only?: string): Command {
  const program = new Command('video-agent')
    .description('Watch live and recorded video and understand it')
    .version(require('../../package.json').version)
    .showHelpAfterError();
  for (const [name, load] of Object.entries(COMMANDS)) {
    if (!only || name === only) load()(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const name = argv[2];
  try {
    await buildProgram(name && Object.hasOwn(COMMANDS, name) ? name : undefined).parseAsync(argv);
  } catch (err) {
    if (isVideoAgentError(err)) {
      // One clear line for the user, no stack trace.
      process.stderr.write(`video-agent: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
