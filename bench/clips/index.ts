/**
 * Clip export and upload: export time per minute of video for a remux (H.264 copied) and a re-encode
 * (decode + x264 + AAC) of the same 1280x720 30 fps H.264 + AAC source, and upload throughput of the
 * exported clip and of a 64 MiB body to a local s3rver (multipart). `--quick`: 640x360, 20 s ranges.
 * Media are generated with gst-launch-1.0 into a temp folder; nothing is downloaded.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startLocalS3 } from '../../test/helpers/local-s3';

import { exportClip } from '../../src/clips';
import { S3ObjectStore } from '../../src/object-store';

const quick = process.argv.includes('--quick');
const [W, H] = quick ? [640, 360] : [1280, 720];
const SOURCE_S = quick ? 30 : 90;
const RANGE_S = quick ? 20 : 60;
const ROUNDS = quick ? 1 : 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-bench-clips-'));
  try {
    const src = path.join(dir, 'source.mp4');
    const frames = SOURCE_S * 30;
    execFileSync('gst-launch-1.0', ['-q', ...(`videotestsrc pattern=ball num-buffers=${frames} ! video/x-raw,format=I420,width=${W},height=${H},framerate=30/1 ! ` +
      `x264enc speed-preset=veryfast key-int-max=60 bitrate=3000 ! video/x-h264,profile=high ! h264parse ! queue ! mp4mux name=m ! filesink location=${src} ` +
      `audiotestsrc num-buffers=${SOURCE_S * 50} samplesperbuffer=960 ! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! aacparse ! queue ! m.`).split(' ')], { stdio: 'inherit' });
    console.log(`source: ${W}x${H} 30 fps H.264 High + AAC, ${SOURCE_S} s, ${(fs.statSync(src).size / 1e6).toFixed(1)} MB; range ${RANGE_S} s from 10 s; ${ROUNDS} round(s), median; ${os.cpus().length} cores`);

    let clipFile = '';
    for (const mode of ['remux', 'reencode'] as const) {
      const ms: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const c = await exportClip({ kind: 'file', path: src }, { fromS: 10, toS: 10 + RANGE_S, prefer: mode === 'reencode' ? 'reencode' : 'auto', timeoutMs: 600_000 });
        if (c.mode !== mode) throw new Error(`expected ${mode}, got ${c.mode}`);
        ms.push(c.exportMs);
        if (mode === 'remux' && r === 0) {
          clipFile = path.join(dir, 'clip.mp4');
          fs.copyFileSync(c.path, clipFile);
        }
        c.dispose();
      }
      const m = median(ms);
      console.log(`export ${mode.padEnd(8)}: ${m} ms for ${RANGE_S} s → ${(m * 60 / RANGE_S / 1000).toFixed(2)} s per minute of video (${(RANGE_S * 1000 / m).toFixed(1)}x real time)`);
    }

    const server = await startLocalS3('clips');
    const s3 = new S3ObjectStore({ bucket: 'clips', endpoint: server.endpoint, forcePathStyle: true });
    try {
      const big = path.join(dir, 'big.bin');
      fs.writeFileSync(big, crypto.randomBytes(64 * 1024 * 1024));
      for (const [name, file] of [['exported clip', clipFile], ['64 MiB body', big]] as const) {
        const size = fs.statSync(file).size;
        const ms: number[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          const t0 = performance.now();
          await s3.put(`bench/${r}-${path.basename(file)}`, { path: file }, { contentType: 'application/octet-stream' });
          ms.push(performance.now() - t0);
        }
        const m = median(ms);
        console.log(`s3rver upload, ${name} (${(size / 1e6).toFixed(1)} MB): ${m.toFixed(0)} ms → ${(size / 1e6 / (m / 1000)).toFixed(1)} MB/s`);
      }
    } finally {
      s3.close();
      await server.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
