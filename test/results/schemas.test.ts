import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  decodeCursor, detectionItem, detectionsQuery, encodeCursor, eventsQuery, page, pageQuery, searchQuery, timeRangeQuery, transcriptQuery,
} from '../../src/results';
import { VideoAgentError } from '../../src/errors';

/** The fields a failed parse names. */
function failedFields(schema: z.ZodType, input: unknown): string[] {
  const r = schema.safeParse(input);
  assert.equal(r.success, false, `expected ${JSON.stringify(input)} to be rejected`);
  return r.error!.issues.map((i) => i.path.join('.'));
}

describe('results: query schemas', () => {
  it('time bounds: media seconds (number or decimal string) or ISO-8601 with a zone', () => {
    assert.deepEqual(timeRangeQuery.parse({ from: '1.5', to: 90 }), { from: { kind: 'media', us: 1_500_000 }, to: { kind: 'media', us: 90_000_000 } });
    assert.deepEqual(timeRangeQuery.parse({ from: '.25' }).from, { kind: 'media', us: 250_000 });
    const r = timeRangeQuery.parse({ from: '2026-12-01T10:00:00Z', to: '2026-12-01T12:00:00.5+02:00' });
    assert.deepEqual(r.from, { kind: 'wall', iso: '2026-12-01T10:00:00Z', ms: Date.UTC(2026, 11, 1, 10) });
    assert.equal(r.to?.kind === 'wall' && r.to.ms, Date.UTC(2026, 11, 1, 10, 0, 0, 500));
    assert.deepEqual(timeRangeQuery.parse({ from: 3, to: '2026-12-01T10:00:00Z' }).to?.kind, 'wall', 'mixed kinds are fine');
    for (const bad of ['-1', -1, 'abc', '1e3', '2026-12-01T10:00:00', '2026-13-01T10:00:00Z', '', Number.NaN, Infinity, {}, true]) {
      assert.deepEqual(failedFields(timeRangeQuery, { from: bad }), ['from'], JSON.stringify(bad));
    }
    assert.deepEqual(failedFields(timeRangeQuery, { to: 'yesterday' }), ['to']);
    assert.match(timeRangeQuery.safeParse({ from: 'soon' }).error!.issues[0].message, /media seconds .* ISO-8601/);
  });

  it('to before from is an error on to (same kind only)', () => {
    assert.deepEqual(failedFields(eventsQuery, { from: 10, to: '5' }), ['to']);
    assert.deepEqual(failedFields(detectionsQuery, { from: '2026-12-01T10:00:00Z', to: '2026-12-01T09:00:00Z' }), ['to']);
    assert.equal(detectionsQuery.safeParse({ from: 10, to: 10 }).success, true, 'inclusive: a single instant');
  });

  it('page: limit coerced from strings, defaults, bounds; an empty string is not 0', () => {
    assert.deepEqual(pageQuery.parse({}), { limit: 100 });
    assert.deepEqual(pageQuery.parse({ limit: '250', cursor: 'abc.def' }), { limit: 250, cursor: 'abc.def' });
    for (const bad of ['0', '1001', '2.5', 'ten', '', -3]) assert.deepEqual(failedFields(pageQuery, { limit: bad }), ['limit'], JSON.stringify(bad));
    assert.deepEqual(failedFields(pageQuery, { cursor: '' }), ['cursor']);
  });

  it('detections / transcript / events / search filters', () => {
    assert.deepEqual(detectionsQuery.parse({ class: 'person', track: '0', minScore: '0.5' }), { class: 'person', track: 0, minScore: 0.5, limit: 100 });
    assert.deepEqual(failedFields(detectionsQuery, { track: '-1' }), ['track']);
    assert.deepEqual(failedFields(detectionsQuery, { track: '' }), ['track']);
    assert.deepEqual(failedFields(detectionsQuery, { minScore: '1.5' }), ['minScore']);
    assert.deepEqual(transcriptQuery.parse({}), { format: 'json', includeSilence: false, limit: 100 });
    assert.deepEqual(transcriptQuery.parse({ format: 'vtt', includeSilence: 'true' }), { format: 'vtt', includeSilence: true, limit: 100 });
    assert.equal(transcriptQuery.parse({ includeSilence: 'false' }).includeSilence, false);
    assert.deepEqual(failedFields(transcriptQuery, { format: 'txt' }), ['format']);
    assert.deepEqual(failedFields(transcriptQuery, { includeSilence: 'yes please' }), ['includeSilence']);
    assert.deepEqual(eventsQuery.parse({ tag: 'person', minScore: 0 }), { tag: 'person', minScore: 0, limit: 100 });
    assert.deepEqual(searchQuery.parse({ q: ' fox ' }), { q: 'fox', limit: 20 });
    assert.deepEqual(failedFields(searchQuery, {}), ['q']);
    assert.deepEqual(failedFields(searchQuery, { q: '   ' }), ['q']);
    assert.deepEqual(failedFields(searchQuery, { q: 'x'.repeat(501) }), ['q']);
    assert.deepEqual(failedFields(searchQuery, { q: 'fox', limit: '101' }), ['limit']);
  });

  it('request and response schemas convert to JSON Schema (what the HTTP layer feeds OpenAPI)', () => {
    const input = z.toJSONSchema(detectionsQuery, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, unknown> };
    assert.deepEqual(Object.keys(input.properties).sort(), ['class', 'cursor', 'from', 'limit', 'minScore', 'to', 'track']);
    const out = z.toJSONSchema(page(detectionItem), { io: 'output' }) as { required: string[] };
    assert.deepEqual(out.required.sort(), ['items', 'nextCursor']);
  });
});

describe('results: cursors', () => {
  it('round-trip; any change to the text, scope or key shape is E_BAD_CURSOR', () => {
    const c = encodeCursor('detections', [1_234_567, 2]);
    assert.match(c, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'URL-safe');
    assert.deepEqual(decodeCursor('detections', c, ['number', 'number']), [1_234_567, 2]);
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const attempts = [flip(c, 3), flip(c, c.length - 1), c.slice(0, -2), `${c}x`, c.replace('.', ''), 'e30.AAAAAAAA'];
    for (const bad of attempts) {
      assert.throws(() => decodeCursor('detections', bad, ['number', 'number']), (e: unknown) => e instanceof VideoAgentError && e.code === 'E_BAD_CURSOR' && e.kind === 'bad_input', bad);
    }
    assert.throws(() => decodeCursor('events', c, ['number', 'number']), /another list/);
    assert.throws(() => decodeCursor('detections', c, ['number']), /key shape/);
    assert.throws(() => decodeCursor('detections', c, ['number', 'string']), /key shape/);
  });
});
