/** Job records and their public view, exactly the fields the contract's responses carry. */
export type JobStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT';
export const FINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);

export interface JobPolicy {
  executionTimeoutMs: number;
  ttlMs: number;
}

export interface Job {
  id: string;
  input: unknown;
  mode: 'run' | 'runsync';
  status: JobStatus;
  policy: JobPolicy;
  createdAt: number;
  /** Absolute TTL deadline (epoch ms): the job is deleted then, even mid-run. */
  ttlDeadline: number;
  /** Set once final: deleted after the mode's retention. */
  retainUntil?: number;
  startedAt?: number;
  finishedAt?: number;
  workerId?: string;
  output?: unknown;
  hasOutput: boolean;
  error?: unknown;
  /** Outputs a generator handler yielded so far, in order; /stream hands each out once from `streamRead`. */
  stream: unknown[];
  streamRead: number;
  /** Incremented on every (re)start so a stale handler result cannot overwrite a retried job. */
  attempt: number;
  stuck: boolean;
  abort?: AbortController;
  execTimer?: NodeJS.Timeout;
  waiters: Set<() => void>;
}

export interface JobView {
  id: string;
  status: JobStatus;
  delayTime?: number;
  executionTime?: number;
  workerId?: string;
  output?: unknown;
  error?: unknown;
}

export function viewOf(job: Job): JobView {
  const v: JobView = { id: job.id, status: job.status };
  if (job.startedAt !== undefined) {
    v.delayTime = job.startedAt - job.createdAt;
    if (job.workerId) v.workerId = job.workerId;
  }
  if (job.finishedAt !== undefined && job.startedAt !== undefined) v.executionTime = job.finishedAt - job.startedAt;
  if (job.hasOutput) v.output = job.output;
  if (job.error !== undefined) v.error = job.error;
  return v;
}

/** A /stream answer: the chunks not yet read, oldest first (each read consumes them, as RunPod's does). */
export interface StreamView {
  status: JobStatus;
  stream: { output: unknown }[];
}
