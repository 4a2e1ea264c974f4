import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { secretEnv } from '../../src/config/secret-env';
import { databaseUrlFrom } from '../../src/cli/migrate';
import { serverFromEnv } from '../../src/local-models/captioner/local-captioner';
import { objectStoreFromEnv } from '../../src/object-store/from-env';
import { webhookSecret } from '../../src/rules/alert-dispatcher';
import { loadRunpodConfig } from '../../src/runpod/config';
import { parseServeConfig } from '../../src/server/config/load-config';
import { credentialsFromEnv } from '../../src/sources/livekit/token';
import { runCli } from '../ingest/helpers/cli';

/**
 * `<NAME>_FILE` secrets (Docker secrets): the value comes from the file, both set is an error, an
 * unreadable file is an error naming the variable and the path, and no error ever carries a secret.
 */
const SECRET = 'file-secret-4f9c2a7e1b';
const OTHER = 'env-secret-8d3b6c0a55';

describe('secrets from <NAME>_FILE', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-secret-'));
    file = path.join(dir, 'secret');
    fs.writeFileSync(file, `${SECRET}\n`);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const noSecret = (err: unknown) => {
    const text = `${(err as Error).message} ${String((err as Error).stack)} ${JSON.stringify(err)}`;
    assert.ok(!text.includes(SECRET) && !text.includes(OTHER), `a secret leaked into the error: ${text}`);
  };

  describe('secretEnv', () => {
    it('reads the file and trims the trailing newline (LF and CRLF)', () => {
      assert.equal(secretEnv('X', { X_FILE: file }), SECRET);
      const crlf = path.join(dir, 'crlf');
      fs.writeFileSync(crlf, `${SECRET}\r\n`);
      assert.equal(secretEnv('X', { X_FILE: crlf }), SECRET);
      // Inner whitespace is part of the secret; only the line ending goes.
      const inner = path.join(dir, 'inner');
      fs.writeFileSync(inner, ` a b \n`);
      assert.equal(secretEnv('X', { X_FILE: inner }), ' a b ');
    });

    it('reads the variable itself, and nothing (or an empty value) is undefined', () => {
      assert.equal(secretEnv('X', { X: OTHER }), OTHER);
      assert.equal(secretEnv('X', {}), undefined);
      assert.equal(secretEnv('X', { X: '', X_FILE: '' }), undefined);
    });

    it('both set: an error naming both variables, carrying neither value', () => {
      let caught: unknown;
      try { secretEnv('RUNPOD_API_KEY', { RUNPOD_API_KEY: OTHER, RUNPOD_API_KEY_FILE: file }); } catch (err) { caught = err; }
      assert.ok(caught, 'no error');
      assert.match((caught as Error).message, /both RUNPOD_API_KEY and RUNPOD_API_KEY_FILE are set/);
      assert.equal((caught as { code: string }).code, 'E_SECRET_CONFLICT');
      noSecret(caught);
    });

    it('a missing file: an error naming the variable and the path', () => {
      const missing = path.join(dir, 'nope');
      let caught: unknown;
      try { secretEnv('DATABASE_URL', { DATABASE_URL_FILE: missing }); } catch (err) { caught = err; }
      assert.ok(caught, 'no error');
      assert.equal((caught as Error).message, `cannot read DATABASE_URL_FILE (${missing}): no such file`);
      assert.equal((caught as { kind: string }).kind, 'config');
    });

    it('a directory or an empty file: an error naming the variable and the path', () => {
      assert.throws(() => secretEnv('REDIS_URL', { REDIS_URL_FILE: dir }), { message: `cannot read REDIS_URL_FILE (${dir}): is a directory` });
      const empty = path.join(dir, 'empty');
      fs.writeFileSync(empty, '\n');
      assert.throws(() => secretEnv('REDIS_URL', { REDIS_URL_FILE: empty }), { message: `REDIS_URL_FILE (${empty}) is empty` });
    });

    it('a secret read from a file that a reader refuses is not shown in the refusal', () => {
      const short = path.join(dir, 'short');
      fs.writeFileSync(short, 'z9q7x\n');
      const hook = { url: 'https://hooks.example.com/x', secretEnv: 'SHORT_SECRET' } as Parameters<typeof webhookSecret>[0];
      assert.throws(() => webhookSecret(hook, { SHORT_SECRET_FILE: short }), (err: Error) => /SHORT_SECRET must hold at least 16 characters/.test(err.message) && !err.message.includes('z9q7x'));
    });
  });

  describe('every reader of a secret takes <NAME>_FILE', () => {
    it('RUNPOD_API_KEY', () => {
      assert.equal(loadRunpodConfig({ RUNPOD_API_KEY_FILE: file }).apiKey, SECRET);
      assert.throws(() => loadRunpodConfig({ RUNPOD_API_KEY_FILE: path.join(dir, 'nope') }), /RUNPOD_API_KEY_FILE/);
    });

    it('DATABASE_URL (migrate and the store)', () => {
      const urlFile = path.join(dir, 'db');
      fs.writeFileSync(urlFile, 'postgres://u:pw@127.0.0.1:5432/x\n');
      assert.equal(databaseUrlFrom({ dataDir: 'data' }, { DATABASE_URL_FILE: urlFile }), 'postgres://u:pw@127.0.0.1:5432/x');
    });

    it('VLM_API_KEY', () => {
      assert.equal(serverFromEnv({ VLM_BASE_URL: 'http://127.0.0.1:1/v1', VLM_API_KEY_FILE: file })?.apiKey, SECRET);
    });

    it('LIVEKIT_API_KEY / LIVEKIT_API_SECRET / LIVEKIT_TOKEN', () => {
      assert.deepEqual(credentialsFromEnv({ LIVEKIT_API_KEY: 'k', LIVEKIT_API_SECRET_FILE: file }), { token: undefined, apiKey: 'k', apiSecret: SECRET });
    });

    it('webhook secrets named by rules (secretEnv)', () => {
      const hook = { url: 'https://hooks.example.com/x', secretEnv: 'MY_HOOK_SECRET' } as Parameters<typeof webhookSecret>[0];
      assert.equal(webhookSecret(hook, { MY_HOOK_SECRET_FILE: file }), SECRET);
      assert.throws(() => webhookSecret(hook, { MY_HOOK_SECRET: OTHER, MY_HOOK_SECRET_FILE: file }), (err: Error) => { noSecret(err); return /both MY_HOOK_SECRET and MY_HOOK_SECRET_FILE/.test(err.message); });
    });

    it('${VAR} in a serve config (camera passwords)', () => {
      const cfg = parseServeConfig('streams:\n  - id: cam\n    source: rtsp://u:${CAM_PW}@127.0.0.1/1\n', 'va.yaml', { CAM_PW_FILE: file });
      assert.equal(cfg.streams[0]!.source, `rtsp://u:${SECRET}@127.0.0.1/1`);
      assert.throws(() => parseServeConfig('streams:\n  - id: cam\n    source: rtsp://u:${CAM_PW}@127.0.0.1/1\n', 'va.yaml', { CAM_PW_FILE: path.join(dir, 'nope') }),
        { message: /^va\.yaml:3: cannot read CAM_PW_FILE \(.*\): no such file$/ });
    });

    it('S3 keys (AWS_ACCESS_KEY_ID_FILE / AWS_SECRET_ACCESS_KEY_FILE), which the AWS SDK itself does not read', async () => {
      const idFile = path.join(dir, 'aws-id');
      fs.writeFileSync(idFile, 'AKIAFILEKEY\n');
      const store = objectStoreFromEnv({ S3_BUCKET: 'b', S3_ENDPOINT: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID_FILE: idFile, AWS_SECRET_ACCESS_KEY_FILE: file }, { dataDir: dir });
      assert.equal(store.kind, 's3');
      const creds = await ((store as unknown as { client: { config: { credentials(): Promise<{ accessKeyId: string; secretAccessKey: string }> } } }).client.config.credentials());
      assert.equal(creds.accessKeyId, 'AKIAFILEKEY');
      assert.equal(creds.secretAccessKey, SECRET);
      assert.throws(() => objectStoreFromEnv({ S3_BUCKET: 'b', AWS_SECRET_ACCESS_KEY_FILE: file }, { dataDir: dir }), /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    });
  });

  describe('the CLI', () => {
    it('worker: an unreadable REDIS_URL_FILE is one line naming the variable and the path, exit 1', async () => {
      const missing = path.join(dir, 'redis-url');
      const r = await runCli(['worker', '--stage', 'detection'], 30_000, { REDIS_URL: '', REDIS_URL_FILE: missing });
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr.trim(), `video-agent: cannot read REDIS_URL_FILE (${missing}): no such file`);
    });

    it('migrate: DATABASE_URL and DATABASE_URL_FILE both set is refused, naming both, showing neither', async () => {
      const r = await runCli(['migrate'], 30_000, { DATABASE_URL: `postgres://u:${OTHER}@127.0.0.1:1/x`, DATABASE_URL_FILE: file });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /both DATABASE_URL and DATABASE_URL_FILE are set/);
      assert.ok(!r.stderr.includes(SECRET) && !r.stderr.includes(OTHER), r.stderr);
    });
  });
});
