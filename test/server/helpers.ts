/** A real `video-agent serve` child process (the CLI under tsx) and small HTTP/WebSocket clients for it. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import WebSocket from 'ws';
import { openStore } from '../../src/store';
import { requirePostgres } from '../helpers/services';

const ROOT = path.resolve(__dirname, '..', '..');
const ENTRY = path.join(ROOT, 'test', 'ingest', 'helpers', 'cli-entry.ts');

export interface ServeProcess {
  url: string;
  proc: ChildProcess;
  stderr(): string;
  /** Sends `signal` and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A fresh schema on the shared test database, as a DATABASE_URL whose connections use it. */
export async function schemaDatabaseUrl(schema: string): Promise<{ url: string; drop(): Promise<void> }> {
  const base = await requirePostgres();
  const admin = await openStore({ databaseUrl: base, migrate: false });
  await admin.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.pool.query(`CREATE SCHEMA ${schema}`);
  await admin.close();
  const u = new URL(base);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: u.toString(),
    async drop() {
      const a = await openStore({ databaseUrl: base, migrate: false });
      await a.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await a.close();
    },
  };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startServe(opts: { config: string; dir: string; env?: Record<string, string>; args?: string[]; timeoutMs?: number }): Promise<ServeProcess> {
  const cfg = path.join(opts.dir, 'video-agent.yaml');
  fs.writeFileSync(cfg, opts.config);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LOG_LEVEL: process.env.SERVE_LOG_LEVEL ?? 'warn', ...opts.env };
  const proc = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'serve', '--config', cfg, '--port', '0', ...(opts.args ?? [])], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`serve did not start:\n${err}`)); }, opts.timeoutMs ?? 60_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /serving on (http:\/\/\S+)/.exec(out);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
    void exited.then((e) => { clearTimeout(t); reject(new Error(`serve exited (${e.code ?? e.signal}) before serving:\n${err}`)); });
  });
  return {
    url, proc, stderr: () => err,
    async stop(signal = 'SIGTERM', timeoutMs = 60_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited;
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
  };
}

export interface Reply { status: number; headers: Record<string, string | string[] | undefined>; text: string; json: any }

export async function api(base: string, method: string, p: string, opts: { key?: string; body?: unknown; raw?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  let body: string | Buffer | undefined;
  if (opts.raw !== undefined) { body = opts.raw; headers['content-type'] ??= 'application/json'; }
  else if (opts.body !== undefined) { body = JSON.stringify(opts.body); headers['content-type'] = 'application/json'; }
  const res = await request(new URL(p, base), { method: method as 'GET', headers, body });
  const buf = Buffer.from(await res.body.arrayBuffer());
  const text = buf.toString();
  let json: unknown = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.statusCode, headers: res.headers, text, json };
}

export async function apiBytes(base: string, p: string, key?: string): Promise<{ status: number; type: string; body: Buffer }> {
  const res = await request(new URL(p, base), { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: res.statusCode, type: String(res.headers['content-type']), body: Buffer.from(await res.body.arrayBuffer()) };
}

/** A WebSocket client that records every message. */
export interface LiveClient { messages: any[]; ws: WebSocket; closed: Promise<{ code: number; reason: string }>; close(): void }

export function live(base: string, query: string, key?: string): Promise<LiveClient> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/live${query}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const messages: any[] = [];
  ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString() })));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ messages, ws, closed, close: () => ws.close() }));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}

export async function waitFor<T>(fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The CLI once (not serve), with a clean environment plus `env`. */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LOG_LEVEL: 'silent' };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`timed out: ${args.join(' ')}`)); }, timeoutMs);
    child.on('close', (code) => { clearTimeout(t); resolve({ code, stdout, stderr }); });
  });
}
