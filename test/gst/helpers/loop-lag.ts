/** Measures how late an interval timer fires: the event loop's responsiveness while work is in flight. */
export function loopLag(periodMs = 10): { stop(): number } {
  let max = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    max = Math.max(max, now - last - periodMs);
    last = now;
  }, periodMs);
  return {
    stop() {
      clearInterval(timer);
      max = Math.max(max, performance.now() - last - periodMs); // a stall still in progress counts too
      return max;
    },
  };
}
