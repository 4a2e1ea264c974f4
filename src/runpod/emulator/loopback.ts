import net from 'node:net';
import { VideoAgentError } from '../../errors';

/** The emulator has no real auth story and runs local models: it only ever binds a loopback address. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  if (net.isIPv6(host)) return host === '::1';
  return false;
}

export function assertLoopback(host: string): void {
  if (!isLoopback(host)) {
    throw new VideoAgentError('E_EMULATOR_NOT_LOOPBACK', `the RunPod emulator only binds loopback addresses (127.0.0.1, ::1, localhost), not "${host}"`);
  }
}
