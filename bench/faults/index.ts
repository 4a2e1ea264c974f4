/**
 * bench/faults — the fault drills (test/drills) with their longer settings (PostgreSQL down 60 s, Redis
 * down 30 s, 1,000 corrupted inputs, RTSP down 30 s), as one table: fault, duration, frames in, rows expected, rows
 * stored, lost, duplicated, recovery time. `--quick` runs them at their CI settings.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const quick = process.argv.includes('--quick');
const root = path.resolve(__dirname, '..', '..');
const env = {
  ...process.env, VIDEO_AGENT_DRILL_REPORT: '1',
  ...(quick ? {} : { VIDEO_AGENT_DRILL_INPUTS: '1000', VIDEO_AGENT_DRILL_OUTAGE_MS: '30000' }),
};
// The outage drills read DRILL_OUTAGE_S: PostgreSQL runs at 60 s, Redis at 30 s.
const mocha = (files: string[], extra: Record<string, string> = {}) =>
  spawnSync(process.execPath, [path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--timeout', '900000', ...files], { cwd: root, env: { ...env, ...extra }, encoding: 'utf8', maxBuffer: 64 << 20 });
const runs = [
  mocha(['test/drills/corrupt-inputs.test.ts', 'test/drills/endpoint-faults.test.ts', 'test/drills/rtsp-restart.test.ts', 'test/drills/worker-kill.test.ts']),
  mocha(['test/drills/postgres-outage.test.ts'], quick ? {} : { DRILL_OUTAGE_S: '60' }),
  mocha(['test/drills/redis-outage.test.ts'], quick ? {} : { DRILL_OUTAGE_S: '30' }),
];
const r = { status: runs.every((x) => x.status === 0) ? 0 : 1, stdout: runs.map((x) => x.stdout ?? '').join('\n') };
const rows = (r.stdout ?? '').split('\n').filter((l) => l.startsWith('DRILL ')).map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>);
const cols = ['fault', 'durationS', 'framesIn', 'rowsExpected', 'rowsStored', 'lost', 'duplicated', 'recoveryMs', 'note'];
console.log(`| ${cols.join(' | ')} |`);
console.log(`|${cols.map(() => '---').join('|')}|`);
for (const row of rows) console.log(`| ${cols.map((c) => String(row[c] ?? '-')).join(' | ')} |`);
if (r.status !== 0) {
  console.log((r.stdout ?? '').split('\n').filter((l) => /failing|passing|Error/.test(l)).join('\n'));
  process.exit(1);
}
