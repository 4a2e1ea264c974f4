import { Command } from 'commander';
import { isVideoAgentError } from '../errors';
import { registerIngest } from './ingest';
import { registerEmulate } from './emulate';
import { registerEndpoints } from './endpoints';
import { registerEval } from './eval';
import { registerMigrate } from './migrate';
import { registerWorker } from './worker';
import { registerAnalyze } from './analyze';

/** Each command lives in its own module and registers itself here. */
export function buildProgram(): Command {
  const program = new Command('video-agent')
    .description('Watch live and recorded video and understand it')
    .version(require('../../package.json').version)
    .showHelpAfterError();
  registerAnalyze(program);
  registerIngest(program);
  registerWorker(program);
  registerMigrate(program);
  registerEmulate(program);
  registerEndpoints(program);
  registerEval(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (isVideoAgentError(err)) {
      // One clear line for the user, no stack trace.
      process.stderr.write(`video-agent: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
