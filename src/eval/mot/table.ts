/** Renders metrics as the familiar py-motmetrics summary table (ratios as fractions, counts as integers). */
import { deriveMetrics, sumCounts, type MotMetrics } from './metrics';
import type { SequenceResult } from './compare';

interface Column {
  title: string;
  value: (m: MotMetrics) => number;
  ratio: boolean;
}

export const MOT_COLUMNS: readonly Column[] = [
  { title: 'IDF1', value: (m) => m.idf1, ratio: true },
  { title: 'IDP', value: (m) => m.idp, ratio: true },
  { title: 'IDR', value: (m) => m.idr, ratio: true },
  { title: 'Rcll', value: (m) => m.recall, ratio: true },
  { title: 'Prcn', value: (m) => m.precision, ratio: true },
  { title: 'GT', value: (m) => m.numUniqueObjects, ratio: false },
  { title: 'MT', value: (m) => m.mostlyTracked, ratio: false },
  { title: 'PT', value: (m) => m.partiallyTracked, ratio: false },
  { title: 'ML', value: (m) => m.mostlyLost, ratio: false },
  { title: 'FP', value: (m) => m.numFalsePositives, ratio: false },
  { title: 'FN', value: (m) => m.numMisses, ratio: false },
  { title: 'IDs', value: (m) => m.numSwitches, ratio: false },
  { title: 'FM', value: (m) => m.numFragmentations, ratio: false },
  { title: 'MOTA', value: (m) => m.mota, ratio: true },
  { title: 'MOTP', value: (m) => m.motp, ratio: true },
];

/** Adds the OVERALL row (summed counts) when there is more than one sequence. */
export function withOverall(results: readonly SequenceResult[]): SequenceResult[] {
  if (results.length < 2) return [...results];
  const counts = sumCounts(results.map((r) => r.counts));
  return [...results, { name: 'OVERALL', counts, metrics: deriveMetrics(counts) }];
}

export function formatMotTable(rows: readonly SequenceResult[]): string {
  const nameWidth = Math.max(8, ...rows.map((r) => r.name.length));
  const cells = rows.map((r) => MOT_COLUMNS.map((c) => {
    const v = c.value(r.metrics);
    return c.ratio ? (Number.isNaN(v) ? 'nan' : v.toFixed(6)) : String(v);
  }));
  const widths = MOT_COLUMNS.map((c, k) => Math.max(c.title.length, ...cells.map((row) => row[k].length)));
  const line = (name: string, vals: string[]) => [name.padEnd(nameWidth), ...vals.map((v, k) => v.padStart(widths[k]))].join(' ');
  return [line('', MOT_COLUMNS.map((c) => c.title)), ...rows.map((r, i) => line(r.name, cells[i]))].join('\n') + '\n';
}
