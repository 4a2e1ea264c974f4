import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { NATIVE_ADDON_CANDIDATES, gstVersion, loadNative } from '../../src/gst';

describe('gst native loader', () => {
  it('prefers the cmake-js build, then node-gyp\'s, and loads the addon', () => {
    const rel = NATIVE_ADDON_CANDIDATES.map((p) => path.relative(path.resolve(__dirname, '../..'), p));
    assert.deepEqual(rel, [
      path.join('build', 'native', 'Release', 'video_agent_native.node'),
      path.join('build', 'Release', 'video_agent_native.node'),
    ]);
    const native = loadNative();
    assert.equal(typeof native.NativePipeline, 'function');
    assert.match(gstVersion(), /^GStreamer 1\.\d+\.\d+/);
  });

  it('says how to build the addon when it is missing', () => {
    const script = `try { require('./src/gst').loadNative() } catch (e) { console.log(e.code + ' ' + e.message) }`;
    const r = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, VIDEO_AGENT_NATIVE_ADDON: '/nonexistent/video_agent_native.node' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.match(r.stdout, /^E_NATIVE_NOT_BUILT .*run npm run build:native/);
  });

  it('binding.gyp (node-gyp) compiles exactly the sources CMakeLists.txt globs (native/*.cc)', () => {
    const root = path.resolve(__dirname, '../..');
    // binding.gyp is JSON plus '#' comments.
    const gyp = JSON.parse(fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8').replace(/^\s*#.*$/gm, '')) as {
      targets: { target_name: string; sources: string[] }[];
    };
    const target = gyp.targets.find((t) => t.target_name === 'video_agent_native');
    assert.ok(target, 'binding.gyp has no video_agent_native target');
    const onDisk = fs.readdirSync(path.join(root, 'native')).filter((f) => f.endsWith('.cc')).map((f) => `native/${f}`).sort();
    assert.deepEqual([...target.sources].sort(), onDisk);
    assert.match(fs.readFileSync(path.join(root, 'CMakeLists.txt'), 'utf8'), /file\(GLOB SOURCE_FILES CONFIGURE_DEPENDS "\$\{CMAKE_CURRENT_SOURCE_DIR\}\/native\/\*\.cc"\)/);
  });
});
