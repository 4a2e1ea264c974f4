#!/usr/bin/env node
/**
 * Copies the object store (clips and posters) to a backup folder and back, through the project's own
 * ObjectStore (src/object-store), so the same command works for the fs store (<dataDir>/clips) and for S3
 * (S3_BUCKET, S3_ENDPOINT, S3_REGION, S3_FORCE_PATH_STYLE; credentials from the standard AWS variables only).
 * Called by scripts/backup.sh and scripts/restore.sh; plain JavaScript so it runs in an image without dev
 * dependencies (it loads dist/ there, the TypeScript sources through tsx in a checkout).
 *
 *   node scripts/backup-objects.js export <backup-dir> [--data-dir DIR]   # -> <backup-dir>/objects/, objects.json
 *   node scripts/backup-objects.js import <backup-dir> [--data-dir DIR]   # <- the same, sha256-checked
 *
 * The last stdout line is a JSON summary ({objects, bytes, store}); nothing printed names a credential.
 */
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const MANIFEST = 'objects.json';

function loadObjectStore() {
  // A checkout (tsx present): the sources, so a half-rebuilt dist/ never matters. An image: dist/.
  let tsx = null;
  try { tsx = require.resolve('tsx/cjs', { paths: [ROOT] }); } catch { /* not installed: dist */ }
  if (tsx && fs.existsSync(path.join(ROOT, 'src', 'object-store', 'index.ts'))) {
    require(tsx);
    return require(path.join(ROOT, 'src', 'object-store'));
  }
  const dist = path.join(ROOT, 'dist', 'object-store', 'index.js');
  if (!fs.existsSync(dist)) throw new Error(`neither tsx nor ${path.relative(process.cwd(), dist)} found: run \`npm run build:ts\``);
  return require(dist);
}

function describeStore(store) {
  return store.kind === 's3' ? `s3://${store.bucket} at ${store.host}` : store.rootDir;
}

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

async function exportObjects(dir, store) {
  const out = path.join(dir, 'objects');
  fs.mkdirSync(out, { recursive: true });
  const entries = [];
  let bytes = 0;
  for (const { key } of await store.list('')) {
    const body = await store.get(key);
    const file = path.join(out, ...key.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, body);
    entries.push({ key, size: body.length, sha256: sha256(body) });
    bytes += body.length;
  }
  fs.writeFileSync(path.join(dir, MANIFEST), JSON.stringify({ store: store.kind, objects: entries }, null, 1) + '\n');
  return { objects: entries.length, bytes };
}

async function importObjects(dir, store) {
  const manifestFile = path.join(dir, MANIFEST);
  if (!fs.existsSync(manifestFile)) throw new Error(`${manifestFile} not found: not a backup folder with objects`);
  const { objects } = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  let bytes = 0;
  for (const o of objects) {
    const file = path.join(dir, 'objects', ...o.key.split('/'));
    const body = fs.readFileSync(file);
    // A damaged backup is refused before it overwrites a good object.
    if (body.length !== o.size || sha256(body) !== o.sha256) throw new Error(`${path.relative(dir, file)}: size or sha256 differs from ${MANIFEST}; the backup is damaged`);
    await store.put(o.key, body, { contentType: o.key.endsWith('.mp4') ? 'video/mp4' : o.key.endsWith('.jpg') ? 'image/jpeg' : undefined });
    bytes += body.length;
  }
  // Read back what the store now holds for those keys.
  const held = new Map((await store.list('')).map((l) => [l.key, l.size]));
  const missing = objects.filter((o) => held.get(o.key) !== o.size);
  if (missing.length) throw new Error(`${missing.length} object(s) not in the store after import, e.g. ${missing[0].key}`);
  return { objects: objects.length, bytes };
}

function usage() {
  return 'usage: node scripts/backup-objects.js export|import <backup-dir> [--data-dir DIR]\n'
    + '  export: copies every object of the store (S3_BUCKET set: that bucket; else <data-dir>/clips) to <backup-dir>/objects/ and lists them in objects.json\n'
    + '  import: puts them back (each sha256-checked against objects.json first)\n';
}

async function main(argv) {
  if (argv.includes('--help') || argv.includes('-h')) { process.stdout.write(usage()); return 0; }
  const [cmd, dir] = argv;
  const i = argv.indexOf('--data-dir');
  const dataDir = i >= 0 ? argv[i + 1] : 'data';
  if ((cmd !== 'export' && cmd !== 'import') || !dir || !dataDir) { process.stderr.write(usage()); return 2; }
  const { objectStoreFromEnv } = loadObjectStore();
  const store = objectStoreFromEnv(process.env, { dataDir });
  try {
    const r = cmd === 'export' ? await exportObjects(path.resolve(dir), store) : await importObjects(path.resolve(dir), store);
    process.stdout.write(`${JSON.stringify({ ...r, store: describeStore(store) })}\n`);
    return 0;
  } finally {
    if (typeof store.close === 'function') store.close();
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  process.stderr.write(`backup-objects: ${err && err.message ? err.message : String(err)}\n`);
  process.exit(1);
});
