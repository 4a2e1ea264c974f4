/**
 * TCP fixtures for reliability tests, served by the test process itself on 127.0.0.1:
 * - a proxy that forwards until stall() and then keeps every connection open without forwarding a
 *   byte (a camera behind a dead network: TCP stays up, nothing answers);
 * - a blackhole that accepts connections and never answers (an unreachable RTSP camera).
 */
import net from 'node:net';

export interface TcpFixture {
  port: number;
  close(): Promise<void>;
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

export async function blackhole(): Promise<TcpFixture> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('data', () => undefined); // read and ignore: the request is never answered
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  return { port: await listen(server), close: closer(server, sockets) };
}

export interface StallingProxy extends TcpFixture {
  /** From now on nothing is forwarded in either direction; connections stay open. */
  stall(): void;
}

export async function stallingProxy(targetPort: number): Promise<StallingProxy> {
  const sockets = new Set<net.Socket>();
  let stalled = false;
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    track(client);
    track(upstream);
    client.on('data', (d) => { if (!stalled) upstream.write(d); });
    upstream.on('data', (d) => { if (!stalled) client.write(d); });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => { if (!stalled) client.destroy(); });
  });
  const port = await listen(server);
  return { port, stall: () => { stalled = true; }, close: closer(server, sockets) };
}
