import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { VideoAgentError } from '../errors';
import { scrubUserinfo } from '../obs/redact';

/** What the user pointed at, normalised: a local file or an RTSP URL. */
export type SourceInfo =
  | { kind: 'file'; input: string; path: string; uri: string; display: string; sizeBytes: number; /** Last modification, epoch ms. */ mtimeMs: number }
  | { kind: 'rtsp'; input: string; uri: string; display: string; host: string }
  /** Media pushed from JavaScript (LiveKit tracks) into the pipeline's appsrc elements. */
  | { kind: 'appsrc'; input: string; uri: string; display: string }
  /**
   * A LiveKit room (`livekit://host[:port]/room`, `livekit+ws://` for a plain-ws dev server): many streams,
   * one per participant, opened by src/sources/livekit (not by openSource). `uri` is the server's ws(s) URL.
   */
  | { kind: 'livekit'; input: string; uri: string; display: string; host: string; room: string; query: Record<string, string> };

/** Removes user:password so a camera's credentials never reach logs, errors or stream ids. */
export function redactUrl(u: URL): string {
  const copy = new URL(u.toString());
  copy.username = '';
  copy.password = '';
  return copy.toString();
}

/**
 * Classifies and checks the input without touching GStreamer: missing/unreadable/empty files and
 * unsupported schemes are reported here with a message naming the input.
 */
export function resolveSource(input: string, cwd = process.cwd()): SourceInfo {
  const trimmed = input.trim();
  if (!trimmed) throw new VideoAgentError('E_BAD_SOURCE', 'no source given (a file path or an rtsp:// URL)', { kind: 'bad_input' });
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === 'rtsp' || scheme === 'rtsps' || scheme === 'rtspt') {
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      throw new VideoAgentError('E_BAD_SOURCE', `not a valid RTSP URL: ${scrubUserinfo(trimmed)}`, { kind: 'bad_input' });
    }
    if (!url.hostname) throw new VideoAgentError('E_BAD_SOURCE', `RTSP URL has no host: ${redactUrl(url)}`, { kind: 'bad_input' });
    return { kind: 'rtsp', input: trimmed, uri: trimmed, display: redactUrl(url), host: url.port ? `${url.hostname}:${url.port}` : url.hostname };
  }
  if (scheme === 'livekit' || scheme === 'livekit+ws') return resolveLivekit(trimmed, scheme);
  if (scheme && scheme !== 'file') {
    throw new VideoAgentError('E_BAD_SOURCE', `unsupported source scheme '${scheme}://' (use a file path, an rtsp:// or a livekit:// URL)`, { kind: 'bad_input' });
  }
  const filePath = scheme === 'file' ? decodeURIComponent(new URL(trimmed).pathname) : path.resolve(cwd, trimmed);
  let st: fs.Stats;
  try {
    st = fs.statSync(filePath);
  } catch {
    throw new VideoAgentError('E_FILE_NOT_FOUND', `file not found: ${filePath}`, { kind: 'not_found' });
  }
  if (st.isDirectory()) throw new VideoAgentError('E_BAD_SOURCE', `${filePath} is a directory, not a media file`, { kind: 'bad_input' });
  try {
    fs.accessSync(filePath, fs.constants.R_OK);
  } catch {
    throw new VideoAgentError('E_FILE_UNREADABLE', `cannot read ${filePath} (permission denied)`, { kind: 'bad_input' });
  }
  if (st.size === 0) throw new VideoAgentError('E_NOT_MEDIA', `${filePath} is empty, not a media file`, { kind: 'bad_input' });
  return { kind: 'file', input: trimmed, path: filePath, uri: pathToFileURL(filePath).href, display: filePath, sizeBytes: st.size, mtimeMs: st.mtimeMs };
}

const LIVEKIT_ROOM = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * `livekit://host[:port]/room[?participants=a,b&sources=camera,microphone]`: wss to the host (LiveKit Cloud,
 * a TLS-terminated server); `livekit+ws://` speaks plain ws (`livekit-server --dev` on :7880). Credentials
 * never ride in the URL: the token comes from LIVEKIT_API_KEY/SECRET or LIVEKIT_TOKEN.
 */
function resolveLivekit(input: string, scheme: string): SourceInfo {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new VideoAgentError('E_BAD_SOURCE', `not a valid LiveKit URL: ${scrubUserinfo(input)} (use livekit://host[:port]/room)`, { kind: 'bad_input' });
  }
  if (url.username || url.password) {
    throw new VideoAgentError('E_BAD_SOURCE', `LiveKit URL carries credentials: ${redactUrl(url)} (set LIVEKIT_API_KEY and LIVEKIT_API_SECRET, or LIVEKIT_TOKEN)`, { kind: 'bad_input' });
  }
  if (!url.hostname) throw new VideoAgentError('E_BAD_SOURCE', `LiveKit URL has no host: ${input}`, { kind: 'bad_input' });
  const room = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ''));
  if (!LIVEKIT_ROOM.test(room)) {
    throw new VideoAgentError('E_BAD_SOURCE', `LiveKit URL needs a room name (1-64 letters, digits, '_', '-', '.'): livekit://host[:port]/room, got ${url.href}`, { kind: 'bad_input' });
  }
  const host = url.port ? `${url.hostname}:${url.port}` : url.hostname;
  const uri = `${scheme === 'livekit+ws' ? 'ws' : 'wss'}://${host}`;
  return { kind: 'livekit', input, uri, display: `${scheme}://${host}/${room}`, host, room, query: Object.fromEntries(url.searchParams) };
}
