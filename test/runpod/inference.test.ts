import assert from 'node:assert/strict';
import { InferenceClient } from '../../src/runpod/inference';
import { MODEL_DEFAULTS, modelDefaultsFromEnv } from '../../src/runpod/models';
import { AudioStage } from '../../src/stages/audio/audio-stage';
import { MemoryPublisher, MemorySink, audioChunks, fakeProsody } from '../stages/fakes';
import { rig, stubEndpoints, type Rig } from './helpers';

/** Every input the emulator's backend for `id` receives. */
function captureInputs(r: Rig, id: string): unknown[] {
  const seen: unknown[] = [];
  const ep = r.emulator.endpoint(id);
  const orig = ep.backingModel.handle.bind(ep.backingModel);
  ep.backingModel.handle = async (input, ctx) => { seen.push(input); return orig(input, ctx); };
  return seen;
}

describe('runpod/inference: one client per contract, model defaults in one place', () => {
  let r: Rig;
  before(async () => { r = await rig({ endpoints: stubEndpoints(['yolo', 'whisper', 'vlm']) }); });
  after(() => r.close());

  it('the audio stage\'s Whisper requests name the model (a worker-faster_whisper endpoint would otherwise run "base")', async () => {
    const seen = captureInputs(r, 'whisper');
    const sink = new MemorySink();
    const stage = new AudioStage({ streamId: 'm', transcribe: r.inference, prosody: fakeProsody, rows: sink, publish: new MemoryPublisher().publish });
    for (const c of audioChunks('m', 6, () => true)) await stage.push(c);
    await stage.flush();
    assert.ok(seen.length >= 1, 'the stage reached the endpoint');
    for (const input of seen as { model?: string; word_timestamps?: boolean }[]) {
      assert.equal(input.model, MODEL_DEFAULTS.whisper.model);
      assert.equal(input.word_timestamps, true);
    }
    assert.equal(MODEL_DEFAULTS.whisper.model, 'turbo', 'our handler ships large-v3-turbo, which faster-whisper calls "turbo"');
    assert.ok(sink.calls.every((c) => c.ok && c.endpoint === 'whisper'));
  });

  it('RUNPOD_WHISPER_MODEL and RUNPOD_VLM_MODEL override the defaults for every request', async () => {
    const defaults = modelDefaultsFromEnv({ RUNPOD_WHISPER_MODEL: 'large-v3', RUNPOD_VLM_MODEL: 'org/other-vlm' });
    const client = new InferenceClient(r.client, defaults);
    const whisper = captureInputs(r, 'whisper');
    const vlm = captureInputs(r, 'vlm');
    await client.transcribe(Buffer.from('RIFF-fake'), { cache: false });
    await client.describe({ prompt: 'x' });
    client.detach();
    assert.equal((whisper.at(-1) as { model: string }).model, 'large-v3');
    const v = vlm.at(-1) as { openai_input: { model: string; max_tokens: number } };
    assert.equal(v.openai_input.model, 'org/other-vlm');
    assert.equal(v.openai_input.max_tokens, MODEL_DEFAULTS.vlm.maxTokens);
  });

  it('an invalid VLM reply is a result to act on (parsed: not ok), with the call still billed', async () => {
    const ep = r.emulator.endpoint('vlm');
    const orig = ep.backingModel.handle.bind(ep.backingModel);
    ep.backingModel.handle = async () => [{ model: 'm', choices: [{ message: { content: 'no json here' } }] }];
    try {
      const res = await r.inference.describe({ prompt: 'x' });
      assert.equal(res.reply.ok, false);
      assert.match(res.reply.ok ? '' : res.reply.error, /no JSON object/);
      assert.equal(res.content, 'no json here');
      assert.ok(res.billing?.callId, 'billed by job id');
    } finally {
      ep.backingModel.handle = orig;
    }
  });
});
