import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VideoAgentError } from '../../src/errors';
import { parse as parseYaml } from 'yaml';
import {
  BUILTIN_PIPELINE_DIR,
  launchToArgv,
  listBuiltinPipelines,
  loadPipelineTemplate,
  parsePipelineTemplate,
  preparePipeline,
  resolveParams,
  withFakeSinks,
} from '../../src/pipelines';

function rejects(fn: () => unknown, pattern: RegExp): VideoAgentError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof VideoAgentError, `expected VideoAgentError, got ${String(err)}`);
    assert.equal(err.code, 'E_BAD_PIPELINE');
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'), 'one line');
    return err;
  }
  assert.fail(`expected an error matching ${pattern}`);
}

const minimal = {
  name: 'mine',
  kind: 'file',
  params: { fps: { type: 'int', default: 5, min: 1, max: 60 } },
  launch: 'videotestsrc ! videorate ! video/x-raw,framerate={fps}/1 ! jpegenc ! appsink name=frames sync=false',
};

describe('pipeline templates', () => {
  it('ships file, rtsp and appsrc, each with the frames and audio sinks', () => {
    const names = listBuiltinPipelines();
    for (const n of ['file', 'rtsp', 'appsrc']) assert.ok(names.includes(n), `${n} in ${names.join(',')}`);
    for (const n of ['file', 'rtsp', 'appsrc']) {
      const tpl = loadPipelineTemplate(n);
      assert.match(tpl.launch, /appsink name=frames/);
      assert.match(tpl.audio ?? '', /appsink name=audio/);
    }
  });

  it('the built-in files pass the full schema (at run time they are trusted and skip zod)', () => {
    for (const n of listBuiltinPipelines()) {
      const file = path.join(BUILTIN_PIPELINE_DIR, `${n}.yaml`);
      const validated = parsePipelineTemplate(parseYaml(fs.readFileSync(file, 'utf8')), file);
      assert.deepEqual(loadPipelineTemplate(n), validated, `${n}.yaml loads the same trusted or validated`);
    }
  });

  it('renders the audio branch only when the source has audio', () => {
    const src = { uri: 'file:///tmp/a b.mp4' };
    const without = preparePipeline({ pipeline: 'file', source: src, withAudio: false });
    const withA = preparePipeline({ pipeline: 'file', source: src, withAudio: true });
    assert.deepEqual(without.sinks, ['frames']);
    assert.deepEqual(withA.sinks, ['frames', 'audio']);
    assert.ok(!without.launch.includes('name=audio'));
    assert.match(withA.launch, /appsink name=audio/);
    assert.match(withA.launch, /uri="file:\/\/\/tmp\/a b\.mp4"/, 'uri is quoted');
  });

  it('applies defaults and typed overrides (CLI strings coerced)', () => {
    const r = preparePipeline({ pipeline: 'file', params: { fps: '7', width: 320, height: '240', quality: undefined }, source: { uri: 'file:///x.mp4' }, withAudio: false });
    assert.equal(r.params.fps, 7);
    assert.equal(r.params.width, 320);
    assert.equal(r.params.quality, 85);
    assert.match(r.launch, /framerate=7\/1,width=320,height=240/);
    assert.match(r.launch, /jpegenc quality=85/);
  });

  it('rejects unknown, mistyped and out-of-range parameters, naming them', () => {
    const src = { uri: 'file:///x.mp4' };
    rejects(() => preparePipeline({ pipeline: 'file', params: { fsp: 5 }, source: src, withAudio: false }), /no parameter 'fsp'.*fps/);
    rejects(() => preparePipeline({ pipeline: 'file', params: { fps: 'abc' }, source: src, withAudio: false }), /parameter 'fps' must be an integer between 1 and 120, got "abc"/);
    rejects(() => preparePipeline({ pipeline: 'file', params: { fps: 2.5 }, source: src, withAudio: false }), /'fps' must be an integer/);
    rejects(() => preparePipeline({ pipeline: 'file', params: { quality: 0 }, source: src, withAudio: false }), /'quality' must be an integer between 1 and 100, got 0/);
    rejects(() => preparePipeline({ pipeline: 'rtsp', params: { transport: 'carrier-pigeon' }, source: src, withAudio: false }), /'transport' must be one of tcp, udp, udp-mcast/);
  });

  it('quotes string parameters so they cannot inject elements', () => {
    const tpl = parsePipelineTemplate(
      { ...minimal, params: { ...minimal.params, label: { type: 'string', default: 'x' } }, launch: `${minimal.launch} videotestsrc name={label} ! fakesink` },
      'inline.yaml',
    );
    const params = resolveParams(tpl, { label: 'a ! filesink location=/etc/x' });
    assert.equal(params.label, 'a ! filesink location=/etc/x');
    const r = preparePipeline({ pipeline: tpl, params: { label: 'a" ! b' }, source: { uri: 'u' }, withAudio: false, check: false });
    assert.match(r.launch, /name="a\\" ! b"/);
  });

  it('rejects bad templates: unknown placeholder, no frames sink, audio sink outside the audio branch, bad default', () => {
    rejects(() => parsePipelineTemplate({ ...minimal, launch: `${minimal.launch} {nope}` }, 'a.yaml'), /a\.yaml: launch uses unknown placeholder \{nope\}/);
    rejects(() => parsePipelineTemplate({ ...minimal, launch: 'videotestsrc ! jpegenc ! appsink name=pictures' }, 'b.yaml'), /b\.yaml: launch has no 'appsink name=frames'/);
    rejects(() => parsePipelineTemplate({ ...minimal, launch: `${minimal.launch} audiotestsrc ! appsink name=audio` }, 'c.yaml'), /'audio' branch/);
    rejects(() => parsePipelineTemplate({ ...minimal, params: { fps: { type: 'int', default: 500, min: 1, max: 60 } } }, 'd.yaml'), /d\.yaml: bad default: .*'fps'/);
    rejects(() => parsePipelineTemplate({ ...minimal, kind: 'stream' }, 'e.yaml'), /e\.yaml: kind:/);
    rejects(() => parsePipelineTemplate({ ...minimal, params: { fps: { type: 'float', default: 1 } } }, 'f.yaml'), /f\.yaml: params\.fps/);
  });

  it('loads a user file by path and a name from ./pipelines, and rejects unknown names and bad YAML', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-pipelines-'));
    try {
      fs.mkdirSync(path.join(dir, 'pipelines'));
      fs.writeFileSync(path.join(dir, 'pipelines', 'mine.yaml'), JSON.stringify(minimal));
      assert.equal(loadPipelineTemplate('mine', dir).name, 'mine');
      assert.equal(loadPipelineTemplate('pipelines/mine.yaml', dir).params.fps.default, 5);
      rejects(() => loadPipelineTemplate('nope', dir), /unknown pipeline 'nope' \(built-in: .*file/);
      rejects(() => loadPipelineTemplate('./missing.yaml', dir), /pipeline file not found/);
      fs.writeFileSync(path.join(dir, 'bad.yaml'), 'name: [unclosed');
      rejects(() => loadPipelineTemplate('bad.yaml', dir), /not valid YAML/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a template file edited between loads is read anew (the parsed-YAML cache is keyed on size and mtime)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'va-yaml-cache-'));
    try {
      const file = path.join(dir, 'mine.yaml');
      const write = (fps: number) => fs.writeFileSync(file, JSON.stringify({ ...minimal, params: { fps: { type: 'int', default: fps, min: 1, max: 60 } } }));
      write(5);
      assert.equal(loadPipelineTemplate(file).params.fps.default, 5);
      assert.equal(loadPipelineTemplate(file).params.fps.default, 5, 'second load (cached parse)');
      write(7);
      assert.equal(loadPipelineTemplate(file).params.fps.default, 7);
      fs.writeFileSync(file, 'name: [unclosed');
      rejects(() => loadPipelineTemplate(file), /not valid YAML/);
      // A value JSON cannot carry is never served from the cache in another form.
      fs.writeFileSync(file, JSON.stringify({ ...minimal, params: { fps: { type: 'number', default: 5 } } }).replace('"default":5', '"default": .inf'));
      const first = rejects(() => loadPipelineTemplate(file), /params\.fps\.default/);
      assert.equal(rejects(() => loadPipelineTemplate(file), /params\.fps\.default/).message, first.message);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets GStreamer reject a bad launch line before anything starts, naming the element or property', () => {
    const unknownElement = parsePipelineTemplate({ ...minimal, launch: 'videotestsrc ! notanelement ! jpegenc ! appsink name=frames' }, 'g.yaml');
    rejects(() => preparePipeline({ pipeline: unknownElement, source: { uri: 'u' }, withAudio: false }), /g\.yaml.*notanelement/);
    const badProperty = parsePipelineTemplate({ ...minimal, launch: 'videotestsrc nosuchprop=3 ! jpegenc ! appsink name=frames' }, 'h.yaml');
    rejects(() => preparePipeline({ pipeline: badProperty, source: { uri: 'u' }, withAudio: false }), /nosuchprop/);
  });

  it('builds the gst-launch baseline by replacing appsinks with fakesink sync=false', () => {
    const r = preparePipeline({ pipeline: 'file', source: { uri: 'file:///x.mp4' }, withAudio: true, check: false });
    const fake = withFakeSinks(r.launch);
    assert.ok(!fake.includes('appsink'));
    assert.equal(fake.match(/fakesink sync=false name=(frames|audio)/g)?.length, 2);
    assert.equal(fake.replace(/fakesink sync=false name=\w+/g, 'X').split(' ! ').length, r.launch.replace(/appsink[^!]*?(?= src\.|$)/g, 'X').split(' ! ').length);
  });
});

describe('launchToArgv', () => {
  it('splits on unquoted whitespace and removes launch quotes like a shell', () => {
    assert.deepEqual(launchToArgv('uridecodebin uri="file:///a b/\\"c\\".mp4" name=src ! fakesink'), ['uridecodebin', 'uri=file:///a b/"c".mp4', 'name=src', '!', 'fakesink']);
    assert.deepEqual(launchToArgv('  a   "" b '), ['a', '', 'b']);
  });
});

describe('withFakeSinks', () => {
  it('replaces only the appsink and its properties, keeping the following branch intact', () => {
    assert.equal(
      withFakeSinks('a ! appsink name=frames sync=false max-buffers=8 src. ! b ! appsink name=audio caps="x, y=1"'),
      'a ! fakesink sync=false name=frames src. ! b ! fakesink sync=false name=audio',
    );
  });
});
