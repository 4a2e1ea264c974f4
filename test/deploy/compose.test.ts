/**
 * deploy/docker-compose.yml through Debian's docker-compose (1.29): it renders with .env.example-like values,
 * refuses to render, naming the variable, while any required one is missing, uses only variables that
 * .env.example lists (each with a comment), passes every secret as a Docker secret file, and publishes no
 * port but the proxy's 80/443. No Docker engine runs here: `config` is as far as compose goes.
 * Also: the Caddyfile adapts (caddy adapt), deploy/serve.yaml is a valid serve config, and
 * deploy/secrets/make-secrets.sh writes every secret file the compose file needs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadServeConfig } from '../../src/server/config/load-config';
import { stageModules } from '../../src/stages';

const ROOT = path.resolve(__dirname, '..', '..');
const DEPLOY = path.join(ROOT, 'deploy');
const COMPOSE = path.join(DEPLOY, 'docker-compose.yml');
const ENV_EXAMPLE = path.join(DEPLOY, '.env.example');

interface Run { code: number | null; stdout: string; stderr: string }

function run(cmd: string, args: string[], opts: { env?: Record<string, string>; install: string; cwd?: string }): Run {
  // A clean environment: compose lets the process environment override --env-file.
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...opts.env }, encoding: 'utf8', timeout: 60_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${cmd} is not installed: ${opts.install}`);
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const compose = (envFile: string, args: string[]) =>
  run('docker-compose', ['-f', COMPOSE, '--env-file', envFile, ...args], { install: 'apt-get install docker-compose' });

/** NAME=value lines of .env.example, each with the comment right above it (shared by a run of consecutive lines). */
function envExample(): { name: string; value: string; comment: string }[] {
  const out: { name: string; value: string; comment: string }[] = [];
  let comment: string[] = [];
  let group = '';
  for (const line of fs.readFileSync(ENV_EXAMPLE, 'utf8').split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) {
      if (comment.length) group = comment.join(' ');
      out.push({ name: m[1]!, value: m[2]!, comment: group });
      comment = [];
    } else if (line.startsWith('#') && !/^# ---/.test(line)) {
      comment.push(line.replace(/^#\s?/, ''));
    } else {
      comment = [];
      group = '';
    }
  }
  return out;
}

/** Short volume syntax as `config` prints it: `source:target[:mode]` (a named volume has no '/' in front). */
function volumes(svc: any): { source: string; target: string; bind: boolean }[] {
  return (svc.volumes ?? []).map((v: string) => {
    const [source, target] = v.split(':') as [string, string];
    return { source, target, bind: source.startsWith('/') };
  });
}

/** `${VAR…}` references in the compose file (`$${…}` and `$$x` are escapes for the container's shell). */
function composeVariables(): { name: string; required: boolean }[] {
  const text = fs.readFileSync(COMPOSE, 'utf8');
  const found = new Map<string, boolean>();
  for (const m of text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[?-])?/g)) {
    found.set(m[1]!, (found.get(m[1]!) ?? false) || m[2] === ':?' || m[2] === '?' || m[2] === undefined);
  }
  return [...found].map(([name, required]) => ({ name, required }));
}

