import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { VideoAgentError } from '../errors';
import { evaluateSequence, formatMotCsv, formatMotTable, readMotCsv, withOverall, type SequenceResult } from '../eval/mot';
import { trackSequence } from '../eval/track-sequence';
import type { ByteTrackConfigInput } from '../tracking';

/** Sequence name for a MOTChallenge file: `<seq>/gt/gt.txt` and `<seq>/det/det.txt` name `<seq>`. */
function sequenceName(file: string): string {
  const dir = path.dirname(path.resolve(file));
  const base = path.basename(dir);
  return base === 'gt' || base === 'det' ? path.basename(path.dirname(dir)) : base;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function number(name: string, integer = false) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`${name} must be ${integer ? 'an integer' : 'a number'}`);
    }
    return n;
  };
}

export interface EvalMotOptions {
  gt: string[];
  res: string[];
  minIou: number;
}

/** `eval mot`: the metrics table for one or more (gt, res) pairs, with OVERALL when several. */
export function evalMot(opts: EvalMotOptions): string {
  if (opts.gt.length !== opts.res.length) {
    throw new VideoAgentError('E_BAD_ARGS', `give one --res per --gt (got ${opts.gt.length} --gt and ${opts.res.length} --res)`);
  }
  const results = opts.gt.map((gt, i) => evaluateSequence(sequenceName(gt), readMotCsv(gt), readMotCsv(opts.res[i]), { minIou: opts.minIou }));
  return formatMotTable(withOverall(results));
}

/** Plain `KEY value` lines, easy to grep in CI logs and scripts. */
export function metricLines(r: SequenceResult): string {
  const m = r.metrics;
  const f = (v: number) => (Number.isNaN(v) ? 'nan' : v.toFixed(6));
  return [
    `MOTA ${f(m.mota)}`,
    `MOTP ${f(m.motp)}`,
    `IDF1 ${f(m.idf1)}`,
    `IDP ${f(m.idp)}`,
    `IDR ${f(m.idr)}`,
    `FP ${m.numFalsePositives}`,
    `FN ${m.numMisses}`,
    `IDSW ${m.numSwitches}`,
    `FM ${m.numFragmentations}`,
    `MT ${m.mostlyTracked}`,
    `PT ${m.partiallyTracked}`,
    `ML ${m.mostlyLost}`,
  ].join('\n') + '\n';
}

export interface EvalTrackOptions {
  det: string;
  gt?: string;
  out?: string;
  minIou: number;
  box: 'detection' | 'filtered';
  tracker: ByteTrackConfigInput;
}

/** `eval track`: ByteTrack over det.txt; returns what goes to stdout (CSV when neither --out nor --gt). */
export function evalTrack(opts: EvalTrackOptions): string {
  const detRows = readMotCsv(opts.det);
  const gtRows = opts.gt ? readMotCsv(opts.gt) : undefined;
  // Run through the last ground-truth frame too, so trailing frames without detections still count.
  const lastFrame = [...detRows, ...(gtRows ?? [])].reduce((m, r) => Math.max(m, r.frame), 0);
  const rows = trackSequence(detRows, { tracker: opts.tracker, box: opts.box, lastFrame });
  const csv = formatMotCsv(rows);
  let stdout = '';
  if (opts.out) {
    try {
      fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
      fs.writeFileSync(opts.out, csv);
    } catch (err) {
      throw new VideoAgentError('E_WRITE_FAILED', `cannot write ${opts.out}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  } else if (!gtRows) {
    stdout += csv;
  }
  if (gtRows) {
    const r = evaluateSequence(sequenceName(opts.det), gtRows, rows, { minIou: opts.minIou });
    stdout += formatMotTable([r]) + metricLines(r);
  }
  return stdout;
}

export function registerEval(program: Command): void {
  const cmd = program.command('eval').description('Evaluate tracking against MOTChallenge ground truth');

  cmd
    .command('mot')
    .description('CLEAR MOT + identity metrics (py-motmetrics semantics) of tracker results against ground truth')
    .requiredOption('--gt <file>', 'ground truth, MOTChallenge CSV (repeatable)', collect, [])
    .requiredOption('--res <file>', 'tracker results, MOTChallenge CSV (repeatable, one per --gt)', collect, [])
    .option('--min-iou <x>', 'IoU a match needs', number('--min-iou'), 0.5)
    .action((o: { gt: string[]; res: string[]; minIou: number }) => {
      process.stdout.write(evalMot(o));
    });

  cmd
    .command('track')
    .description('Run ByteTrack over a MOTChallenge det.txt; write MOT CSV results and, with --gt, print metrics')
    .requiredOption('--det <file>', 'detections, MOTChallenge CSV (frame,-1,x,y,w,h,score,...)')
    .option('--gt <file>', 'ground truth to score against')
    .option('--out <file>', 'write results here (default: stdout, unless --gt is given)')
    .option('--min-iou <x>', 'IoU a match needs', number('--min-iou'), 0.5)
    .option('--box <kind>', 'box to write: detection | filtered (Kalman, as the reference)', 'detection')
    .option('--track-thresh <x>', 'high-score threshold', number('--track-thresh'), 0.5)
    .option('--match-thresh <x>', 'first-association cost gate', number('--match-thresh'), 0.8)
    .option('--track-buffer <n>', 'frames a lost track is kept (at 30 fps)', number('--track-buffer', true), 30)
    .option('--frame-rate <fps>', 'sequence frame rate', number('--frame-rate'), 30)
    .option('--no-fuse-score', 'do not weight IoU by detection score')
    .action((o: { det: string; gt?: string; out?: string; minIou: number; box: string; trackThresh: number; matchThresh: number; trackBuffer: number; frameRate: number; fuseScore: boolean }) => {
      if (o.box !== 'detection' && o.box !== 'filtered') throw new VideoAgentError('E_BAD_ARGS', `--box must be detection or filtered, got ${o.box}`);
      process.stdout.write(
        evalTrack({
          det: o.det,
          gt: o.gt,
          out: o.out,
          minIou: o.minIou,
          box: o.box,
          tracker: { trackThresh: o.trackThresh, matchThresh: o.matchThresh, trackBuffer: o.trackBuffer, frameRate: o.frameRate, fuseScore: o.fuseScore },
        }),
      );
    });
}
