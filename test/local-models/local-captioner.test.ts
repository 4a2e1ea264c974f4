import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { extractPromptFacts, RULE_CAPTIONER_MODEL, LocalCaptioner } from '../../src/local-models';
import { ASTRONAUT_PNG, assertSchema, noAbort, tempDir, vtestFrameJpeg } from './helpers/media';

/** A prompt rendered the way src/stages/vlm renders prompts/vlm-user.md. */
function userPrompt(detections: string, transcript: string, triggers: string): string {
  return `Window: 10.0 to 14.0 (media time, seconds from stream start), 2 frames attached in time order.\nWhy this window was chosen: ${triggers}\n\n` +
    `Detections in the window:\n${detections}\n\nTranscript in the window:\n${transcript}\n\nDescribe the window as the JSON object specified.`;
}

function request(user: string, images: string[] = []) {
  return {
    openai_route: '/v1/chat/completions',
    openai_input: {
      model: 'Qwen/Qwen2-VL-7B-Instruct',
      max_tokens: 300,
      messages: [
        { role: 'system', content: 'Answer with ONE JSON object: {"description", "clip_worthy_score", "tags", "emotions"}. person: up to 99 per frame' },
        { role: 'user', content: [{ type: 'text', text: user }, ...images.map((b64) => ({ type: 'image_url', image_url: { url: `data:image/jpeg;base64,${b64}` } }))] },
      ],
    },
  };
}

function reply(out: unknown): { description: string; clip_worthy_score: number; tags: string[]; emotions: string[] } {
  assertSchema('vlm.output', out);
  const completion = (out as Array<{ model: string; choices: Array<{ message: { content: string } }> }>)[0]!;
  const parsed = JSON.parse(completion.choices[0]!.message.content);
  assertSchema('vlm.reply', parsed);
  return parsed;
}

describe('local-models/captioner', function () {
  this.timeout(60_000);

  describe('rule captioner (no VLM_BASE_URL)', () => {
    const worker = new LocalCaptioner({ env: {} });
    const tmp = tempDir();
    before(() => worker.init());
    after(async () => { await worker.close(); tmp.cleanup(); });

    it('reads detections, transcript and triggers from our prompt', () => {
      const f = extractPromptFacts(userPrompt('- person: up to 3 per frame, tracks 1,2,7\n- car: up to 1 per frame',
        '[10.2s] what a goal!\n[12.0s] amazing', 'keyword at 10.2s ("goal"); prosody peak at 10.2s (9.5 dB above mean)'));
      assert.equal(f.objects.get('person'), 3);
      assert.equal(f.objects.get('car'), 1);
      assert.equal(f.trackCount, 3);
      assert.equal(f.transcript, 'what a goal! amazing');
      assert.deepEqual([...f.triggers].sort(), ['keyword', 'prosody peak']);
      assert.equal(f.loudnessDb, 9.5);
    });

    it('answers in the worker-vllm shape, labelled as rule-based, and scores a lively window above a quiet one', async () => {
      const frame = vtestFrameJpeg(tmp.dir).toString('base64');
      const lively = request(userPrompt('- person: up to 4 per frame, tracks 1,2,3,4', '[10.5s] wow, what a goal!',
        'new track at 10.1s (new tracks 3,4); keyword at 10.5s ("goal"); prosody peak at 10.5s (8.0 dB above mean)'), [frame, frame]);
      assertSchema('vlm.input', lively);
      const out = await worker.handle(lively, noAbort());
      assert.equal((out[0] as { model: string }).model, RULE_CAPTIONER_MODEL);
      const r1 = reply(out);
      assert.match(r1.description, /^Rule-based summary \(no vision model\)/);
      assert.match(r1.description, /4 people/);
      assert.ok(r1.tags.includes('person') && r1.tags.includes('speech') && r1.tags.includes('score'), r1.tags.join(','));
      assert.ok(r1.emotions.includes('excited'));
      assert.ok(r1.tags.includes('static'), 'two identical frames: no motion');

      const quiet = reply(await worker.handle(request(userPrompt('(no objects detected)', '(no speech)', 'periodic at 12.0s (no description for 30s)')), noAbort()));
      assert.match(quiet.description, /no objects detected/);
      assert.deepEqual(quiet.emotions, []);
      assert.ok(r1.clip_worthy_score >= 0.7, `lively ${r1.clip_worthy_score}`);
      assert.ok(quiet.clip_worthy_score <= 0.2, `quiet ${quiet.clip_worthy_score}`);
    });

    it('measures motion between different frames', async () => {
      const a = vtestFrameJpeg(tmp.dir).toString('base64');
      const b = readFileSync(ASTRONAUT_PNG).toString('base64');
      const r = reply(await worker.handle(request(userPrompt('- person: up to 1 per frame', '(no speech)', 'scene change at 11.0s (distance 0.61)'), [a, b]), noAbort()));
      assert.ok(r.tags.includes('motion') && r.tags.includes('scene-change'), r.tags.join(','));
    });

    it('rejects a wrong route and undecodable images clearly', async () => {
      await assert.rejects(worker.handle({ openai_route: '/v1/completions', openai_input: {} }, noAbort()), /openai_route/);
      await assert.rejects(worker.handle(request('x', [Buffer.from('not an image').toString('base64')]), noAbort()), /image_url\[0\]: not a JPEG or PNG/);
    });
  });

  describe('forwarding to an OpenAI-compatible server (VLM_BASE_URL)', () => {
    let server: http.Server;
    let seen: { auth?: string; body?: { model: string; stream: boolean } } = {};
    let baseUrl = '';
    before(async () => {
      server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c) => { body += c; });
        req.on('end', () => {
          seen = { auth: req.headers.authorization, body: JSON.parse(body) };
          if (req.url !== '/v1/chat/completions') { res.writeHead(404).end('{"error":"nope"}'); return; }
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
            id: 'x', object: 'chat.completion', model: seen.body!.model,
            choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: '{"description":"a man","clip_worthy_score":0.4,"tags":[]}' } }],
          }));
        });
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    });
    after(() => server.close());

    it('forwards the chat completion with the key and model from env, and returns a one-element list', async () => {
      const worker = new LocalCaptioner({ env: { VLM_BASE_URL: baseUrl, VLM_API_KEY: 'sk-test-123', VLM_MODEL: 'local-llava' } });
      await worker.init();
      const out = await worker.handle(request('describe'), noAbort());
      assert.equal(seen.auth, 'Bearer sk-test-123');
      assert.equal(seen.body!.model, 'local-llava');
      assert.equal(seen.body!.stream, false);
      assert.equal(reply(out).description, 'a man');
      await worker.close();
    });

    it('reports upstream errors without leaking the key', async () => {
      const worker = new LocalCaptioner({ env: { VLM_BASE_URL: `${baseUrl}/wrong`, VLM_API_KEY: 'sk-secret-456' } });
      await assert.rejects(worker.handle(request('describe'), noAbort()),
        (e: Error & { code?: string }) => e.code === 'E_VLM_UPSTREAM' && /HTTP 404/.test(e.message) && !e.message.includes('sk-secret'));
      await worker.close();
    });
  });
});
