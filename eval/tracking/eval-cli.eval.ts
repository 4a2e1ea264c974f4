import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evalMot, evalTrack } from '../../src/cli/eval';
import { parseMotCsv, readMotCsv } from '../../src/eval/mot';
import { sharedEvalPath } from '../../src/eval/shared-data';

const tud = (seq: string, file: string) => sharedEvalPath('motmetrics_tud', 'upstream', 'motmetrics', 'data', seq, file);
const det = (seq: string) => sharedEvalPath('sort_mot15_dets', seq, 'det.txt');

function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'test', 'eval', 'run-cli.ts'), ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('eval: `video-agent eval` on MOT15 (motmetrics_tud, sort_mot15_dets)', () => {
  it('eval mot prints the py-motmetrics TUD numbers with an OVERALL row', () => {
    const out = evalMot({ gt: [tud('TUD-Campus', 'gt.txt'), tud('TUD-Stadtmitte', 'gt.txt')], res: [tud('TUD-Campus', 'test.txt'), tud('TUD-Stadtmitte', 'test.txt')], minIou: 0.5 });
    const lines = out.trim().split('\n');
    assert.match(lines[0], /IDF1\s+IDP\s+IDR.*MOTA\s+MOTP/);
    assert.match(lines[1], /^TUD-Campus\s+0\.557659 .* 0\.526462 0\.277201$/);
    assert.match(lines[3], /^OVERALL\s+0\.624296 /);
  });

  it('ByteTrack on SORT\'s TUD-Campus detections is in SORT\'s league (published MOTA 62.7), and its file scores the same', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-track-'));
    const out = path.join(dir, 'res', 'TUD-Campus.txt');
    const stdout = evalTrack({ det: det('TUD-Campus'), gt: tud('TUD-Campus', 'gt.txt'), out, minIou: 0.5, box: 'detection', tracker: {} });
    const mota = Number(/^MOTA (\S+)$/m.exec(stdout)?.[1]);
    const idf1 = Number(/^IDF1 (\S+)$/m.exec(stdout)?.[1]);
    assert.ok(mota > 0.5 && mota < 1, `MOTA ${mota}`);
    assert.ok(idf1 > 0.5 && idf1 < 1, `IDF1 ${idf1}`);
    const rows = readMotCsv(out);
    assert.ok(rows.length > 200);
    assert.ok(new Set(rows.map((r) => r.id)).size >= 8);
    const table = evalMot({ gt: [tud('TUD-Campus', 'gt.txt')], res: [out], minIou: 0.5 });
    assert.ok(table.includes(mota.toFixed(6)), table);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('eval track without --gt or --out prints the CSV', () => {
    const stdout = evalTrack({ det: det('TUD-Campus'), minIou: 0.5, box: 'filtered', tracker: { trackThresh: 0.6 } });
    const rows = parseMotCsv(stdout);
    assert.ok(rows.length > 200 && rows.every((r) => r.frame >= 1 && r.id >= 1 && r.w > 0));
  });

  it('the CLI prints MOTA/IDF1 lines for TUD-Stadtmitte', () => {
    const ok = runCli(['eval', 'track', '--det', det('TUD-Stadtmitte'), '--gt', tud('TUD-Stadtmitte', 'gt.txt'), '--frame-rate', '25']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^MOTA 0\.\d{6}$/m);
    assert.match(ok.stdout, /^IDF1 0\.\d{6}$/m);
  });
});
