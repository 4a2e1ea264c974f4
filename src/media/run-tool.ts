import { spawn } from 'node:child_process';
import { VideoAgentError } from '../errors';
import { childEnv } from './child-env';

/** Runs an external tool (gst-launch-1.0, flite, sox) without a shell and without our secrets; rejects with its stderr tail. */
export function runTool(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: childEnv() });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(new VideoAgentError('E_TOOL_MISSING', `${cmd} could not run (${(err as NodeJS.ErrnoException).code ?? err.message}); run bash scripts/setup.sh`, { cause: err }));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new VideoAgentError('E_TOOL_FAILED', `${cmd} failed (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').slice(-2).join(' ')}`));
    });
  });
}
