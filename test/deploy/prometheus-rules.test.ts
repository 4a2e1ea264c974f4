/**
 * deploy/prometheus through promtool: the alert rules parse, the compose scrape config is valid (checked on a
 * copy whose secret file exists here), and the rule unit tests (alerts.test.yml) fire and stay silent as written.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const DIR = path.resolve(__dirname, '..', '..', 'deploy', 'prometheus');
const SECRET = '/run/secrets/video_agent_api_key';

function promtool(args: string[], cwd = DIR): { code: number | null; out: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 30_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('promtool is not installed: apt-get install prometheus');
  if (r.error) throw r.error;
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('deploy/prometheus: promtool', function () {
  this.timeout(60_000);

  it('check rules: alerts.yml parses, with a severity and summary/description on every alert', () => {
    const r = promtool(['check', 'rules', 'alerts.yml']);
    assert.equal(r.code, 0, r.out);
    const m = /SUCCESS: (\d+) rules found/.exec(r.out);
    assert.ok(m && Number(m[1]) >= 10, r.out);
    const text = fs.readFileSync(path.join(DIR, 'alerts.yml'), 'utf8');
    const alerts = text.split(/\n\s+- alert: /).slice(1);
    assert.equal(alerts.length, Number(m![1]));
    for (const a of alerts) {
      const name = a.split('\n')[0];
      assert.match(a, /\n\s+for: \d+[smh]/, `${name}: for`);
      assert.match(a, /\n\s+severity: (critical|warning)/, `${name}: severity`);
      assert.match(a, /\n\s+summary: /, `${name}: summary`);
      assert.match(a, /\n\s+description: /, `${name}: description`);
    }
  });

  it('check config: prometheus.yml is valid (on a copy whose API key file exists)', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'va-promcfg-'));
    try {
      const cfg = fs.readFileSync(path.join(DIR, 'prometheus.yml'), 'utf8');
      assert.ok(cfg.includes(SECRET), `prometheus.yml reads the API key from ${SECRET}`);
      fs.writeFileSync(path.join(tmp, 'api-key'), 'test-key-0123456789abcdef\n');
      fs.writeFileSync(path.join(tmp, 'prometheus.yml'), cfg.replace(SECRET, path.join(tmp, 'api-key')));
      fs.copyFileSync(path.join(DIR, 'alerts.yml'), path.join(tmp, 'alerts.yml'));
      const r = promtool(['check', 'config', 'prometheus.yml'], tmp);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /SUCCESS: 1 rule files found/);
      const alerts = fs.readFileSync(path.join(DIR, 'alerts.yml'), 'utf8').match(/- alert: /g)!.length;
      assert.match(r.out, new RegExp(`SUCCESS: ${alerts} rules found`));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('test rules: alerts.test.yml passes and covers every alert', () => {
    const r = promtool(['test', 'rules', 'alerts.test.yml']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /SUCCESS/);
    const names = [...fs.readFileSync(path.join(DIR, 'alerts.yml'), 'utf8').matchAll(/- alert: (\w+)/g)].map((x) => x[1]);
    const tests = fs.readFileSync(path.join(DIR, 'alerts.test.yml'), 'utf8');
    for (const n of names) {
      // One expectation that it fires (a non-empty exp_alerts) for each alert.
      assert.match(tests, new RegExp(`alertname: ${n}\\n\\s+exp_alerts:\\n\\s+- exp_labels`), `${n} has a firing test`);
    }
  });
});
