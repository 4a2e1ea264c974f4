/** Messages between a LocalModel (main thread) and its inference thread. */
export interface SerializedError {
  code: string;
  message: string;
}

export type ToThread =
  | { kind: 'run'; id: number; payload: unknown }
  | { kind: 'cancel'; id: number };

export type FromThread =
  | { kind: 'ready' }
  | { kind: 'init-error'; error: SerializedError }
  | { kind: 'result'; id: number; ok: true; result: unknown }
  | { kind: 'result'; id: number; ok: false; error: SerializedError };

/** What a thread module implements; `serveThread` wires it to the message port. */
export interface ThreadHandlers<Init, Req, Res> {
  init(options: Init): Promise<void>;
  /** `isCancelled()` turns true once the job is aborted: check it between items of a batch. */
  run(request: Req, isCancelled: () => boolean): Promise<Res>;
}
