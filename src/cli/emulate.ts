import type { Command } from 'commander';
import { VideoAgentError } from '../errors';
import { RunpodEmulator, loadEmulatorConfigFile, type EmulatorConfigInput } from '../runpod/emulator';

/** `video-agent emulate [--port N] [--host 127.0.0.1] [--config file.yaml]`: the local RunPod API until Ctrl-C. */
export function registerEmulate(program: Command): void {
  program
    .command('emulate')
    .description('Serve the RunPod Serverless API on loopback with local CPU models and fault injection')
    .option('--port <n>', 'port (0 = any free port)', '8484')
    .option('--host <addr>', 'loopback address to bind', '127.0.0.1')
    .option('--config <file>', 'YAML: endpoints, backends, faults, timings (see docs/runpod.md)')
    .option('--no-auth', 'accept requests without an API key (default: a random key, printed once)')
    .action(async (flags: { port: string; host: string; config?: string; auth: boolean }) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new VideoAgentError('E_BAD_ARGUMENT', `--port must be 0..65535, got '${flags.port}'`);
      const cfg: EmulatorConfigInput = flags.config ? loadEmulatorConfigFile(flags.config) : {};
      const emulator = new RunpodEmulator({ ...cfg, host: flags.host, port, ...(flags.auth ? {} : { auth: false }) });
      try {
        await emulator.start();
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new VideoAgentError('E_PORT_IN_USE', `port ${port} is already in use: pick another with --port`);
        throw err;
      }
      process.stdout.write(`RunPod emulator on ${emulator.apiBase}\n`);
      for (const [id, ep] of emulator.endpoints) process.stdout.write(`  ${id.padEnd(12)} backend ${ep.config.backend} (${ep.backendKind}), contract ${ep.config.model}\n`);
      // The generated key is shown here once, for the user to copy; it is never logged.
      const key = emulator.generatedKey ? ` RUNPOD_API_KEY=${emulator.apiKey}` : emulator.apiKey ? ' RUNPOD_API_KEY=<the configured key>' : '';
      process.stdout.write(`Use: RUNPOD_API_BASE=${emulator.apiBase}${key}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await emulator.close();
    });
}