describe('deploy/docker-compose.yml', function () {
  this.timeout(120_000);
  let dir: string;
  let envFile: string;
  let values: Map<string, string>;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-compose-'));
    envFile = path.join(dir, 'test.env');
    // .env.example's values, with a dummy wherever it leaves one empty for the operator to fill in.
    values = new Map(envExample().map((v) => [v.name, v.value || `dummy-${v.name.toLowerCase()}`]));
    fs.writeFileSync(envFile, [...values].map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const writeEnv = (drop: string) => {
    const f = path.join(dir, `without-${drop}.env`);
    fs.writeFileSync(f, [...values].filter(([k]) => k !== drop).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
    return f;
  };

  describe('rendered with .env.example values', () => {
    let cfg: any;
    before(() => {
      const r = compose(envFile, ['config']);
      assert.equal(r.code, 0, `docker-compose config failed:\n${r.stderr}`);
      cfg = parseYaml(r.stdout);
    });

    it('has the data stores, migrations, serve, a worker per default stage, monitoring and the proxy', () => {
      const s = cfg.services;
      assert.match(s.timescaledb.image, /^timescale\/timescaledb:/);
      assert.match(s.redis.image, /^redis:/);
      assert.match(s.redis.entrypoint.join(' '), /--appendonly yes/, 'Redis persists (AOF)');
      assert.match(s.minio.image, /^minio\/minio:/);
      assert.match(s['minio-init'].image, /^minio\/mc:/);
      assert.match(s['minio-init'].entrypoint.join(' '), /mc mb --ignore-existing "local\/\$\$S3_BUCKET"/);
      assert.equal(s['minio-init'].environment.S3_BUCKET, values.get('S3_BUCKET'));
      assert.deepEqual(s.migrate.command, ['migrate']);
      assert.equal(s.serve.command[0], 'serve');
      assert.equal(s.serve.image, values.get('VIDEO_AGENT_IMAGE'));
      assert.equal(s.serve.depends_on.migrate.condition, 'service_completed_successfully');
      assert.match(s.prometheus.image, /^prom\/prometheus:/);
      assert.match(s.grafana.image, /^grafana\/grafana:/);
      assert.match(s.proxy.image, /^caddy:/);
    });

    it('runs one worker service per stage serve leaves to workers (the default stages), with replicas', () => {
      const defaults = stageModules().filter((m) => m.default).map((m) => m.name).sort();
      const names = stageModules().map((m) => m.name);
      const workers = Object.entries<any>(cfg.services).filter(([n]) => n.startsWith('worker-'));
      assert.deepEqual(workers.map(([n]) => n.slice('worker-'.length)).sort(), defaults);
      for (const [n, w] of workers) {
        const stage = n.slice('worker-'.length);
        assert.ok(names.includes(stage), `${n}: no stage ${stage} in src/stages/registry.ts`);
        assert.deepEqual(w.command, ['worker', '--stage', stage]);
        assert.ok(Number.isInteger(w.deploy.replicas) && w.deploy.replicas >= 1, `${n}: replicas ${w.deploy.replicas}`);
        assert.deepEqual(w.healthcheck, { test: ['NONE'] }, `${n}: workers serve no /healthz`);
      }
      assert.equal(cfg.services['worker-detection'].deploy.replicas, Number(values.get('DETECTION_WORKERS')));
    });

    it('serve.yaml (mounted into serve) is a valid config that leaves every default stage to the workers', () => {
      const mount = volumes(cfg.services.serve).find((v) => v.target === '/etc/video-agent/serve.yaml');
      assert.ok(mount, 'serve.yaml is mounted');
      assert.equal(mount.source, path.join(DEPLOY, 'serve.yaml'));
      assert.deepEqual(cfg.services.serve.command.slice(0, 3), ['serve', '--config', '/etc/video-agent/serve.yaml']);
      const { config } = loadServeConfig(mount.source, {});
      assert.deepEqual(config.defaults.stages, []);
      assert.deepEqual(config.server.mediaRoots, ['/media']);
      // Spool and recordings land on serve's volume, not in the container's writable layer.
      assert.ok(volumes(cfg.services.serve).some((v) => !v.bind && v.target === config.server.dataDir), `a volume at ${config.server.dataDir}`);
    });

    it('mounts the Prometheus config, its alert rules and the Grafana provisioning and dashboards', () => {
      const targets = (svc: string) => Object.fromEntries(volumes(cfg.services[svc]).filter((v) => v.bind).map((v) => [v.target, v.source]));
      const prom = targets('prometheus');
      assert.equal(prom['/etc/prometheus/prometheus.yml'], path.join(DEPLOY, 'prometheus', 'prometheus.yml'));
      assert.equal(prom['/etc/prometheus/alerts.yml'], path.join(DEPLOY, 'prometheus', 'alerts.yml'));
      const graf = targets('grafana');
      assert.equal(graf['/etc/grafana/provisioning'], path.join(DEPLOY, 'grafana', 'provisioning'));
      assert.equal(graf['/var/lib/grafana/dashboards'], path.join(DEPLOY, 'grafana', 'dashboards'));
      // Every file or folder mounted from the repository exists (the media folder is the operator's).
      for (const [name, svc] of Object.entries<any>(cfg.services)) {
        for (const v of volumes(svc)) {
          if (!v.bind || v.target === '/media') continue;
          assert.ok(fs.existsSync(v.source), `${name}: mounts ${v.source}, which does not exist`);
        }
      }
    });

    it('Alertmanager only with the alerting profile', () => {
      const profiled = Object.entries<any>(cfg.services).filter(([, s]) => s.profiles).map(([n, s]) => [n, s.profiles]);
      assert.deepEqual(profiled, [['alertmanager', ['alerting']]]);
    });

    it('every secret reaches the containers as a Docker secret file, never as a plain environment value', () => {
      const declared = Object.keys(cfg.secrets);
      for (const name of declared) assert.ok(path.isAbsolute(cfg.secrets[name].file), `secret ${name}: ${JSON.stringify(cfg.secrets[name])}`);
      const SECRETISH = /(PASSWORD|SECRET|API_KEY|TOKEN|ACCESS_KEY|_URL)$/;
      for (const [svc, s] of Object.entries<any>(cfg.services)) {
        const mounted = new Set((s.secrets ?? []).map((x: any) => x.source));
        for (const [k, v] of Object.entries<string>(s.environment ?? {})) {
          if (k === 'GF_SERVER_ROOT_URL') continue;   // a public URL, not a credential
          assert.ok(!SECRETISH.test(k), `${svc}: ${k} is passed as a plain environment value`);
          if (/_FILE$/.test(k) && String(v).startsWith('/run/secrets/')) {
            const secret = String(v).slice('/run/secrets/'.length);
            assert.ok(mounted.has(secret), `${svc}: ${k} points at secret ${secret}, which it does not mount`);
          }
        }
        for (const x of mounted) assert.ok(declared.includes(x as string), `${svc}: secret ${x} is not declared`);
      }
      // The app itself reads each of them through <NAME>_FILE.
      const app = cfg.services.serve.environment;
      for (const k of ['DATABASE_URL_FILE', 'REDIS_URL_FILE', 'RUNPOD_API_KEY_FILE', 'VIDEO_AGENT_API_KEY_FILE', 'AWS_ACCESS_KEY_ID_FILE', 'AWS_SECRET_ACCESS_KEY_FILE', 'VIDEO_AGENT_WEBHOOK_SECRET_FILE']) {
        assert.match(app[k] ?? '', /^\/run\/secrets\//, `serve: ${k}`);
      }
      assert.equal(cfg.services.timescaledb.environment.POSTGRES_PASSWORD_FILE, '/run/secrets/postgres_password');
      assert.equal(cfg.services.minio.environment.MINIO_ROOT_PASSWORD_FILE, '/run/secrets/minio_root_password');
      assert.equal(cfg.services.grafana.environment.GF_SECURITY_ADMIN_PASSWORD__FILE, '/run/secrets/grafana_admin_password');
      assert.ok(cfg.services.prometheus.secrets.some((x: any) => x.source === 'video_agent_api_key'), 'Prometheus has the key /metrics needs');
    });

    it('publishes only the proxy, on 80 and 443; the data stores are on the internal network only', () => {
      for (const [name, s] of Object.entries<any>(cfg.services)) {
        if (name !== 'proxy') assert.equal(s.ports, undefined, `${name} publishes ports`);
      }
      const ports = cfg.services.proxy.ports.map((p: any) => `${p.published}:${p.target}/${p.protocol ?? 'tcp'}`).sort();
      assert.deepEqual(ports, ['443:443/tcp', '443:443/udp', '80:80/tcp']);
      assert.equal(cfg.networks.internal.internal, true);
      for (const name of ['timescaledb', 'redis', 'minio', 'minio-init', 'migrate', 'prometheus']) {
        assert.deepEqual(Object.keys(cfg.services[name].networks), ['internal'], `${name} networks`);
      }
      assert.deepEqual(Object.keys(cfg.services.proxy.networks), ['public']);
      assert.deepEqual(cfg.services.proxy.environment, { DOMAIN: values.get('DOMAIN'), ACME_EMAIL: values.get('ACME_EMAIL') });
    });
  });

  it('refuses to render while any required variable is missing, naming it', () => {
    const required = composeVariables().filter((v) => v.required).map((v) => v.name);
    assert.ok(required.length >= 15, `only ${required.length} required variables`);
    for (const secret of ['POSTGRES_PASSWORD_FILE', 'DATABASE_URL_FILE', 'REDIS_URL_FILE', 'RUNPOD_API_KEY_FILE', 'VIDEO_AGENT_API_KEY_FILE', 'GRAFANA_ADMIN_PASSWORD_FILE', 'DOMAIN']) {
      assert.ok(required.includes(secret), `${secret} is not required`);
    }
    for (const name of required) {
      const r = compose(writeEnv(name), ['config', '-q']);
      assert.notEqual(r.code, 0, `config succeeded without ${name}`);
      assert.match(r.stderr, new RegExp(`set ${name} \\(see deploy/\\.env\\.example\\)`), `the error for a missing ${name}:\n${r.stderr}`);
    }
    // An empty value is missing too (`:?`): .env.example's empty endpoint ids must be filled in.
    const r = compose(ENV_EXAMPLE, ['config', '-q']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /set RUNPOD_[A-Z]+_ENDPOINT_ID/);
  });

  it('every ${VAR} of the compose file is in .env.example with a comment, and .env.example lists nothing else', () => {
    const used = composeVariables().map((v) => v.name).sort();
    const listed = envExample();
    assert.deepEqual(listed.map((v) => v.name).sort(), used);
    for (const v of listed) assert.ok(v.comment.length > 10, `${v.name} has no comment in .env.example`);
    // Nothing secret is a value in .env.example: secrets are files.
    for (const v of listed) assert.ok(!/(PASSWORD|SECRET|API_KEY|TOKEN)$/.test(v.name), `${v.name} holds a secret value`);
  });

  it('deploy/secrets/make-secrets.sh writes every secret file .env.example names (except the RunPod key), keeping existing ones', () => {
    const work = path.join(dir, 'secrets');
    fs.mkdirSync(work);
    fs.copyFileSync(path.join(DEPLOY, 'secrets', 'make-secrets.sh'), path.join(work, 'make-secrets.sh'));
    const first = run('sh', [path.join(work, 'make-secrets.sh')], { install: 'apt-get install openssl' });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /missing: runpod_api_key/);
    const files = envExample().filter((v) => v.name.endsWith('_FILE') && v.name !== 'RUNPOD_API_KEY_FILE').map((v) => path.basename(v.value));
    for (const f of files) {
      const p = path.join(work, f);
      assert.ok(fs.existsSync(p), `${f} not written`);
      assert.ok(fs.readFileSync(p, 'utf8').trim().length >= 12, `${f} is too short`);
      assert.equal(fs.statSync(p).mode & 0o777, 0o644, `${f}: readable by the containers' uid`);
    }
    const pw = fs.readFileSync(path.join(work, 'postgres_password'), 'utf8').trim();
    assert.equal(fs.readFileSync(path.join(work, 'database_url'), 'utf8').trim(), `postgres://video_agent:${pw}@timescaledb:5432/video_agent`);
    const rpw = fs.readFileSync(path.join(work, 'redis_password'), 'utf8').trim();
    assert.equal(fs.readFileSync(path.join(work, 'redis_url'), 'utf8').trim(), `redis://:${rpw}@redis:6379/0`);
    assert.equal(run('sh', [path.join(work, 'make-secrets.sh')], { install: 'apt-get install openssl' }).code, 0);
    assert.equal(fs.readFileSync(path.join(work, 'postgres_password'), 'utf8').trim(), pw, 'an existing secret is kept');
    // Generated secrets are never committed.
    const ignored = spawnSync('git', ['check-ignore', '-q', 'deploy/secrets/postgres_password'], { cwd: ROOT });
    assert.equal(ignored.status, 0, 'deploy/secrets/* is git-ignored');
  });

  it('the Caddyfile adapts: HTTPS for $DOMAIN with $ACME_EMAIL, serve and Grafana behind it, /metrics not published', () => {
    const r = run('caddy', ['adapt', '--config', path.join(DEPLOY, 'proxy', 'Caddyfile'), '--adapter', 'caddyfile'], {
      env: { DOMAIN: 'video.example.com', ACME_EMAIL: 'ops@example.com' }, install: 'apt-get install caddy',
    });
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    const text = JSON.stringify(json);
    const server = Object.values<any>(json.apps.http.servers)[0];
    assert.deepEqual(server.listen, [':443']);
    assert.deepEqual(server.routes[0].match, [{ host: ['video.example.com'] }]);
    assert.ok(text.includes('"dial":"serve:8080"'), 'proxies to serve');
    assert.ok(text.includes('"dial":"grafana:3000"'), 'proxies to Grafana');
    assert.match(text, /"match":\[\{"path":\["\/metrics"\]\}\]/);
    const policy = json.apps.tls.automation.policies[0];
    assert.deepEqual(policy.subjects, ['video.example.com']);
    assert.equal(policy.issuers[0].email, 'ops@example.com');
  });
});
