/** A `video-agent emulate` process (built CLI), for benchmarks that time whole processes against it. */
import { spawn } from 'node:child_process';
import path from 'node:path';

export const CLI = path.resolve(__dirname, '..', '..', 'bin', 'video-agent.js');

/** Starts `video-agent emulate --port 0 --config <file>`; resolves with its API base and the key it generated. */
export function startEmulator(configFile: string): Promise<{ apiBase: string; apiKey: string; stop(): void }> {
  const child = spawn(process.execPath, [CLI, 'emulate', '--port', '0', '--config', configFile], { env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`emulator did not start in 30 s: ${out}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^Use: RUNPOD_API_BASE=(http:\/\/\S+) RUNPOD_API_KEY=(\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ apiBase: m[1], apiKey: m[2], stop: () => child.kill('SIGTERM') });
      }
    });
    child.once('exit', (code) => reject(new Error(`emulator exited (${code}): ${out}`)));
  });
}
