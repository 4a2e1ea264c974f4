import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { requireSharedEvalDir, sharedEvalPath } from '../../src/eval/shared-data';
import { VideoAgentError } from '../../src/errors';

describe('eval/shared-data', () => {
  const saved = process.env.VIDEO_AGENT_EVAL_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.VIDEO_AGENT_EVAL_DIR;
    else process.env.VIDEO_AGENT_EVAL_DIR = saved;
  });

  it('a missing data folder is an error naming where the data is expected', () => {
    process.env.VIDEO_AGENT_EVAL_DIR = '/nonexistent/peer-eval';
    for (const f of [() => requireSharedEvalDir(), () => sharedEvalPath('motmetrics_tud', 'SOURCE.txt')]) {
      assert.throws(f, (e: unknown) => e instanceof VideoAgentError && e.code === 'E_EVAL_DATA_MISSING' && e.message.includes('/nonexistent/peer-eval') && e.message.includes('VIDEO_AGENT_EVAL_DIR'));
    }
  });

  it('an existing folder resolves paths inside it', () => {
    process.env.VIDEO_AGENT_EVAL_DIR = __dirname;
    assert.equal(sharedEvalPath('a', 'b.txt'), path.join(__dirname, 'a', 'b.txt'));
  });

  it('`npm run eval` fails (not skips) without the data, and says where it looked', function () {
    this.timeout(60_000);
    const root = path.resolve(__dirname, '..', '..');
    const r = spawnSync('npm', ['run', '-s', 'eval'], { cwd: root, encoding: 'utf8', env: { ...process.env, VIDEO_AGENT_EVAL_DIR: '/nonexistent/peer-eval' } });
    assert.notEqual(r.status, 0);
    assert.match(r.stdout + r.stderr, /evaluation data not found at \/nonexistent\/peer-eval/);
    assert.match(r.stdout, /0 passing/);
  });
});
