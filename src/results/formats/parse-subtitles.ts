import { VideoAgentError } from '../../errors';
import { parseClockTime } from './timestamp';

/**
 * Strict readers for the SRT and WebVTT this module writes (and what players accept): for tests and for
 * checking an export. A malformed block is an E_BAD_SUBTITLES error naming the block.
 */
export interface ParsedCue { id: string | null; startS: number; endS: number; text: string; speaker: string | null }

function fail(format: string, n: number, why: string): never {
  throw new VideoAgentError('E_BAD_SUBTITLES', `${format} block ${n}: ${why}`, { kind: 'bad_input' });
}

function blocks(text: string): string[][] {
  return text.replace(/\r\n?/g, '\n').split(/\n{2,}/).map((b) => b.split('\n')).filter((b) => b.some((l) => l.trim() !== ''));
}

function timing(format: string, n: number, line: string | undefined): { startS: number; endS: number } {
  const m = /^(\S+) --> (\S+)(?: .*)?$/.exec(line ?? '');
  const startS = m ? parseClockTime(m[1]) : Number.NaN;
  const endS = m ? parseClockTime(m[2]) : Number.NaN;
  if (!Number.isFinite(startS) || !Number.isFinite(endS)) fail(format, n, `bad timing line ${JSON.stringify(line)}`);
  if (endS < startS) fail(format, n, 'ends before it starts');
  return { startS, endS };
}

export function parseSrt(text: string): ParsedCue[] {
  return blocks(text).map((b, i) => {
    const n = i + 1;
    if (!/^\d+$/.test(b[0].trim())) fail('SRT', n, `expected a sequence number, got ${JSON.stringify(b[0])}`);
    if (b.length < 3) fail('SRT', n, 'no text');
    return { id: b[0].trim(), ...timing('SRT', n, b[1]), text: b.slice(2).join('\n'), speaker: null };
  });
}

function unescapeVtt(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function parseVtt(text: string): ParsedCue[] {
  const [head, ...rest] = blocks(text);
  if (!head || !/^WEBVTT(?:[ \t].*)?$/.test(head[0])) fail('WebVTT', 0, 'missing the WEBVTT header');
  return rest.map((b, i) => {
    const n = i + 1;
    const hasId = !b[0].includes('-->');
    const lines = hasId ? b.slice(1) : b;
    if (lines.length < 2) fail('WebVTT', n, 'no text');
    let body = lines.slice(1).join('\n');
    let speaker: string | null = null;
    const voice = /^<v(?:\.[^ >]*)? ([^>]*)>([\s\S]*?)(?:<\/v>)?$/.exec(body);
    if (voice) { speaker = unescapeVtt(voice[1]); body = voice[2]; }
    if (/[<>]/.test(body)) fail('WebVTT', n, 'unexpected markup in cue text');
    return { id: hasId ? b[0] : null, ...timing('WebVTT', n, lines[0]), text: unescapeVtt(body), speaker };
  });
}
