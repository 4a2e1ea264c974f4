import fs from 'node:fs';
import type { Command } from 'commander';
import { VideoAgentError } from '../errors';

interface ServeCliOptions { config?: string; host?: string; port?: string; tlsCert?: string; tlsKey?: string }

/** The PEM files of --tls-cert/--tls-key: both or neither; an unreadable one names its flag and path. */
export function readTlsFiles(o: { tlsCert?: string; tlsKey?: string }): { cert: Buffer; key: Buffer } | undefined {
  if (o.tlsCert === undefined && o.tlsKey === undefined) return undefined;
  if (o.tlsCert === undefined || o.tlsKey === undefined) {
    throw new VideoAgentError('E_BAD_ARGS', `--tls-cert and --tls-key go together (${o.tlsCert === undefined ? '--tls-cert' : '--tls-key'} is missing)`, { kind: 'config' });
  }
  const read = (flag: string, file: string) => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new VideoAgentError('E_BAD_ARGS', `cannot read ${flag} ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code ?? 'unreadable'}`, { kind: 'config' });
    }
  };
  return { cert: read('--tls-cert', o.tlsCert), key: read('--tls-key', o.tlsKey) };
}

/**
 * `video-agent serve [--config video-agent.yaml] [--host 127.0.0.1] [--port 8080] [--tls-cert PEM --tls-key PEM]`:
 * the headless multi-stream server (src/server/start-server.ts), over HTTPS/WSS with a certificate.
 * SIGTERM/SIGINT drain and exit 0; a second signal exits at once.
 */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run many streams from a config file with an HTTP + WebSocket API (docs at /docs)')
    .option('--config <file>', 'YAML config (server settings, defaults, streams); see config/examples/')
    .option('--host <host>', 'address to bind (overrides server.host; non-loopback needs VIDEO_AGENT_API_KEY)')
    .option('--port <port>', 'port to bind (overrides server.port; 0 = any free port)')
    .option('--tls-cert <path>', 'PEM certificate (chain): serve HTTPS and WSS (with --tls-key)')
    .option('--tls-key <path>', 'PEM private key of --tls-cert')
    .action(async (o: ServeCliOptions) => {
      const tls = readTlsFiles(o);
      const { loadServeConfig } = require('../server/config/load-config') as typeof import('../server/config/load-config');
      const { startServer } = require('../server/start-server') as typeof import('../server/start-server');
      const { config } = loadServeConfig(o.config ?? null);
      if (o.host) config.server.host = o.host;
      if (o.port !== undefined) {
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new VideoAgentError('E_BAD_ARGS', `--port must be an integer 0..65535, got '${o.port}'`);
        config.server.port = port;
      }
      const server = await startServer({ config, tls });
      // One line on stdout that scripts (and the tests) can wait for.
      process.stdout.write(`video-agent serving on ${server.url} (docs: ${server.url}/docs)\n`);
      let stopping = false;
      const onSignal = (sig: string) => {
        if (stopping) { process.stderr.write(`video-agent: ${sig} again, exiting now\n`); process.exit(1); }
        stopping = true;
        process.stderr.write(`video-agent: ${sig}: draining streams and flushing the store…\n`);
        server.close().then(() => {
          // What each stream had ingested when it stopped: all of it is in the database (or the spool).
          for (const v of server.ctx.supervisor.list()) process.stderr.write(`video-agent: stream ${v.id} ${v.state}: ${v.ingest?.frames ?? 0} frames ingested, rows flushed\n`);
          process.exit(0);
        }, (err) => { process.stderr.write(`video-agent: shutdown failed: ${(err as Error).message}\n`); process.exit(1); });
      };
      process.on('SIGTERM', () => onSignal('SIGTERM'));
      process.on('SIGINT', () => onSignal('SIGINT'));
    });
}
