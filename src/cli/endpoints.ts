import type { Command } from 'commander';
import { VideoAgentError } from '../errors';
import { MODEL_NAMES, isModelName, type ModelName } from '../runpod/contracts';
import { checkEndpoints, formatChecks } from '../runpod/check';
import { createInference } from '../runpod/local';

/** `video-agent endpoints check [--model m] [--samples n] [--json]`: fixture round-trips with p50/p95 vs targets. */
export function registerEndpoints(program: Command): void {
  const cmd = program.command('endpoints').description('Inspect the configured RunPod endpoints');
  cmd
    .command('check')
    .description('Send a fixture to each configured endpoint, validate the reply, print p50/p95 latency vs targets (yolo<200ms, whisper<500ms, vlm<2s)')
    .option('--model <m>', `one of ${MODEL_NAMES.join(', ')} (default: all)`)
    .option('--samples <n>', 'calls per endpoint', '5')
    .option('--json', 'print JSON')
    .action(async (flags: { model?: string; samples: string; json?: boolean }) => {
      if (flags.model && !isModelName(flags.model)) throw new VideoAgentError('E_BAD_ARGUMENT', `--model must be one of ${MODEL_NAMES.join(', ')}, got '${flags.model}'`);
      const samples = Number(flags.samples);
      if (!Number.isInteger(samples) || samples < 1) throw new VideoAgentError('E_BAD_ARGUMENT', `--samples must be a positive integer, got '${flags.samples}'`);
      const models: ModelName[] = flags.model ? [flags.model as ModelName] : [...MODEL_NAMES];
      const { client, close, local } = await createInference();
      try {
        const rows = await checkEndpoints(client, models, samples);
        if (flags.json) process.stdout.write(`${JSON.stringify({ local, results: rows }, null, 2)}\n`);
        else process.stdout.write(`${local ? 'local emulator (no RUNPOD_API_KEY)' : client.runpod.config.apiBase}\n${formatChecks(rows)}\n`);
        if (rows.some((r) => r.verdict === 'FAIL')) process.exitCode = 1;
      } finally {
        await close();
      }
    });
}
