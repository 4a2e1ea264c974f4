import { strict as assert } from 'node:assert';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { FsObjectStore } from '../../src/object-store';
import { VideoAgentError } from '../../src/errors';

describe('FsObjectStore', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(path.join(tmpdir(), 'fs-store-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('round-trips buffers, streams and files, lists by prefix, deletes', async () => {
    const store = new FsObjectStore(path.join(dir, 'clips'));
    const a = await store.put('cam1/a.mp4', Buffer.from('aaaa'), { contentType: 'video/mp4' });
    assert.equal(a.size, 4);
    await store.put('cam1/b.jpg', Readable.from([Buffer.from('bb')]));
    const src = path.join(dir, 'src.bin');
    await writeFile(src, 'cccccc');
    await store.put('cam2/c.mp4', { path: src });
    assert.deepEqual((await store.get('cam1/a.mp4')).toString(), 'aaaa');
    assert.deepEqual(await store.list('cam1/'), [{ key: 'cam1/a.mp4', size: 4 }, { key: 'cam1/b.jpg', size: 2 }]);
    assert.equal((await store.list()).length, 3);
    assert.equal(fileURLToPath(await store.url('cam2/c.mp4')), path.join(dir, 'clips', 'cam2', 'c.mp4'));
    assert.deepEqual(await readdir(path.join(dir, 'clips', 'cam1')), ['a.mp4', 'b.jpg'], 'no temp files left');
    await store.delete('cam1/a.mp4');
    await store.delete('cam1/a.mp4');
    await assert.rejects(store.get('cam1/a.mp4'), (e: VideoAgentError) => e.code === 'E_OBJECT_NOT_FOUND' && e.kind === 'not_found');
  });

  it('refuses keys with .., absolute paths or NUL', async () => {
    const store = new FsObjectStore(path.join(dir, 'clips'));
    for (const key of ['../x', 'a/../../x', '/etc/passwd', 'a\0b', '']) {
      await assert.rejects(store.put(key, Buffer.from('x')), (e: VideoAgentError) => e.code === 'E_BAD_KEY' && e.kind === 'bad_input', JSON.stringify(key));
    }
  });
});
