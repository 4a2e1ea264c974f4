import assert from 'node:assert/strict';
import {
  CSV_COLUMNS, clockTime, cueLines, parseSrt, parseVtt, srtText, toCsv, toSrt, toVtt, type DetectionItem, type EventItem, type TranscriptItem,
} from '../../src/results';

/** RFC 4180 reader (quoted fields, doubled quotes, CRLF records) written independently of the writer. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (ch === '"') { quoted = false; i++; continue; }
      field += ch; i++; continue;
    }
    if (ch === '"' && field === '') { quoted = true; i++; continue; }
    if (ch === ',') { record.push(field); field = ''; i++; continue; }
    if (ch === '\r' && text[i + 1] === '\n') { record.push(field); records.push(record); record = []; field = ''; i += 2; continue; }
    assert.ok(ch !== '"' && ch !== '\n' && ch !== '\r', `bare ${JSON.stringify(ch)} at ${i}`);
    field += ch; i++;
  }
  assert.equal(field + record.join(''), '', 'the last record ends with CRLF');
  return records;
}

const seg = (startS: number, endS: number, text: string, extra: Partial<TranscriptItem> = {}): TranscriptItem => ({
  startS, endS, ts: new Date(Date.UTC(2026, 0, 1) + startS * 1000).toISOString(), text, confidence: 0.9, speakerId: null, isSilence: false, prosody: null, ...extra,
});

const transcript: TranscriptItem[] = [
  seg(0, 1.5, 'hello and welcome', { speakerId: 'S1' }),
  seg(1.5, 2, '', { isSilence: true }),
  seg(2, 3.25, 'the quick "brown" fox\n\njumps <over> & --> the dog', { speakerId: 'Dr <Who> & co' }),
  seg(3.25, 4, '   '),
  seg(3599.9995, 3723.0456, 'past an hour'),
  seg(90_000, 90_001, 'day two'),
];
const spoken = transcript.filter((t) => !t.isSilence && t.text.trim() !== '');
const ms = (s: number) => Math.round(s * 1000) / 1000;

describe('results: subtitle formats', () => {
  it('clock times: HH:MM:SS,mmm / HH:MM:SS.mmm, rounded to the millisecond, hours past 99', () => {
    assert.equal(clockTime(0, ','), '00:00:00,000');
    assert.equal(clockTime(3723.0456, '.'), '01:02:03.046');
    assert.equal(clockTime(59.9996, ','), '00:01:00,000');
    assert.equal(clockTime(360_000, ','), '100:00:00,000');
  });

  it('SRT: dense sequence numbers, comma times, speech only; parses back to the items', () => {
    const srt = toSrt(transcript);
    assert.ok(srt.startsWith('1\n00:00:00,000 --> 00:00:01,500\nhello and welcome\n\n2\n'), srt);
    const cues = parseSrt(srt);
    assert.deepEqual(cues.map((c) => c.id), spoken.map((_, i) => String(i + 1)));
    assert.deepEqual(cues.map((c) => [c.startS, c.endS]), spoken.map((t) => [ms(t.startS), ms(t.endS)]));
    assert.deepEqual(cues.map((c) => c.text), spoken.map((t) => srtText(t.text)));
    assert.ok(cues[1].text.endsWith('the dog') && !srt.includes('& -->'), 'a spoken "-->" is not a second timing line');
    assert.ok(!/\n\n\n/.test(srt), 'a blank line inside a text would split the cue');
    assert.equal(toSrt([]), '');
  });

  it('WebVTT: header, dot times, escaped markup, speakers as voice spans; parses back to the items', () => {
    const vtt = toVtt(transcript);
    assert.ok(vtt.startsWith('WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.500\n<v S1>hello and welcome</v>\n\n'), vtt);
    assert.ok(!vtt.includes('& ') && !vtt.includes('<over>') && !vtt.includes('fox\n\n'), 'escaped and no blank line in a cue');
    const cues = parseVtt(vtt);
    assert.deepEqual(cues.map((c) => [c.startS, c.endS]), spoken.map((t) => [ms(t.startS), ms(t.endS)]));
    assert.deepEqual(cues.map((c) => c.text), spoken.map((t) => cueLines(t.text).join('\n')));
    assert.deepEqual(cues.map((c) => c.speaker), spoken.map((t) => t.speakerId));
    assert.equal(toVtt([]), 'WEBVTT\n\n');
    assert.deepEqual(parseVtt(toVtt([])), []);
  });

  it('the parsers reject what players would not read', () => {
    assert.throws(() => parseVtt('1\n00:00:00.000 --> 00:00:01.000\nx\n'), /WEBVTT header/);
    assert.throws(() => parseSrt('1\n00:00:00.000 -> 00:00:01,000\nx\n'), /timing/);
    assert.throws(() => parseSrt('one\n00:00:00,000 --> 00:00:01,000\nx\n'), /sequence number/);
    assert.throws(() => parseSrt('1\n00:00:02,000 --> 00:00:01,000\nx\n'), /before it starts/);
  });
});

describe('results: CSV', () => {
  it('detections: header from the item fields, bbox as one quoted JSON field, null as empty; round-trips', () => {
    const items: DetectionItem[] = [
      { ptsUs: 7, t: 0.000007, ts: '2026-01-01T12:00:00.000Z', classId: 0, className: 'person', confidence: 0.9, bbox: [1.5, 2, 30.25, 40], trackId: 1 },
      { ptsUs: 100_007, t: 0.100007, ts: '2026-01-01T12:00:00.100Z', classId: 3, className: 'traffic light, "red"', confidence: 0.5, bbox: [0, 0, 1, 1], trackId: null },
    ];
    const csv = toCsv(items, CSV_COLUMNS.detections);
    assert.ok(csv.includes(',"[1.5,2,30.25,40]",'), 'an array is one quoted field');
    const [header, ...records] = parseCsv(csv);
    assert.deepEqual(header, Object.keys(items[0]));
    assert.equal(records.length, items.length);
    const back = records.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
    for (const [i, it] of items.entries()) {
      assert.deepEqual(JSON.parse(back[i].bbox), it.bbox);
      assert.equal(back[i].className, it.className);
      assert.equal(Number(back[i].ptsUs), it.ptsUs);
      assert.equal(Number(back[i].t), it.t);
      assert.equal(back[i].trackId, it.trackId === null ? '' : String(it.trackId));
    }
  });

  it('events and transcript: tags with commas and quotes, multi-line text, objects', () => {
    const events: EventItem[] = [
      { startS: 1, endS: 3, ts: '2026-01-01T12:00:01.000Z', description: 'a person rides,\r\na "bike"', tags: ['person', 'bike, red', 'quote"d'], clipWorthyScore: 0.9, model: 'rule-based' },
      { startS: 3, endS: 4, ts: '2026-01-01T12:00:03.000Z', description: 'nothing', tags: [], clipWorthyScore: 0.1, model: 'm' },
    ];
    const [h, ...rows] = parseCsv(toCsv(events, CSV_COLUMNS.events));
    assert.deepEqual(h, CSV_COLUMNS.events);
    assert.deepEqual(rows.map((r) => JSON.parse(r[h.indexOf('tags')])), events.map((e) => e.tags));
    assert.deepEqual(rows.map((r) => r[h.indexOf('description')]), events.map((e) => e.description));
    const [th, ...trows] = parseCsv(toCsv(transcript, CSV_COLUMNS.transcript));
    assert.equal(trows.length, transcript.length, 'CSV keeps every item (silence filtering is the query\'s job)');
    assert.deepEqual(trows.map((r) => r[th.indexOf('text')]), transcript.map((t) => t.text));
    assert.deepEqual(trows.map((r) => r[th.indexOf('isSilence')]), transcript.map((t) => String(t.isSilence)));
    assert.deepEqual(parseCsv(toCsv([], CSV_COLUMNS.events)), [CSV_COLUMNS.events]);
  });
});
