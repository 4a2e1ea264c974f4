// Runs `video-agent eval ...` from TypeScript sources in a child process, with the same one-line error
// contract as src/cli/main.ts, but only this command registered so other commands' state cannot interfere.
import { Command } from 'commander';
import { registerEval } from '../../src/cli/eval';
import { isVideoAgentError } from '../../src/errors';

const program = new Command('video-agent');
registerEval(program);
program.parseAsync(process.argv).catch((err: unknown) => {
  if (isVideoAgentError(err)) {
    process.stderr.write(`video-agent: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
});
