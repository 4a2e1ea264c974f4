import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** The GstRtspServer fixture (test/fixtures/rtsp_server.py) as a child process. */
export interface RtspServer {
  port: number;
  url: string;
  proc: ChildProcess;
  /** SIGKILL (a crash, not a clean shutdown) and wait for the process to be gone. */
  kill(): Promise<void>;
}

const SCRIPT = path.resolve(__dirname, '..', '..', 'fixtures', 'rtsp_server.py');

/** `audioCodec` (with `audio`): the file's AAC as it is (default, MPEG4-GENERIC; `latm`: MP4A-LATM), or decoded and sent as PCMU. */
export function startRtspServer(opts: { file: string; port?: number; audio?: boolean; audioCodec?: 'aac' | 'latm' | 'pcmu'; mount?: string; codec?: 'h264' | 'h265' }): Promise<RtspServer> {
  const mount = opts.mount ?? '/stream';
  const args = [SCRIPT, '--file', opts.file, '--port', String(opts.port ?? 0), '--mount', mount, ...(opts.audio ? ['--audio'] : []), ...(opts.codec ? ['--codec', opts.codec] : []), ...(opts.audioCodec ? ['--audio-codec', opts.audioCodec] : [])];
  // Debian's interpreter: python3-gi belongs to it, not to another python3 first on PATH.
  const proc = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`rtsp server did not start: ${err}`)); }, 15_000);
    proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`rtsp server exited (${code}): ${err}`)); });
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const port = Number(m[1]);
      resolve({
        port,
        url: `rtsp://127.0.0.1:${port}${mount}`,
        proc,
        kill: () => new Promise<void>((done) => {
          if (proc.exitCode !== null || proc.signalCode !== null) return done();
          proc.once('exit', () => done());
          proc.kill('SIGKILL');
        }),
      });
    });
  });
}
