import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { VideoAgentError } from '../errors';
import { checkKey, isBodyPath, type ObjectBody, type ObjectListing, type ObjectStore, type PutOptions, type StoredObject } from './object-store';

const TMP = /^\..*\.tmp$/;

/** Objects as files under one root folder; contentType is not kept (the extension says it). */
export class FsObjectStore implements ObjectStore {
  readonly kind = 'fs' as const;
  readonly rootDir: string;

  constructor(rootDir = path.join('data', 'clips')) {
    this.rootDir = path.resolve(rootDir);
  }

  async put(key: string, body: ObjectBody, _options?: PutOptions): Promise<StoredObject> {
    const file = this.fileOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    // Same folder as the target so rename is atomic: a reader sees the old object or the whole new one.
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      if (Buffer.isBuffer(body)) await writeFile(tmp, body);
      else await pipeline(isBodyPath(body) ? createReadStream(body.path) : body, createWriteStream(tmp));
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw fsError('put', key, err);
    }
    return { key, size: (await stat(file)).size, uri: pathToFileURL(file).href };
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.fileOf(key));
    } catch (err) {
      throw fsError('get', key, err);
    }
  }

  async list(prefix = ''): Promise<ObjectListing[]> {
    const out: ObjectListing[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw fsError('list', prefix, err);
      }
      for (const e of entries) {
        const key = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) {
          // Skip folders that cannot hold a match.
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(path.join(dir, e.name), key);
        } else if (e.isFile() && !TMP.test(e.name) && key.startsWith(prefix)) {
          out.push({ key, size: (await stat(path.join(dir, e.name))).size });
        }
      }
    };
    await walk(this.rootDir, '');
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await rm(this.fileOf(key), { force: true });
  }

  async url(key: string): Promise<string> {
    return pathToFileURL(this.fileOf(key)).href;
  }

  private fileOf(key: string): string {
    checkKey(key);
    const file = path.resolve(this.rootDir, key);
    // checkKey already refuses escapes; this guards against anything it missed (e.g. platform quirks).
    if (!file.startsWith(this.rootDir + path.sep)) throw new VideoAgentError('E_BAD_KEY', `bad object key ${JSON.stringify(key)}: outside the store`, { kind: 'bad_input' });
    return file;
  }
}

function fsError(op: string, key: string, err: unknown): unknown {
  if (err instanceof VideoAgentError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new VideoAgentError('E_OBJECT_NOT_FOUND', `object ${key} not found`, { kind: 'not_found', cause: err });
  return new VideoAgentError('E_OBJECT_STORE', `fs object store ${op} ${key}: ${code ?? (err as Error).message}`, { kind: 'internal', cause: err });
}
