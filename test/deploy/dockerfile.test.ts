/**
 * deploy/Dockerfile, checked by structure since no Docker engine runs here (the image is never built by the
 * tests): multi-stage, a Debian bookworm + Node 20 runtime with only runtime packages that exist in bookworm
 * (apt-cache on this bookworm machine), a non-root user, a HEALTHCHECK on /healthz (run here against a
 * real HTTP server), `video-agent` as the entrypoint, everything package.json ships copied in, and a
 * .dockerignore that keeps secrets out of the build context.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const DOCKERFILE = path.join(ROOT, 'deploy', 'Dockerfile');

interface Instr { op: string; args: string; stage: number }
interface Stage { from: string; name: string | null; instrs: Instr[] }

/** Instructions (continuations joined, comments dropped) grouped by stage, ARG defaults substituted in FROM. */
function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const lines: string[] = [];
  let cur = '';
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw) && !cur) continue;
    if (/^\s*#/.test(raw)) continue;
    const line = raw.replace(/\s+$/, '');
    if (line.endsWith('\\')) { cur += line.slice(0, -1) + ' '; continue; }
    cur += line;
    if (cur.trim()) lines.push(cur.trim());
    cur = '';
  }
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const l of lines) {
    const m = /^(\w+)\s+(.*)$/s.exec(l);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    const rest = m[2]!.replace(/\s+/g, ' ');
    if (op === 'ARG' && !stages.length) {
      const [k, v] = rest.split('=');
      args[k!] = v ?? '';
      continue;
    }
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest)!;
      const image = f[1]!.replace(/\$\{(\w+)\}/g, (_x, k: string) => args[k] ?? '');
      stages.push({ from: image, name: f[2] ?? null, instrs: [] });
      continue;
    }
    stages.at(-1)?.instrs.push({ op, args: rest, stage: stages.length - 1 });
  }
  return { args, stages };
}

/** Packages named by `apt-get install` in a stage's RUN lines. */
function aptPackages(stage: Stage): string[] {
  const out: string[] = [];
  for (const i of stage.instrs.filter((x) => x.op === 'RUN')) {
    for (const m of i.args.matchAll(/apt-get install ([^&;|]+)/g)) {
      out.push(...m[1]!.split(/\s+/).filter((w) => w && !w.startsWith('-')));
    }
  }
  return out;
}

