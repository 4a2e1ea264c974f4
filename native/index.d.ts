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

export type NativeBusMessage =
  | { type: 'eos' }
  | {
      type: 'error' | 'warning';
      /** Element path, e.g. /GstPipeline:pipeline0/GstJpegEnc:jpegenc0 */
      source: string;
      /** GError domain, e.g. gst-resource-error-quark */
      domain: string;
      code: number;
      message: string;
      debug: string;
    }
  /** Only the pipeline's own state changes are forwarded. State names: NULL, READY, PAUSED, PLAYING, VOID_PENDING. */
  | { type: 'state'; source: string; old: string; current: string; pending: string };

export class NativePipeline {
  /**
   * Parses the launch string (gst_parse_launch_full with FATAL_ERRORS); throws an Error whose message
   * names the bad element/property (e.g. `no element "foo"`) with `domain` and numeric `code` set.
   * appsinks left with max-buffers=0 (unbounded) get max-buffers=8.
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
   * Idempotent: NULL state (joins the streaming threads), releases the TSFNs and the pipeline.
   * Pipelines are single-use. Bus messages queued before stop may still be delivered afterwards.
   */
  stop(): void;
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
  /** Copies data into a GstBuffer and pushes it; false when the appsrc refuses it (flushing, EOS, stopped). Never set block=true on the appsrc: push runs on the JS thread. */
  push(src: string, data: Buffer, pts?: number, duration?: number): boolean;
  /** Signals end-of-stream on an appsrc. */
  endOfStream(src: string): void;
  /** What an appsrc holds queued, and its limits (0 = unlimited). Zeros after stop(). */
  srcLevel(src: string): { bytes: number; buffers: number; maxBytes: number; maxBuffers: number };
  /**
   * Samples a drop=true appsink discarded (0 for drop=false sinks). A monotonic lower bound:
   * accepted - pulled - queued, with queued bounded by max-buffers, and by 0 whenever pull() finds
   * the queue empty; exact while the queue is full (when drops happen) and once drained.
   */
  dropped(sink: string): number;
  /**
   * Buffers discarded by leaky queues (queue leaky=upstream|downstream at parse time), by element
   * name: the count of `overrun` signals, each of which makes a leaky queue discard at least one
   * buffer (exactly one when it is limited by max-size-buffers). Keeps counting after stop().
   */
  queueDrops(): Record<string, number>;
  /** Stream position in ns, -1 if unknown. */
  position(): number;
  /** Stream duration in ns, -1 if unknown (live). */
  duration(): number;
}

export interface NativeDiscoverInfo {
  durationNs: number;
  seekable: boolean;
  live: boolean;
  video: { width: number; height: number; fpsN: number; fpsD: number; codec: string } | null;
  audio: { rate: number; channels: number; codec: string } | null;
  tags: Record<string, string>;
}

/**
 * GstDiscoverer on a worker thread: probes a URI (file:// or rtsp://) with a timeout (clamped to
 * 1 s .. 1 h, GstDiscoverer's range). Rejects with an Error carrying GStreamer's message and
 * `code`: 'TIMEOUT' | 'URI_INVALID' | 'MISSING_PLUGINS' | 'BUSY' | 'CANCELLED' | 'ERROR'.
 */
export function discover(uri: string, timeoutMs: number): Promise<NativeDiscoverInfo>;

/** e.g. "GStreamer 1.22.0" */
export function gstVersion(): string;
