/**
 * Interleaves several async iterators (one per appsink) into one, pulling from each only when the
 * consumer asks for more: a slow consumer leaves every sink full, which is the backpressure that makes
 * a file decoder wait. Aborting `signal` ends the iteration by throwing `signal.reason` (pipeline error,
 * stall watchdog, stop).
 *
 * Settled pulls go through a ready queue and one waiter instead of Promise.race over long-lived
 * promises, which would retain one reaction per sample for the life of a stream.
 */
export interface Tagged<T> {
  name: string;
  value: T;
}

export async function* mergeIterators<T>(sources: { name: string; iterable: AsyncIterable<T> }[], signal: AbortSignal): AsyncGenerator<Tagged<T>> {
  const iterators = new Map(sources.map((s) => [s.name, s.iterable[Symbol.asyncIterator]()]));
  const ready: { name: string; result: IteratorResult<T> }[] = [];
  const inFlight = new Set<string>();
  const failed: { error?: unknown; set: boolean } = { set: false };
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const pull = (name: string) => {
    inFlight.add(name);
    iterators.get(name)!.next().then(
      (result) => {
        inFlight.delete(name);
        ready.push({ name, result });
        notify();
      },
      (error: unknown) => {
        inFlight.delete(name);
        if (!failed.set) Object.assign(failed, { error, set: true });
        notify();
      },
    );
  };
  signal.addEventListener('abort', notify);
  let open = iterators.size;
  try {
    for (const name of iterators.keys()) pull(name);
    while (open > 0) {
      if (signal.aborted) throw signal.reason;
      if (failed.set) throw failed.error;
      const step = ready.shift();
      if (!step) {
        await new Promise<void>((resolve) => { wake = resolve; });
        continue;
      }
      if (step.result.done) {
        open--;
        continue;
      }
      yield { name: step.name, value: step.result.value };
      pull(step.name);
    }
  } finally {
    signal.removeEventListener('abort', notify);
    // Release the sink iterators; pulls still in flight settle when the pipeline stops.
    for (const it of iterators.values()) void it.return?.()?.catch(() => undefined);
  }
}
