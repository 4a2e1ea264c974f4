import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTool } from '../../src/media/run-tool';
import { childEnv } from '../../src/media/child-env';
import { runProcess } from '../../src/local-models/runtime/run-process';

// Lives beside the store tests because it guards the same secrets as `migrate` (DATABASE_URL among them).
const SECRETS = { RUNPOD_API_KEY: 'rp-secret-1', DATABASE_URL: 'postgres://u:db-secret-2@h/db', S3_SECRET_ACCESS_KEY: 's3-secret-3', VLM_API_KEY: 'vlm-secret-4', VIDEO_AGENT_API_KEY: 'api-secret-5' };

describe('spawned tools get only the environment they need', () => {
  const saved: Record<string, string | undefined> = {};
  before(() => { for (const [k, v] of Object.entries(SECRETS)) { saved[k] = process.env[k]; process.env[k] = v; } process.env.GST_DEBUG_TEST_MARK = '1'; });
  after(() => { for (const k of Object.keys(SECRETS)) { if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k]; } delete process.env.GST_DEBUG_TEST_MARK; });

  const check = (envText: string) => {
    for (const [k, v] of Object.entries(SECRETS)) {
      assert.ok(!envText.includes(k) && !envText.includes(v), `${k} leaked to the child`);
    }
    assert.match(envText, /^PATH=/m, 'PATH is passed (tools are found)');
    assert.match(envText, /^GST_DEBUG_TEST_MARK=1$/m, 'GStreamer settings are passed');
  };

  it('runProcess (pocketsphinx, gst-launch in local-models)', async () => {
    const { stdout } = await runProcess('env', [], { what: 'env test' });
    check(stdout);
  });

  it('runTool (gst-launch, flite, sox in media)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'child-env-'));
    try {
      const file = path.join(dir, 'env.txt');
      await runTool('sh', ['-c', 'env > "$0"', file]);
      check(fs.readFileSync(file, 'utf8'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('childEnv keeps locale and tool settings and adds what a caller asks for', () => {
    const env = childEnv({ EXTRA: 'x' }, { PATH: '/bin', LC_ALL: 'C', RUNPOD_API_KEY: 'k', AWS_SECRET_ACCESS_KEY: 'a', GST_PLUGIN_PATH: '/p' });
    assert.deepEqual(env, { PATH: '/bin', LC_ALL: 'C', GST_PLUGIN_PATH: '/p', EXTRA: 'x' });
  });
});
