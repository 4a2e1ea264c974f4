/** The serve config file: errors name the file, line and key; ${VAR} expansion; paths relative to the file. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadServeConfig, parseServeConfig } from '../../src/server/config/load-config';
import { confineSource } from '../../src/server/sources/confine-source';

const bad = (text: string, pattern: RegExp, env: Record<string, string> = {}) =>
  assert.throws(() => parseServeConfig(text, 'va.yaml', env), (e: { code?: string; message: string }) => {
    assert.equal(e.code, 'E_BAD_CONFIG');
    assert.match(e.message, pattern);
    return true;
  });

describe('serve config', () => {
  it('the commented examples in config/examples/ are valid', () => {
    const dir = path.resolve(__dirname, '..', '..', 'config', 'examples');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 2);
    for (const f of files) {
      const c = parseServeConfig(fs.readFileSync(path.join(dir, f), 'utf8'), f, { LOBBY_CAM_USER: 'u', LOBBY_CAM_PASSWORD: 'p' });
      assert.ok(c.streams.length >= 1, f);
    }
  });

  it('fills defaults and keeps the streams', () => {
    const c = parseServeConfig('streams:\n  - id: a\n    source: rtsp://cam/1\n', 'va.yaml');
    assert.equal(c.server.host, '127.0.0.1');
    assert.equal(c.server.port, 8080);
    assert.equal(c.defaults.fps, 5);
    assert.deepEqual(c.streams, [{ id: 'a', source: 'rtsp://cam/1' }]);
  });

  it('names the line and the key of a bad value, an unknown key, a duplicate id and bad YAML', () => {
    bad('server:\n  port: 8080\nstreams:\n  - id: a\n    source: x.mp4\n    fps: fast\n', /^va\.yaml:6: streams\[0\]\.fps: .*number/);
    bad('server:\n  prot: 8080\n', /^va\.yaml:2: server\.prot: unknown key/);
    bad('streams:\n  - id: a\n    source: x\n  - id: a\n    source: y\n', /^va\.yaml:4: streams\[1\]\.id: duplicate stream id "a"/);
    bad('server: [1,\n', /^va\.yaml:\d+: invalid YAML/);
    bad('server:\n  port: 70000\n', /^va\.yaml:2: server\.port: .*65535/);
  });

  it('expands ${VAR} from the environment; a missing one is an error naming it and the line', () => {
    const c = parseServeConfig('streams:\n  - id: a\n    source: rtsp://${CAM_USER}:${CAM_PASS}@cam/1\n', 'va.yaml', { CAM_USER: 'u', CAM_PASS: 'p' });
    assert.equal(c.streams[0].source, 'rtsp://u:p@cam/1');
    bad('streams:\n  - id: a\n    source: rtsp://${NOPE}@cam/1\n', /^va\.yaml:3: environment variable NOPE is not set/);
  });

  it('resolves media roots and the data dir from the file\'s folder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-cfg-'));
    try {
      fs.writeFileSync(path.join(dir, 'va.yaml'), 'server:\n  mediaRoots: [./media]\n  dataDir: ./d\n');
      const { config } = loadServeConfig(path.join(dir, 'va.yaml'));
      assert.deepEqual(config.server.mediaRoots, [path.join(dir, 'media')]);
      assert.equal(config.server.dataDir, path.join(dir, 'd'));
      assert.throws(() => loadServeConfig(path.join(dir, 'nope.yaml')), /cannot read config .*no such file/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('source confinement', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-confine-'));
  const root = path.join(dir, 'media');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(root, 'sub', 'a.mp4'), 'x');
  fs.writeFileSync(path.join(dir, 'secret.mp4'), 'x');
  fs.symlinkSync(path.join(dir, 'secret.mp4'), path.join(root, 'link.mp4'));
  fs.symlinkSync(dir, path.join(root, 'dirlink'));
  const policy = { mediaRoots: [root], allowSchemes: ['file', 'rtsp'] };
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const refused = (src: string, pattern = /outside the media roots|not allowed/) =>
    assert.throws(() => confineSource(src, policy), (e: { code?: string; message: string }) => e.code === 'E_SOURCE_NOT_ALLOWED' && pattern.test(e.message));

  it('allows files inside a root (relative to the first root, absolute, file://) and allowed schemes', () => {
    assert.equal(confineSource('sub/a.mp4', policy), path.join(fs.realpathSync(root), 'sub', 'a.mp4'));
    assert.equal(confineSource(path.join(root, 'sub', 'a.mp4'), policy), path.join(fs.realpathSync(root), 'sub', 'a.mp4'));
    assert.equal(confineSource(`file://${path.join(root, 'sub', 'a.mp4')}`, policy), path.join(fs.realpathSync(root), 'sub', 'a.mp4'));
    assert.equal(confineSource('rtsp://cam/1', policy), 'rtsp://cam/1');
  });

  it('refuses traversal, absolute paths outside, symlinks out of the root and other schemes', () => {
    refused('../secret.mp4');
    refused('/etc/passwd');
    refused('link.mp4');
    refused('dirlink/secret.mp4');
    refused('http://example.com/x.mp4', /'http:\/\/' is not allowed/);
    refused('rtsps://cam/1', /not allowed/);
    refused(`file://${path.join(dir, 'secret.mp4')}`);
  });
});
