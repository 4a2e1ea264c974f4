import { type ErrorKind, VideoAgentError, type VideoAgentErrorOptions } from '../errors';
import type { NativeErrorCode, NativeErrorFields } from './native';

/**
 * The one place where a GStreamer failure becomes a VideoAgentError. The addon classifies every
 * failure in C++ (native/gst_error.cc: GError domain/code, GstDiscovererResult) into a
 * NativeErrorCode; this table maps each to our code and writes the user-facing line. Nothing here
 * reads GStreamer's English: its message is only quoted as the detail.
 */
export type GstReason = NativeErrorCode;

/** What a failure is about, named in the message: a local file, a stream URL (redacted), or a pipeline. */
export interface ErrorSubject {
  kind: 'file' | 'stream' | 'pipeline';
  /** A path, a redacted URL (no userinfo), or a template description. */
  name: string;
}

/** Where a GStreamer error came from, as GStreamer reports it. */
export interface GstErrorDetails {
  /** The classification the addon made. */
  reason: GstReason;
  /** Element path, e.g. /GstPipeline:pipeline0/GstFileSrc:filesrc0 ('' for launch-string and discover errors). */
  source: string;
  /** GError domain, e.g. gst-resource-error-quark, gst_parse_error. */
  domain: string;
  /** GError code within that domain. */
  gstCode: number;
  /** GStreamer's debug string (file:line, details); not user-facing. */
  debug: string;
  /** GStreamer's own message, quoted in ours (e.g. `no element "foo"`). */
  detail: string;
}

/** A GStreamer error with our stable `code` and the addon's `reason`. */
export class GstError extends VideoAgentError implements GstErrorDetails {
  readonly reason: GstReason;
  readonly source: string;
  readonly domain: string;
  readonly gstCode: number;
  readonly debug: string;
  readonly detail: string;

  constructor(code: string, message: string, details: GstErrorDetails, options?: VideoAgentErrorOptions) {
    super(code, message, options);
    this.name = 'GstError';
    this.reason = details.reason;
    this.source = details.source;
    this.domain = details.domain;
    this.gstCode = details.gstCode;
    this.debug = details.debug;
    this.detail = details.detail;
  }
}

/** A GStreamer warning: same fields as an error, delivered as an event, never thrown. */
export interface GstWarning extends GstErrorDetails {
  message: string;
}

/** `scheme://user:pass@host` → `scheme://host` everywhere in text (the addon does it too; this covers our own strings). */
export function scrubUserinfo(text: string): string {
  // Greedy up to the authority's last '@': a password may contain an unescaped '@'.
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/?#\s"']*@/gi, '$1');
}

type Text = (s: ErrorSubject, d: string) => string;
type BySubject<T> = T | ((s: ErrorSubject) => T);
interface Rule {
  code: BySubject<string>;
  /** ErrorKind (src/errors.ts); retryable follows the kind unless given. */
  kind: BySubject<ErrorKind>;
  retryable?: BySubject<boolean>;
  text: Text;
}

const pick = <T>(v: BySubject<T>, s: ErrorSubject): T => (typeof v === 'function' ? (v as (s: ErrorSubject) => T)(s) : v);
const isStream = (s: ErrorSubject) => s.kind === 'stream';

const paren = (d: string) => (d ? ` (${d})` : '');
const colon = (d: string) => (d ? `: ${d}` : '');
const badLaunch: Rule = { code: 'E_BAD_PIPELINE', kind: 'bad_input', text: (s, d) => `${s.name}: invalid GStreamer pipeline${colon(d)}` };
const corrupt: Rule = {
  code: 'E_CORRUPT_MEDIA',
  // A camera sending a broken frame is a remote fault worth reconnecting for; a broken file is not.
  kind: (s) => (isStream(s) ? 'remote_failure' : 'bad_input'),
  text: (s, d) => (s.kind === 'stream' ? `${s.name} sent media that cannot be decoded${colon(d)}` : `${s.name} is truncated or corrupt${colon(d)}`),
};

