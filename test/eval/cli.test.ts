import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evalMot, evalTrack } from '../../src/cli/eval';
import { formatMotCsv, parseMotCsv, readMotCsv, type MotRow } from '../../src/eval/mot';
import { detections, groundTruth } from '../tracking/synthetic-scene';
import { corruptedResults, expectedFor } from './synthetic-results';

function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'run-cli.ts'), ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cli eval', () => {
  let dir: string;
  /** MOTChallenge layout: <seq>/gt/gt.txt, <seq>/det/det.txt; `eval` names the sequence after <seq>. */
  const file = (seq: string, kind: 'gt' | 'det' | 'res', rows: MotRow[]) => {
    const p = kind === 'res' ? path.join(dir, 'res', `${seq}.txt`) : path.join(dir, seq, kind, `${kind}.txt`);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, formatMotCsv(rows));
    return p;
  };
  const gt = groundTruth({ frames: 20, objects: 3 });
  // A detector with jitter, misses and clutter, on a scene where objects enter late (tracks must start mid-way).
  const scene = { frames: 60, objects: 6, seed: 5, jitterPx: 2, missRate: 0.1, lowScoreRate: 0.1, clutterPerFrame: 0.5 };
  const sceneGt = groundTruth(scene);
  const sceneDet = detections(sceneGt, scene);

  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-cli-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('eval mot prints the table with each sequence and an OVERALL row (hand-computed numbers)', () => {
    const e = expectedFor(gt);
    const out = evalMot({
      gt: [file('SYN-A', 'gt', gt), file('SYN-B', 'gt', gt)],
      res: [file('SYN-A', 'res', corruptedResults(gt)), file('SYN-B', 'res', gt.map((r) => ({ ...r, id: r.id + 100 })))],
      minIou: 0.5,
    });
    const lines = out.trim().split('\n');
    assert.match(lines[0], /IDF1\s+IDP\s+IDR.*MOTA\s+MOTP/);
    assert.match(lines[1], new RegExp(`^SYN-A\\s+${e.idf1.toFixed(6)} .* ${e.mota.toFixed(6)} ${e.motp.toFixed(6)}$`));
    assert.match(lines[2], /^SYN-B\s+1\.000000 1\.000000 1\.000000 .* 1\.000000 0\.000000$/);
    const n = gt.length;
    const overallMota = 1 - (e.fn + e.fp + e.idsw) / (2 * n);
    assert.match(lines[3], new RegExp(`^OVERALL .* ${overallMota.toFixed(6)} `));
  });

  it('eval track writes MOT CSV results that score the same through eval mot', () => {
    const out = path.join(dir, 'res', 'SCENE.txt');
    const det = file('SCENE', 'det', sceneDet);
    const gtFile = file('SCENE', 'gt', sceneGt);
    const stdout = evalTrack({ det, gt: gtFile, out, minIou: 0.5, box: 'detection', tracker: {} });
    const mota = Number(/^MOTA (\S+)$/m.exec(stdout)?.[1]);
    const idsw = Number(/^IDSW (\S+)$/m.exec(stdout)?.[1]);
    // Objects never overlap, so every error is a missed or unconfirmed detection: MOTA cannot exceed the detector's
    // recall (low-score boxes included: the second association uses them), and the tracker must not swap identities.
    const recall = sceneDet.filter((d) => d.x < 1300).length / sceneGt.length;
    assert.ok(mota > 0 && mota <= recall + 1e-9, `MOTA ${mota} vs detector recall ${recall}`);
    assert.equal(idsw, 0);
    const rows = readMotCsv(out);
    assert.ok(rows.every((r) => r.x < 1300), 'clutter (0.5 mean per frame, far away, random) never became a confirmed track');
    assert.equal(new Set(rows.map((r) => r.id)).size, scene.objects);
    const table = evalMot({ gt: [gtFile], res: [out], minIou: 0.5 });
    assert.ok(table.includes(mota.toFixed(6)), table);
  });

  it('eval track without --gt or --out prints the CSV', () => {
    const stdout = evalTrack({ det: file('SCENE2', 'det', sceneDet), minIou: 0.5, box: 'filtered', tracker: { trackThresh: 0.6 } });
    const rows = parseMotCsv(stdout);
    assert.ok(rows.length > sceneGt.length / 2, `${rows.length} rows`);
    assert.ok(rows.every((r) => r.frame >= 1 && r.frame <= scene.frames && r.id >= 1 && r.w > 0));
  });

  it('the CLI prints MOTA/IDF1 lines and reports bad input in one line', () => {
    const ok = runCli(['eval', 'track', '--det', file('SCENE3', 'det', sceneDet), '--gt', file('SCENE3', 'gt', sceneGt), '--frame-rate', '25']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^MOTA 0\.\d{6}$/m);
    assert.match(ok.stdout, /^IDF1 0\.\d{6}$/m);
    const bad = runCli(['eval', 'mot', '--gt', '/nonexistent/gt.txt', '--res', file('SCENE3', 'res', sceneGt)]);
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr.trim(), 'video-agent: cannot read MOT file /nonexistent/gt.txt: ENOENT');
  });
});
