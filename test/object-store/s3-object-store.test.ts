import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startLocalS3, type LocalS3 } from '../helpers/local-s3';
import { FsObjectStore, S3ObjectStore, objectStoreFromEnv } from '../../src/object-store';
import { VideoAgentError } from '../../src/errors';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('S3ObjectStore against s3rver', function () {
  this.timeout(20_000);
  let dir: string;
  let s3server: LocalS3;
  let endpoint: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 's3rver-'));
    s3server = await startLocalS3('clips');
    endpoint = s3server.endpoint;
  });
  after(async () => {
    await s3server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('puts small and multipart bodies, lists, gets, presigns, deletes', async () => {
    const store = new S3ObjectStore({ bucket: 'clips', endpoint, forcePathStyle: true });
    try {
      const small = Buffer.from('poster bytes');
      const big = randomBytes(12 * 1024 * 1024);
      assert.deepEqual(await store.put('cam1/poster.jpg', small, { contentType: 'image/jpeg' }), { key: 'cam1/poster.jpg', size: small.length, uri: 's3://clips/cam1/poster.jpg' });
      assert.equal((await store.put('cam1/clip.mp4', big, { contentType: 'video/mp4' })).size, big.length);
      const listed = (await store.list('cam1/')).sort((a, b) => a.key.localeCompare(b.key));
      assert.deepEqual(listed, [{ key: 'cam1/clip.mp4', size: big.length }, { key: 'cam1/poster.jpg', size: small.length }]);
      assert.equal(sha(await store.get('cam1/clip.mp4')), sha(big));
      assert.equal(sha(await store.get('cam1/poster.jpg')), sha(small));
      const url = await store.url('cam1/clip.mp4', { expiresS: 60 });
      assert.match(url, /X-Amz-Signature=/);
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.equal(sha(Buffer.from(await res.arrayBuffer())), sha(big));
      await store.delete('cam1/clip.mp4');
      assert.deepEqual((await store.list('cam1/')).map((o) => o.key), ['cam1/poster.jpg']);
      await assert.rejects(store.get('cam1/clip.mp4'), (e: VideoAgentError) => e.kind === 'not_found');
    } finally {
      store.close();
    }
  });

  it('a wrong endpoint port names the host and never the secret', async () => {
    process.env.AWS_SECRET_ACCESS_KEY = 'TOP-SECRET-KEY-123';
    const port = await freePort();
    const store = new S3ObjectStore({ bucket: 'clips', endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true });
    try {
      await assert.rejects(store.put('x.bin', Buffer.from('x')), (e: unknown) => {
        assert.ok(e instanceof VideoAgentError, String(e));
        assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
        assert.equal(e.kind, 'unreachable');
        assert.ok(!e.message.includes('TOP-SECRET-KEY-123') && !e.message.includes('X-Amz-'), e.message);
        assert.ok(!JSON.stringify(e).includes('TOP-SECRET-KEY-123'));
        return true;
      });
    } finally {
      store.close();
      process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    }
  });

  it('objectStoreFromEnv picks the kind and names a bad variable', () => {
    const fs = objectStoreFromEnv({}, { dataDir: dir });
    assert.equal(fs.kind, 'fs');
    assert.equal((fs as FsObjectStore).rootDir, path.join(dir, 'clips'));
    const s3 = objectStoreFromEnv({ S3_BUCKET: 'clips', S3_ENDPOINT: endpoint, S3_FORCE_PATH_STYLE: '1' }, { dataDir: dir });
    assert.equal(s3.kind, 's3');
    (s3 as S3ObjectStore).close();
    assert.throws(() => objectStoreFromEnv({ S3_BUCKET: 'clips', S3_FORCE_PATH_STYLE: 'yes' }, { dataDir: dir }),
      (e: VideoAgentError) => e.kind === 'config' && e.message.includes('S3_FORCE_PATH_STYLE'));
  });
});
