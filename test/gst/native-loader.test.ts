import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
});
