/**
 * Drills report one row each for `bench/faults` (which runs them with longer outages): a `DRILL {json}`
 * line on stdout when VIDEO_AGENT_DRILL_REPORT is set, nothing otherwise.
 */
export interface DrillRow {
  fault: string;
  /** How long the fault lasted, seconds. */
  durationS: number;
  framesIn: number;
  rowsExpected: number;
  rowsStored: number;
  lost: number;
  duplicated: number;
  /** From the end of the fault to the first result after it, ms (null when not applicable). */
  recoveryMs: number | null;
  note?: string;
}

export function reportDrill(row: DrillRow): void {
  if (process.env.VIDEO_AGENT_DRILL_REPORT) process.stdout.write(`DRILL ${JSON.stringify(row)}\n`);
}