const RULES: Record<GstReason, Rule> = {
  parse_error: badLaunch,
  no_such_element: badLaunch,
  no_such_property: badLaunch,
  bad_property_value: badLaunch,
  link_failed: badLaunch,
  timeout: {
    code: 'E_PROBE_TIMEOUT',
    kind: 'deadline',
    text: (s, d) => (s.kind === 'file' ? `${s.name}: reading the media headers timed out${paren(d)}` : `${s.name} did not answer in time${paren(d)}`),
  },
  not_media: { code: 'E_NOT_MEDIA', kind: 'bad_input', text: (s, d) => `${s.name} is not a media ${s.kind === 'stream' ? 'stream' : 'file'}${paren(d)}` },
  demux_failed: corrupt,
  decode_failed: corrupt,
  encrypted: { code: 'E_ENCRYPTED_MEDIA', kind: 'bad_input', text: (s, d) => `${s.name} is encrypted${paren(d)}` },
  missing_plugin: { code: 'E_MISSING_PLUGIN', kind: 'config', text: (s, d) => `${s.name} needs a GStreamer plugin that is not installed${colon(d)}` },
  bad_uri: { code: 'E_BAD_URI', kind: 'bad_input', text: (s, d) => `${s.name} is not a URI GStreamer can open${colon(d)}` },
  not_found: {
    code: (s) => (s.kind === 'stream' ? 'E_STREAM_NOT_FOUND' : s.kind === 'file' ? 'E_FILE_NOT_FOUND' : 'E_NOT_FOUND'),
    kind: 'not_found',
    // A restarting server may not have mounted the stream yet.
    retryable: isStream,
    text: (s, d) => (s.kind === 'stream' ? `${s.name}: the server has no such stream${paren(d)}` : `${s.name}: not found${paren(d)}`),
  },
  unauthorized: { code: 'E_UNAUTHORIZED', kind: 'unauthorized', text: (s, d) => `${s.name} refused the credentials${paren(d)}` },
  unreachable: { code: 'E_CONNECT_FAILED', kind: 'unreachable', text: (s, d) => `could not connect to ${s.name}${paren(d)}` },
  open_failed: { code: 'E_FILE_UNREADABLE', kind: (s) => (isStream(s) ? 'unreachable' : 'bad_input'), text: (s, d) => `cannot open ${s.name}${paren(d)}` },
  read_failed: {
    code: (s) => (s.kind === 'stream' ? 'E_CONNECTION_LOST' : 'E_READ_FAILED'),
    kind: (s) => (isStream(s) ? 'unreachable' : 'bad_input'),
    text: (s, d) => `reading ${s.name} failed${colon(d)}`,
  },
  write_failed: { code: 'E_WRITE_FAILED', kind: 'internal', text: (s, d) => `${s.name}: writing failed${colon(d)}` },
  busy: { code: 'E_GST_BUSY', kind: 'internal', retryable: true, text: (s, d) => `${s.name}: GStreamer is busy${paren(d)}` },
  negotiation_failed: { code: 'E_GST_NEGOTIATION', kind: 'bad_input', text: (s, d) => `${s.name}: the pipeline's elements agree on no format${colon(d)}` },
  cancelled: { code: 'E_GST_CANCELLED', kind: 'aborted', text: (s) => `${s.name}: probing was cancelled` },
  resource_failed: { code: 'E_GST_RESOURCE', kind: (s) => (isStream(s) ? 'unreachable' : 'internal'), text: (s, d) => `${s.name}${colon(d)}` },
  stream_failed: { code: 'E_GST_STREAM', kind: (s) => (isStream(s) ? 'remote_failure' : 'internal'), text: (s, d) => `${s.name}${colon(d)}` },
  state_change_failed: { code: 'E_GST_CORE', kind: 'internal', text: (s, d) => `${s.name}${colon(d)}` },
  internal: { code: 'E_GST_CORE', kind: 'internal', text: (s, d) => `${s.name}${colon(d)}` },
  library_failed: { code: 'E_GST_LIBRARY', kind: 'internal', text: (s, d) => `${s.name}${colon(d)}` },
  unknown: { code: 'E_GST', kind: 'internal', text: (s, d) => `${s.name}${colon(d)}` },
};

/** The VideoAgentError code for a reason and subject (exported for tests and docs). */
export function codeFor(reason: GstReason, subject: ErrorSubject): string {
  return pick((RULES[reason] ?? RULES.unknown).code, subject);
}

/** GStreamer's words for the detail: the failing element's name first, missing plugins by description. */
function detailOf(n: Partial<NativeErrorFields> & { message?: string }): string {
  const missing = (n.missing ?? []).map((d) => d.split('|')[3] ?? d).filter(Boolean);
  const text = (missing.length ? missing.join(', ') : n.message ?? '').trim();
  return scrubUserinfo(n.element && text ? `${n.element}: ${text}` : text);
}

/**
 * The single mapping point: a native error (thrown by the addon, or an error bus message) about
 * `subject` becomes a GstError. Userinfo is scrubbed from every string once more here.
 */
export function toGstError(native: unknown, subject: ErrorSubject, options: { launch?: string } = {}): GstError {
  const n = (native ?? {}) as Partial<NativeErrorFields> & { message?: string };
  const reason: GstReason = typeof n.code === 'string' && n.code in RULES ? (n.code as GstReason) : 'unknown';
  const detail = detailOf(n);
  const rule = RULES[reason];
  let message = rule.text({ ...subject, name: scrubUserinfo(subject.name) }, detail);
  if (rule === badLaunch && options.launch) message += ` (in "${quoteLaunch(options.launch)}")`;
  const kind = pick(rule.kind, subject);
  const retryable = rule.retryable === undefined ? undefined : pick(rule.retryable, subject);
  return new GstError(codeFor(reason, subject), message.split('\n')[0], {
    reason,
    source: scrubUserinfo(n.source ?? ''),
    domain: n.domain ?? '',
    gstCode: typeof n.gstCode === 'number' ? n.gstCode : 0,
    debug: scrubUserinfo(n.debug ?? ''),
    detail,
  }, { cause: scrubbedCopy(n), kind, ...(retryable === undefined ? {} : { retryable }) });
}

/** A bus warning as data (same scrubbing as errors). */
export function toGstWarning(native: NativeErrorFields & { message: string }): GstWarning {
  const detail = detailOf(native);
  return {
    reason: native.code,
    source: scrubUserinfo(native.source),
    domain: native.domain,
    gstCode: native.gstCode,
    debug: scrubUserinfo(native.debug),
    detail,
    message: detail,
  };
}

/** The native fields as a plain object with every string scrubbed: the `cause`, safe to log or serialise. */
function scrubbedCopy(n: Partial<NativeErrorFields> & { message?: string }): Partial<NativeErrorFields> & { message?: string } {
  const out: Record<string, unknown> = {};
  for (const key of ['code', 'domain', 'gstCode', 'debug', 'source', 'element', 'message', 'missing'] as const) {
    const v = n[key];
    if (v !== undefined) out[key] = typeof v === 'string' ? scrubUserinfo(v) : Array.isArray(v) ? v.map((x) => scrubUserinfo(String(x))) : v;
  }
  return out;
}

function quoteLaunch(launch: string): string {
  const clean = scrubUserinfo(launch);
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}
