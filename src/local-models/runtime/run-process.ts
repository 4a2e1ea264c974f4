import { spawn } from 'node:child_process';
import { VideoAgentError } from '../../errors';
import { childEnv } from '../../media/child-env';

export interface ProcessResult { stdout: string; stderr: string }

/**
 * Runs a command without a shell (arguments are never interpreted), collecting output; an aborted signal kills
 * it (SIGKILL: a stuck decoder must not outlive its job). A missing binary becomes a clear, actionable error.
 * The child gets only an allow-listed environment (src/media/child-env.ts), none of our secrets.
 */
export function runProcess(cmd: string, args: string[], opts: { signal?: AbortSignal; what: string; installHint?: string; maxOutputBytes?: number }): Promise<ProcessResult> {
  const max = opts.maxOutputBytes ?? 32 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) { reject(new VideoAgentError('E_JOB_CANCELLED', 'job cancelled')); return; }
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    const onAbort = () => child.kill('SIGKILL');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (d: Buffer) => { outBytes += d.length; if (outBytes <= max) out.push(d); });
    child.stderr.on('data', (d: Buffer) => { if (err.length < 64) err.push(d); });
    child.on('error', (e: NodeJS.ErrnoException) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(e.code === 'ENOENT'
        ? new VideoAgentError('E_TOOL_MISSING', `${opts.what}: ${cmd} is not installed${opts.installHint ? ` (${opts.installHint})` : ''}`)
        : new VideoAgentError('E_WORKER_INTERNAL', `${opts.what}: cannot start ${cmd}: ${e.message}`));
    });
    child.on('close', (code, sig) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (opts.signal?.aborted) { reject(new VideoAgentError('E_JOB_CANCELLED', 'job cancelled')); return; }
      const stderr = Buffer.concat(err).toString('utf8');
      if (code !== 0) {
        const tail = stderr.trim().split('\n').slice(-2).join(' ').slice(0, 300);
        reject(new VideoAgentError('E_PROCESS_FAILED', `${opts.what}: ${cmd} failed (${sig ?? `exit ${code}`})${tail ? `: ${tail}` : ''}`));
        return;
      }
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}
