import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';

/**
 * Parsed template YAML, cached as JSON per file (keyed by path, size and modification time to the
 * nanosecond) in the user's temp folder: loading the `yaml` package costs ~20 ms of every ingest's
 * start-up, JSON.parse of a cached document well under one. Only the parse is cached; the schema and
 * structural checks run on every load. Any cache failure falls back to parsing.
 */
const CACHE_DIR = path.join(os.tmpdir(), `video-agent-${typeof process.getuid === 'function' ? process.getuid() : 'user'}`, 'templates');

interface Entry {
  key: string;
  doc: unknown;
}

function keyOf(st: fs.BigIntStats, file: string): string {
  return `${file}\0${st.size}\0${st.mtimeNs}`;
}

export function parseYamlFile(file: string): unknown {
  const st = fs.statSync(file, { bigint: true });
  const key = keyOf(st, file);
  const cacheFile = path.join(CACHE_DIR, `${crypto.createHash('sha1').update(file).digest('hex')}.json`);
  try {
    const entry = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as Entry;
    if (entry.key === key) return entry.doc;
  } catch {
    /* no entry yet, or unreadable: parse */
  }
  const doc = (require('yaml') as typeof import('yaml')).parse(fs.readFileSync(file, 'utf8')) as unknown;
  const json = JSON.stringify({ key, doc } satisfies Entry);
  // Not cached: a file modified while it was read, or a document JSON cannot carry (.inf, .nan).
  if (keyOf(fs.statSync(file, { bigint: true }), file) === key && isDeepStrictEqual((JSON.parse(json) as Entry).doc, doc)) {
    try {
      fs.mkdirSync(CACHE_DIR, { recursive: true, mode: 0o700 });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, json);
      fs.renameSync(tmp, cacheFile);
    } catch {
      /* read-only or full temp folder: no cache, same result */
    }
  }
  return doc;
}
