// One WebSocket to /v1/live per view, reconnecting with backoff; the session cookie authenticates it.
export function connectLive({ streams, topics, onMessage, onState }) {
  let ws = null;
  let closed = false;
  let delay = 500;
  const open = () => {
    const q = new URLSearchParams();
    if (streams?.length) q.set('streams', streams.join(','));
    q.set('topics', topics.join(','));
    ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/live?${q}`);
    ws.onopen = () => { delay = 500; onState?.('open'); };
    ws.onmessage = (e) => { try { onMessage(JSON.parse(e.data)); } catch { /* ignore a bad frame */ } };
    ws.onclose = (e) => {
      onState?.(e.code === 4008 ? 'too slow' : 'closed');
      if (closed) return;
      setTimeout(open, delay);
      delay = Math.min(10_000, delay * 2);
    };
  };
  open();
  return { close() { closed = true; ws?.close(); } };
}
