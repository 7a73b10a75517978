import { retryable, type Api } from './api.ts';
import type { Scope } from './scope.ts';
import type { Job } from './types.ts';

/** How often a packaging job is asked about, in ms. */
const JOB_MS = 1000;

/** Follows a packaging job until it is done or failed (or the page is left), riding out network trouble, calling `seen` with each state; resolves with the last. */
export async function watchJob(api: Api, jobId: string, scope: Scope, seen: (job: Job) => void): Promise<Job | undefined> {
  let job: Job | undefined;
  while (scope.active) {
    try {
      job = await api.get<Job>(`/api/admin/jobs/${encodeURIComponent(jobId)}`);
      seen(job);
      if (job.state === 'done' || job.state === 'failed') return job;
    } catch (e) {
      if (!retryable(e)) throw e; // a dropped answer: ask again on the next turn
    }
    await scope.sleep(JOB_MS);
  }
  return job;
}
