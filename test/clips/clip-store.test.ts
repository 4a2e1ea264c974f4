import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';


import { clipKeys, exportClip, listClips, publicUrl, publishClip } from '../../src/clips';
import { discover } from '../../src/gst';
import { FsObjectStore, S3ObjectStore } from '../../src/object-store';
import { openStore, type Store } from '../../src/store';
import { requirePostgres } from '../helpers/services';
import { startLocalS3, type LocalS3 } from '../helpers/local-s3';
import { clipMedia, topLevelBoxes } from './media';

describe('clips: publish to the object store and the clips table', function () {
  this.timeout(120_000);
  let store: Store;
  let dir: string;
  let s3server: LocalS3;
  let endpoint: string;

  before(async () => {
    const url = await requirePostgres();
    const admin = await openStore({ databaseUrl: url, migrate: false });
    await admin.pool.query('DROP SCHEMA IF EXISTS clips_store CASCADE');
    await admin.close();
    store = await openStore({ databaseUrl: url, schema: 'clips_store' });
    await store.migrateDone;
    dir = await mkdtemp(path.join(os.tmpdir(), 'va-clip-s3-'));
    s3server = await startLocalS3('clips');
    endpoint = s3server.endpoint;
    await clipMedia();
  });
  after(async () => {
    await s3server?.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads MP4 + poster to s3rver, writes one clips row; the downloaded clip plays for the range; a re-export replaces the row', async () => {
    const s3 = new S3ObjectStore({ bucket: 'clips', endpoint, forcePathStyle: true });
    const opts = { streamId: 'cam-1', fromUs: 3e6, toUs: 6e6, streamStartMs: Date.UTC(2026, 11, 2, 12), source: 'file' as const, highlightPtsUs: 4_500_000 };
    const clip = await exportClip({ kind: 'file', path: (await clipMedia()).h264 }, { fromS: 3, toS: 6 });
    const c = await publishClip(store.pool, s3, clip, opts);
    assert.ok(!fs.existsSync(clip.path), 'temp files removed after the upload');
    assert.deepEqual([c.objectKey, c.posterKey], ['clips/cam-1/3000-6000.mp4', 'clips/cam-1/3000-6000.jpg']);
    assert.deepEqual(clipKeys('cam-1', 3e6, 6e6), { mp4: c.objectKey, jpg: c.posterKey });
    assert.match(c.url, /^http:\/\/127\.0\.0\.1:\d+\/clips\/clips\/cam-1\/3000-6000\.mp4\?.*X-Amz-Signature=/);
    assert.deepEqual([new URL(c.url).username, new URL(c.url).password], ['', ''], 'no userinfo in the URL');

    const rows = await listClips(store.pool, 'cam-1');
    assert.equal(rows.length, 1);
    const row = rows[0]!;
    assert.deepEqual({ ...row, createdAt: undefined }, {
      clipId: 'cam-1:3000-6000', streamId: 'cam-1', ts: opts.streamStartMs + 3000, startUs: 3e6, endUs: 6e6, highlightPtsUs: 4_500_000,
      objectKey: c.objectKey, url: c.url, posterKey: c.posterKey, sizeBytes: c.sizeBytes, durationS: row.durationS, mode: 'remux', source: 'file',
      exportMs: c.exportMs, createdAt: undefined,
    });
    assert.ok(Math.abs(row.durationS - c.durationS) < 1e-3);

    // Through the presigned URL, as a browser would fetch it.
    const res = await fetch(c.url);
    assert.equal(res.status, 200);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(bytes.length, c.sizeBytes);
    const local = path.join(dir, 'downloaded.mp4');
    fs.writeFileSync(local, bytes);
    const info = await discover(local);
    assert.ok(Math.abs(info.durationNs / 1e9 - 3) <= 0.5, `downloaded clip lasts ${info.durationNs / 1e9} s`);
    assert.ok(topLevelBoxes(bytes).indexOf('moov') < topLevelBoxes(bytes).indexOf('mdat'));
    assert.equal((await s3.get(c.posterKey!)).subarray(0, 2).toString('hex'), 'ffd8');

    const again = await exportClip({ kind: 'file', path: (await clipMedia()).vp8 }, { fromS: 3, toS: 6 });
    await publishClip(store.pool, s3, again, opts);
    const after = await listClips(store.pool, 'cam-1');
    assert.equal(after.length, 1, 'same range, same clip id: replaced');
    assert.equal(after[0]!.mode, 'reencode');
    s3.close();
  });

  it('publishes to the fs store with a file:// URL, and removes the temp files when the upload fails', async () => {
    const fsStore = new FsObjectStore(path.join(dir, 'fs'));
    const clip = await exportClip({ kind: 'file', path: (await clipMedia()).vp8 }, { fromS: 1, toS: 2 });
    const c = await publishClip(store.pool, fsStore, clip, { streamId: 'cam-2', fromUs: 1e6, toUs: 2e6, streamStartMs: 0, source: 'file' });
    assert.match(c.url, /^file:\/\/.*\/fs\/cam-2\/1000-2000\.mp4$/, 'no clips/ prefix inside the folder store');
    assert.ok(fs.statSync(new URL(c.url)).size === c.sizeBytes);

    const failing = { ...fsStore, kind: 'fs' as const, put: async () => { throw new Error('disk full'); }, url: fsStore.url.bind(fsStore), get: fsStore.get.bind(fsStore), list: fsStore.list.bind(fsStore), delete: fsStore.delete.bind(fsStore) };
    const clip2 = await exportClip({ kind: 'file', path: (await clipMedia()).vp8 }, { fromS: 1, toS: 2 });
    await assert.rejects(publishClip(store.pool, failing, clip2, { streamId: 'cam-2', fromUs: 5e6, toUs: 6e6, streamStartMs: 0, source: 'file' }), /disk full/);
    assert.ok(!fs.existsSync(path.dirname(clip2.path)), 'temp folder removed');
    assert.equal((await listClips(store.pool, 'cam-2')).length, 1);
  });

  it('publicUrl strips userinfo and leaves other URLs alone', () => {
    assert.equal(publicUrl('http://key:secret@minio:9000/b/k.mp4?X-Amz-Signature=abc'), 'http://minio:9000/b/k.mp4?X-Amz-Signature=abc');
    assert.equal(publicUrl('file:///data/clips/a.mp4'), 'file:///data/clips/a.mp4');
  });
});
