import { VideoAgentError } from '../errors';

/** Where a GStreamer error came from, as GStreamer reports it. */
export interface GstErrorDetails {
  /** Element path, e.g. /GstPipeline:pipeline0/GstFileSrc:filesrc0 ('' for launch-string errors). */
  source: string;
  /** GError domain, e.g. gst-resource-error-quark, gst_parse_error. */
  domain: string;
  /** GError code within that domain. */
  gstCode: number;
  /** GStreamer's debug string (file:line, details); not user-facing. */
  debug: string;
}

/**
 * A GStreamer error. `code` is the VideoAgentError code: E_BAD_PIPELINE for a launch string that does
 * not parse, otherwise E_GST_RESOURCE / E_GST_STREAM / E_GST_CORE / E_GST_LIBRARY after the GError
 * domain (E_GST for others). The GError's own numeric code is `gstCode`.
 */
export class GstError extends VideoAgentError implements GstErrorDetails {
  readonly source: string;
  readonly domain: string;
  readonly gstCode: number;
  readonly debug: string;

  constructor(code: string, message: string, details: GstErrorDetails, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'GstError';
    this.source = details.source;
    this.domain = details.domain;
    this.gstCode = details.gstCode;
    this.debug = details.debug;
  }
}

/** A GStreamer warning: same fields as an error, delivered as an event, never thrown. */
export interface GstWarning extends GstErrorDetails {
  message: string;
}

const DOMAIN_CODES: Record<string, string> = {
  'gst-resource-error-quark': 'E_GST_RESOURCE',
  'gst-stream-error-quark': 'E_GST_STREAM',
  'gst-core-error-quark': 'E_GST_CORE',
  'gst-library-error-quark': 'E_GST_LIBRARY',
};

export function codeForDomain(domain: string): string {
  return DOMAIN_CODES[domain] ?? 'E_GST';
}

/** Message with the element path first, so a one-line CLI error says which element failed. */
export function runtimeGstError(d: GstErrorDetails & { message: string }): GstError {
  const where = d.source ? `${d.source}: ` : '';
  return new GstError(codeForDomain(d.domain), `${where}${d.message}`, d);
}

/** A launch string gst_parse_launch rejected (unknown element, bad property, link failure). */
export function badPipelineError(launch: string, err: unknown): GstError {
  const e = err as { message?: string; domain?: unknown; code?: unknown };
  const reason = e?.message ?? String(err);
  return new GstError(
    'E_BAD_PIPELINE',
    `invalid GStreamer pipeline: ${reason} (in "${launch.length > 200 ? `${launch.slice(0, 200)}…` : launch}")`,
    {
      source: '',
      domain: typeof e?.domain === 'string' ? e.domain : 'gst_parse_error',
      gstCode: typeof e?.code === 'number' ? e.code : 0,
      debug: '',
    },
    { cause: err },
  );
}
