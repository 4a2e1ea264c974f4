// Hand-written declarations of video_agent_native.node (C++ sources in this folder). The addon is
// deliberately thin; the typed policy layer lives in src/gst. Times are nanoseconds, -1 = unknown.

export interface NativeSample {
  /** A copy of the sample's bytes (JPEG, PCM, raw video...). */
  data: Buffer;
  /** Buffer PTS in ns, -1 when the buffer has none. */
  pts: number;
  /** Buffer duration in ns, -1 when unknown. */
  duration: number;
  /** gst_caps_to_string of the sample caps. */
  caps: string;
}

/**
 * What went wrong, decided in C++ from the GError domain/code (GST_PARSE_ERROR, GST_RESOURCE_ERROR, …)
 * or the GstDiscovererResult. src/gst/errors.ts maps each to a VideoAgentError code and message.
 * unreachable vs open_failed: a RESOURCE OPEN_* error from a network element (factory class
 * "Network") or on a non-file URI is `unreachable`.
 */
export type NativeErrorCode =
  | 'parse_error' | 'no_such_element' | 'no_such_property' | 'bad_property_value' | 'link_failed'
  | 'bad_uri' | 'not_found' | 'unauthorized' | 'unreachable' | 'open_failed' | 'read_failed' | 'write_failed'
  | 'busy' | 'resource_failed'
  | 'not_media' | 'missing_plugin' | 'decode_failed' | 'demux_failed' | 'encrypted' | 'stream_failed'
  | 'negotiation_failed' | 'state_change_failed' | 'internal' | 'library_failed'
  | 'timeout' | 'cancelled' | 'unknown';

/**
 * The raw facts of a GStreamer error. Every string has URI userinfo (`rtsp://user:pass@`) removed
 * before it leaves C++.
 */
export interface NativeErrorFields {
  code: NativeErrorCode;
  /** GError domain, e.g. gst-resource-error-quark, gst_parse_error; '' when there was no GError. */
  domain: string;
  /** GError code within the domain. */
  gstCode: number;
  /** GStreamer's debug string (file:line, element path, details); '' for parse and discover errors. */
  debug: string;
  /** Element path, e.g. /GstPipeline:pipeline0/GstFileSrc:filesrc0; '' when not from an element. */
  source: string;
  /** The element's name, e.g. filesrc0; ''. */
  element: string;
  /** discover, missing_plugin: GStreamer installer detail strings (`gstreamer|1.0|app|description|detail`). */
  missing?: string[];
}

/** A thrown/rejected native error: `message` is the GError message verbatim (or the code when there is none). */
export interface NativeError extends Error, NativeErrorFields {}

export type NativeBusMessage =
  | { type: 'eos' }
  | ({ type: 'error' | 'warning'; /** GError message verbatim (GStreamer's words). */ message: string } & NativeErrorFields)
  /** Only the pipeline's own state changes are forwarded. State names: NULL, READY, PAUSED, PLAYING, VOID_PENDING. */
  | { type: 'state'; source: string; old: string; current: string; pending: string };