describe('deploy/Dockerfile', function () {
  this.timeout(60_000);
  const text = fs.readFileSync(DOCKERFILE, 'utf8');
  const { stages } = parseDockerfile(text);
  const build = stages[0]!;
  const runtime = stages.at(-1)!;

  it('is multi-stage: a build stage, then a Debian bookworm runtime with Node 20', () => {
    assert.ok(stages.length >= 2, `${stages.length} stage(s)`);
    assert.equal(build.name, 'build');
    assert.match(build.from, /^node:20-bookworm$/);
    assert.match(runtime.from, /^node:20-bookworm-slim$/);
    const engines = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).engines.node as string;
    assert.match(engines, /^>=20\b/, 'Node 20 satisfies package.json engines');
  });

  it('the build stage builds the native addon (cmake-js) and the TypeScript, then drops dev dependencies', () => {
    const runs = build.instrs.filter((i) => i.op === 'RUN').map((i) => i.args).join(' && ');
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.match(pkg.scripts['build:native'], /^cmake-js /);
    assert.match(runs, /npm ci\b/);
    assert.match(runs, /npm run build:native/);
    assert.match(runs, /npm run build:ts/);
    assert.match(runs, /npm prune --omit=dev/);
    assert.ok(aptPackages(build).includes('libgstreamer1.0-dev'), 'the addon is compiled against the GStreamer headers');
  });

  it('the runtime stage installs only runtime packages (no -dev, no compiler), each of which exists in Debian bookworm', () => {
    const osRelease = fs.readFileSync('/etc/os-release', 'utf8');
    assert.match(osRelease, /VERSION_CODENAME=bookworm/, 'package names are checked with apt-cache on a Debian 12 (bookworm) machine; this one is not');
    const pkgs = aptPackages(runtime);
    assert.ok(pkgs.length >= 5, `runtime packages: ${pkgs.join(' ')}`);
    for (const p of pkgs) {
      assert.ok(!/-dev$|-dev:/.test(p), `${p} is a -dev package in the runtime stage`);
      assert.ok(!/^(gcc|g\+\+|make|cmake|build-essential|pkg-config|clang)\b/.test(p), `${p} is a build tool in the runtime stage`);
    }
    for (const p of ['libgstreamer1.0-0', 'gstreamer1.0-plugins-base', 'gstreamer1.0-plugins-good', 'gstreamer1.0-libav', 'gstreamer1.0-tools']) {
      assert.ok(pkgs.includes(p), `the runtime needs ${p}`);
    }
    const sanity = spawnSync('apt-cache', ['show', '--no-all-versions', 'bash'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(sanity.status, 0, `apt-cache knows no packages (run: apt-get update): ${sanity.stderr}`);
    // One apt-cache call for all of them: its "Package:" lines name those it knows.
    const wanted = [...new Set([...pkgs, ...aptPackages(build)])];
    const r = spawnSync('apt-cache', ['show', '--no-all-versions', ...wanted], { encoding: 'utf8', timeout: 60_000 });
    const known = new Set([...r.stdout.matchAll(/^Package: (\S+)$/gm)].map((m) => m[1]));
    const unknown = wanted.filter((p) => !known.has(p));
    assert.deepEqual(unknown, [], `not Debian bookworm packages (apt-cache show ${unknown.join(' ')}): ${r.stderr.trim()}`);
  });

  it('runs as a non-root user created in the image', () => {
    const users = runtime.instrs.filter((i) => i.op === 'USER');
    assert.equal(users.length, 1);
    const user = users[0]!.args.split(':')[0]!;
    assert.ok(user !== 'root' && user !== '0', `USER ${user}`);
    const useradd = runtime.instrs.find((i) => i.op === 'RUN' && /useradd/.test(i.args));
    assert.ok(useradd && new RegExp(`--uid ${user}\\b`).test(useradd.args), `USER ${user} is created with useradd --uid ${user}`);
    // The data folder serve's volume mounts over belongs to that user (a fresh named volume copies it).
    assert.match(useradd!.args, /chown video-agent:video-agent [^&]*\/var\/lib\/video-agent\/data/);
    // Nothing runs as root after the switch.
    const after = runtime.instrs.slice(runtime.instrs.indexOf(users[0]!) + 1);
    assert.ok(!after.some((i) => i.op === 'USER' || i.op === 'RUN'), 'no RUN or USER after the non-root USER');
  });

  it('one image for serve and worker: ENTRYPOINT video-agent (through tini), the command picks', () => {
    const ep = runtime.instrs.filter((i) => i.op === 'ENTRYPOINT');
    assert.equal(ep.length, 1);
    const entry = JSON.parse(ep[0]!.args) as string[];
    assert.equal(entry.at(-1), 'video-agent');
    assert.equal(entry[0], '/usr/bin/tini');
    const cmd = JSON.parse(runtime.instrs.find((i) => i.op === 'CMD')!.args) as string[];
    assert.equal(cmd[0], 'serve');
    assert.ok(runtime.instrs.some((i) => i.op === 'RUN' && /ln -s \/app\/bin\/video-agent\.js \/usr\/local\/bin\/video-agent/.test(i.args)));
    assert.ok(fs.statSync(path.join(ROOT, 'bin', 'video-agent.js')).mode & 0o111, 'bin/video-agent.js is executable');
  });

  it('copies into the runtime everything package.json ships, the production node_modules and the built addon', () => {
    const copies = runtime.instrs.filter((i) => i.op === 'COPY');
    const fromBuild = copies.filter((c) => c.args.startsWith('--from=build')).map((c) => c.args.split(' ')[1]);
    assert.deepEqual(fromBuild.sort(), ['/src/build/native/Release/video_agent_native.node', '/src/dist', '/src/node_modules']);
    const local = copies.filter((c) => !c.args.startsWith('--from')).flatMap((c) => c.args.split(' ').slice(0, -1));
    const files = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).files as string[];
    for (const f of files.filter((x) => x !== 'dist')) assert.ok(local.includes(f), `package.json ships ${f}, the image does not copy it`);
    for (const f of local) assert.ok(fs.existsSync(path.join(ROOT, f)), `COPY ${f}: no such path`);
    // The addon is where src/gst/native.ts looks first.
    const native = fs.readFileSync(path.join(ROOT, 'src', 'gst', 'native.ts'), 'utf8');
    assert.match(native, /'build', 'native', 'Release', ADDON_FILE/);
  });

  it('the HEALTHCHECK hits /healthz: healthy on 200, unhealthy on 503 or when nothing answers', async () => {
    const hc = runtime.instrs.find((i) => i.op === 'HEALTHCHECK');
    assert.ok(hc, 'no HEALTHCHECK');
    const cmd = JSON.parse(hc.args.slice(hc.args.indexOf('CMD ') + 4)) as string[];
    assert.equal(cmd[0], 'node');
    assert.match(cmd.join(' '), /http:\/\/127\.0\.0\.1:8080\/healthz/);
    let status = 200;
    const paths: string[] = [];
    const server = http.createServer((req, res) => { paths.push(req.url ?? ''); res.statusCode = status; res.end('{}'); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const check = (url: string) => new Promise<number | null>((resolve) => {
      const { spawn } = require('node:child_process') as typeof import('node:child_process');
      const p = spawn(process.execPath, cmd.slice(1), { env: { PATH: process.env.PATH ?? '', HEALTHCHECK_URL: url }, stdio: 'ignore' });
      const t = setTimeout(() => p.kill('SIGKILL'), 15_000);
      p.on('exit', (code) => { clearTimeout(t); resolve(code); });
    });
    try {
      assert.equal(await check(`http://127.0.0.1:${port}/healthz`), 0);
      status = 503;
      assert.equal(await check(`http://127.0.0.1:${port}/healthz`), 1);
      assert.deepEqual(paths, ['/healthz', '/healthz']);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    assert.equal(await check(`http://127.0.0.1:${port}/healthz`), 1, 'nothing listening: unhealthy');
  });

  it('.dockerignore keeps secrets, git and local builds out of the context, and nothing the build copies', () => {
    const patterns = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const p of ['.git', 'node_modules', 'build', 'dist', '.env', 'deploy/secrets', '*.pem', '*.key']) assert.ok(patterns.includes(p), `.dockerignore lacks ${p}`);
    const sources = stages.flatMap((s) => s.instrs.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from')).flatMap((i) => i.args.split(' ').slice(0, -1)));
    for (const src of sources) {
      const top = src.split('/')[0]!;
      assert.ok(!patterns.includes(src) && !patterns.includes(top), `.dockerignore excludes ${src}, which the Dockerfile copies`);
    }
  });
});
