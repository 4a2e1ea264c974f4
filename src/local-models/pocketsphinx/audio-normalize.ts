import { mkdtemp, rm, writeFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { VideoAgentError } from '../../errors';
import { runProcess } from '../runtime/run-process';
import { isSpeechWav, readWavFormat } from '../media/wav';

export interface SpeechWavFile {
  path: string;
  /** Removes the temporary directory. */
  dispose(): Promise<void>;
}

/**
 * Writes the request's audio as a 16 kHz mono S16 WAV file (pocketsphinx's en-us model was trained at 16 kHz).
 * Our client already sends that format, so the common case is a plain write; anything else (other rates,
 * stereo, FLAC, Ogg, MP3…) is converted by GStreamer's decodebin, which is installed for ingest anyway.
 */
export async function writeSpeechWav(audio: Buffer, signal?: AbortSignal): Promise<SpeechWavFile> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'va-asr-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const target = path.join(dir, 'speech.wav');
    if (isSpeechWav(readWavFormat(audio))) {
      await writeFile(target, audio);
      return { path: target, dispose };
    }
    const source = path.join(dir, 'input.bin');
    await writeFile(source, audio);
    try {
      await runProcess('gst-launch-1.0', [
        '-q', 'filesrc', `location=${source}`, '!', 'decodebin', '!', 'audioconvert', '!', 'audioresample', '!',
        'audio/x-raw,format=S16LE,rate=16000,channels=1', '!', 'wavenc', '!', 'filesink', `location=${target}`,
      ], { signal, what: 'audio conversion', installHint: 'apt-get install gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good' });
    } catch (err) {
      if (err instanceof VideoAgentError && err.code === 'E_PROCESS_FAILED') {
        throw new VideoAgentError('E_BAD_AUDIO', 'audio_base64: not a decodable audio file (send a 16 kHz mono WAV)', { cause: err });
      }
      throw err;
    }
    const size = await stat(target).then((s) => s.size, () => 0);
    if (size <= 44) throw new VideoAgentError('E_BAD_AUDIO', 'audio_base64: the file contains no audio');
    return { path: target, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}