export class NativePipeline {
  /**
   * Parses the launch string (gst_parse_launch_full with FATAL_ERRORS); throws a NativeError (code
   * no_such_element, no_such_property, bad_property_value, link_failed or parse_error; its message,
   * GStreamer's, names the bad element/property, e.g. `no element "foo"`). Appsink settings are left
   * as the launch string set them (see sinkSettings/configureSink).
   * The callbacks run on the JS thread: onBus for EOS/ERROR/WARNING/pipeline state changes;
   * onSampleReady(sink) when samples MAY be waiting in that appsink (coalesced: one call may stand for
   * many samples, and a call may find none) — drain with pull() until it returns null.
   * Nothing happens (no threads, no TSFNs) until play() or pause().
   */
  constructor(launch: string, onBus: (msg: NativeBusMessage) => void, onSampleReady: (sinkName: string) => void);
  /** Sets PLAYING. A failing state change arrives as an 'error' bus message naming the element. Throws after stop(). */
  play(): void;
  /** Sets PAUSED (prerolls). Throws after stop(). */
  pause(): void;
  /**
   * Idempotent and non-blocking: from now on no callback is made and pull()/push() act as stopped;
   * the NULL transition (joins the streaming threads; rtspsrc may wait for its TEARDOWN) runs on a
   * native thread of its own, then the TSFNs and the pipeline are released on the JS thread and the
   * promise resolves. It never rejects. Pipelines are single-use. A second call resolves at once.
   */
  stop(): Promise<void>;
  /** While started and not stopped, the pipeline keeps the Node event loop alive (the default). */
  ref(): void;
  /** Lets the process exit while this pipeline plays (like timer.unref()). */
  unref(): void;
  /** Names of all appsinks (recursively), in launch order. */
  appsinks(): string[];
  /** Names of all appsrcs (recursively), in launch order. */
  appsrcs(): string[];
  /** Non-blocking (gst_app_sink_try_pull_sample with timeout 0): null when the queue is empty or stopped. Throws for an unknown sink name. */
  pull(sink: string): NativeSample | null;
  /**
   * Copies data into a GstBuffer and pushes it; false when the appsrc refuses it (flushing, EOS, stopped).
   * pts/duration in ns: -1 or absent = none; anything else must be finite, >= 0 and < 2^63 (RangeError).
   * Never set block=true on the appsrc: push runs on the JS thread.
   */
  push(src: string, data: Buffer, pts?: number, duration?: number): boolean;
  /** Signals end-of-stream on an appsrc. */
  endOfStream(src: string): void;
  /**
   * gst_element_send_event(pipeline, EOS): every source element pushes EOS downstream, so muxers
   * (splitmuxsink) finalise their files and an 'eos' bus message follows once every sink has it
   * (appsinks stop waiting to be pulled empty first: their queued samples stay pullable). True when the event was handled; false before play()/pause() or
   * after stop(). Does not wait: src/gst decides how long to wait for the bus EOS.
   */
  sendEos(): boolean;
  /** What an appsrc holds queued, and its limits (0 = unlimited). Zeros after stop(). */
  srcLevel(src: string): { bytes: number; buffers: number; maxBytes: number; maxBuffers: number };
  /** An appsink's max-buffers (0 = unbounded) and drop, as set now. Zeros/false after stop(). */
  sinkSettings(sink: string): { maxBuffers: number; drop: boolean };
  /** Sets an appsink's max-buffers and drop. Explicit, validated values (no defaults in C++). No-op after stop(). */
  configureSink(sink: string, maxBuffers: number, drop: boolean): void;
  /**
   * Raw counters of one appsink (GStreamer has no drop signal, and 1.22 does not expose the queue
   * level): accepted = samples that entered its queue (new-sample), pulled = samples pull() returned;
   * acceptedAtEmpty/pulledAtEmpty = the two as they stood when a pull() last found the queue empty
   * (accepted read before that pull). src/gst/sink-stream.ts estimates drops from them.
   */
  sinkCounters(sink: string): { accepted: number; pulled: number; acceptedAtEmpty: number; pulledAtEmpty: number };
  /**
   * Buffers discarded by leaky queues (queue leaky=upstream|downstream at parse time), by element
   * name: the count of `overrun` signals, each of which makes a leaky queue discard at least one
   * buffer (exactly one when it is limited by max-size-buffers). Keeps counting after stop().
   */
  queueDrops(): Record<string, number>;
  /**
   * Bounds the bus events waiting for the JS thread (0 = unbounded, the state after construction): beyond it the
   * oldest event that is not an error or EOS is dropped and counted. Integer 0..1048576 (RangeError).
   */
  configureBus(maxQueued: number): void;
  /** The bus queue: events waiting now, the most ever waiting at once, events dropped, the bound. Readable after stop(). */
  busCounters(): { queued: number; peak: number; dropped: number; limit: number };
  /** Stream position in ns, -1 if unknown. */
  position(): number;
  /** Stream duration in ns, -1 if unknown (live). */
  duration(): number;
  /**
   * gst_element_seek on the pipeline: FLUSH plus ACCURATE, or KEY_UNIT|SNAP_BEFORE ('key-unit': starts
   * at the key frame at or before startNs); start SET, stop SET (-1 = none). Seek once PAUSED (prerolled).
   * True when the seek was handled; false after stop(). RangeError for a non-finite or negative time.
   * `element`: send it from that element (by name) instead of the pipeline's sinks, e.g. a demuxer or a
   * queue upstream of a muxer (a muxer's byte segment cannot take a time seek); throws if there is none.
   */
  seek(startNs: number, stopNs: number, flags: 'accurate' | 'key-unit', element?: string): boolean;
}

export interface NativeDiscoverInfo {
  durationNs: number;
  seekable: boolean;
  live: boolean;
  /** rtpEncoding: the RTP encoding-name the stream was depayloaded from (RTSP sources only). */
  video: { width: number; height: number; fpsN: number; fpsD: number; codec: string; rtpEncoding?: string } | null;
  audio: { rate: number; channels: number; codec: string; rtpEncoding?: string } | null;
  tags: Record<string, string>;
}

/**
 * GstDiscoverer on a native thread of its own (one per call, never the libuv pool; src/gst/discover.ts
 * bounds how many run at once): probes a URI (file:// or rtsp://). timeoutMs is passed as is
 * (GstDiscoverer accepts 1 s .. 1 h; src/gst/discover.ts validates). useCache sets the discoverer's
 * `use-cache` property (file:// only: a serialized earlier result, keyed by URI and mtime). Rejects with a NativeError:
 * timeout, bad_uri, busy, missing_plugin (with `missing`), cancelled, or the GError's code
 * (not_media, demux_failed, not_found, unreachable, unauthorized, …).
 */
export function discover(uri: string, timeoutMs: number, useCache: boolean): Promise<NativeDiscoverInfo>;

/** gst_parse_launch calls (NativePipeline constructions) since the addon loaded, process-wide. */
export function parseCount(): number;

/** e.g. "GStreamer 1.22.0" */
export function gstVersion(): string;
