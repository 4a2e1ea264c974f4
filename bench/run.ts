/**
 * `npm run bench [-- --quick] [--only a,b]`: runs every bench/<name>/index.ts in its own process (so one
 * benchmark's heap or native state cannot skew the next) and forwards --quick. Each prints its own ratios
 * against a baseline measured in the same run. Other arguments (e.g. soak's --minutes N) pass through to
 * each benchmark; node runs with --expose-gc so a benchmark can force a collection before sampling RSS.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? new Set(args[onlyIdx + 1].split(',')) : null;
const passthrough = args.filter((a, i) => a !== '--only' && (onlyIdx < 0 || i !== onlyIdx + 1));

const dir = __dirname;
const names = fs.readdirSync(dir).filter((n) => fs.existsSync(path.join(dir, n, 'index.ts'))).sort();
let failed = 0;
// Ctrl-C reaches the benchmark too (same process group): this process outlives it (the handler keeps
// SIGINT from killing it) so the benchmark can clean up, then stops instead of starting the next one.
process.on('SIGINT', () => undefined);
let interrupted = false;
for (const name of names) {
  if (only && !only.has(name)) continue;
  console.log(`\n===== bench/${name}${quick ? ' (quick)' : ''} =====`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(dir, name, 'index.ts'), ...passthrough], { stdio: 'inherit', env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' } });
  if (r.status !== 0) { failed++; console.log(`bench/${name} failed (exit ${r.status ?? r.signal})`); }
  if (r.status === 130 || r.signal === 'SIGINT') { interrupted = true; break; }
}
process.exit(interrupted ? 130 : failed ? 1 : 0);
