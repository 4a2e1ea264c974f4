import assert from 'node:assert/strict';
import { parseServeConfig } from '../../src/server/config/load-config';
import { planStream } from '../../src/server/supervisor/plan-stream';

const policy = { mediaRoots: ['/tmp'], allowSchemes: ['rtsp' as const] };

describe('recording: serve config (defaults and per stream)', () => {
  it('is off by default; a stream overrides the defaults key by key', () => {
    const c = parseServeConfig([
      'defaults:',
      '  recording: { segmentS: 4, maxAgeS: 3600 }',
      'streams:',
      '  - { id: a, source: rtsp://cam/1 }',
      '  - { id: b, source: rtsp://cam/2, recording: { enabled: true, maxAgeS: 7200 } }',
      '',
    ].join('\n'), 'va.yaml');
    assert.deepEqual(c.defaults.recording, { enabled: false, segmentS: 4, maxAgeS: 3600, maxBytes: 10 * 1024 ** 3 });
    const a = planStream(c.streams[0]!, c.defaults, policy, 'config');
    const b = planStream(c.streams[1]!, c.defaults, policy, 'config');
    assert.equal(a.recording?.enabled, false);
    assert.deepEqual(b.recording, { enabled: true, segmentS: 4, maxAgeS: 7200, maxBytes: 10 * 1024 ** 3 });
  });

  it('a bad value is refused with the line and the key', () => {
    assert.throws(() => parseServeConfig('streams:\n  - id: a\n    source: rtsp://cam/1\n    recording:\n      segmentS: 0\n', 'va.yaml'), /^VideoAgentError: va\.yaml:5: streams\[0\]\.recording\.segmentS: .*2/);
    assert.throws(() => parseServeConfig('defaults:\n  recording:\n    maxBytes: 10\n', 'va.yaml'), /va\.yaml:3: defaults\.recording\.maxBytes: /);
    assert.throws(() => parseServeConfig('defaults:\n  recording:\n    keep: 3\n', 'va.yaml'), /va\.yaml:3: defaults\.recording\.keep: unknown key/);
  });
});
