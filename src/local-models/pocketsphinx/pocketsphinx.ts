import { existsSync } from 'node:fs';
import { runProcess } from '../runtime/run-process';

export interface RecognizedWord {
  word: string;
  start: number;
  end: number;
  probability: number;
}

/** One pocketsphinx utterance (its VAD splits speech at pauses), with its real words in time order. */
export interface Utterance {
  start: number;
  end: number;
  words: RecognizedWord[];
}

const WORD_LINE = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/;
/** Silence, sentence markers and noise fillers of the en-us dictionary: not words of the transcript. */
const FILLER = /^(<s>|<\/s>|<sil>|\[[A-Z_]+\]|\+\+.*\+\+)$/;
/** Alternate pronunciations are printed as `word(2)`. */
const VARIANT = /\(\d+\)$/;

export const POCKETSPHINX_BIN = 'pocketsphinx_continuous';
export const EN_US_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

/**
 * Parses `pocketsphinx_continuous -time yes` output: per utterance, a hypothesis line followed by one
 * `word start end posterior` line per token, bracketed by `<s>` … `</s>`.
 */
export function parsePocketsphinxOutput(stdout: string): Utterance[] {
  const utterances: Utterance[] = [];
  let current: Utterance | undefined;
  for (const line of stdout.split('\n')) {
    const m = WORD_LINE.exec(line.trim());
    if (!m) continue; // hypothesis line
    const [, token, s, e, p] = m as unknown as [string, string, string, string, string];
    const start = Number(s), end = Number(e);
    if (token === '<s>' || !current) {
      current = { start, end, words: [] };
      utterances.push(current);
    }
    current.end = Math.max(current.end, end);
    if (token === '</s>') { current = undefined; continue; }
    if (FILLER.test(token)) continue;
    current.words.push({ word: token.replace(VARIANT, ''), start, end, probability: Math.min(1, Math.max(0, Number(p))) });
  }
  return utterances.filter((u) => u.words.length > 0);
}

/** Runs the Debian pocketsphinx CLI on a 16 kHz mono WAV file (the model is loaded per process: ~0.3 s). */
export async function recognize(wavPath: string, signal?: AbortSignal): Promise<Utterance[]> {
  const { stdout } = await runProcess(POCKETSPHINX_BIN, ['-infile', wavPath, '-time', 'yes', '-logfn', '/dev/null'], {
    signal,
    what: 'speech recognition',
    installHint: 'apt-get install pocketsphinx pocketsphinx-en-us',
  });
  return parsePocketsphinxOutput(stdout);
}

export function hasEnUsModel(): boolean {
  return existsSync(EN_US_MODEL_DIR);
}
