import type { Job, VideoRepository } from '../db/video-repository.ts';
import type { Logger } from '../log.ts';

/** Runs queued packaging jobs from the database, `concurrency` at a time. */
export interface JobQueue {
  /** Re-queues jobs a previous process left running, then starts polling. */
  start(): void;
  /** Looks for work now (after a job was queued). */
  kick(): void;
  /** Stops running jobs (their ffmpeg by PID); they stay queued for the next start. */
  stop(): Promise<void>;
  /** Ends a video's packaging before it is deleted: its queued jobs are dropped, its running ones stopped; resolves once they have ended. */
  cancel(videoId: string): Promise<void>;
}

/** Runs one job; rejects with a message fit for the operator. */
export type JobRunner = (job: Job, onProgress: (p: number) => void, signal: AbortSignal) => Promise<void>;

/** The abort reason of a job stopped because its video is being deleted (a stop of the origin aborts with none). */
const CANCELLED = 'cancelled';

/** Builds the queue. Jobs live in SQLite, so a crash or restart never loses one: a running job whose heartbeat stops is queued again. */
export function createJobQueue(deps: { videos: VideoRepository; run: JobRunner; concurrency: number; log: Logger; now: () => number; pollMs?: number; staleMs?: number }): JobQueue {
  const running = new Map<string, { videoId: string; controller: AbortController; done: Promise<void> }>();
  const staleMs = deps.staleMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;

  const launch = (job: Job): void => {
    const controller = new AbortController();
    let progress = 0;
    const beat = setInterval(() => deps.videos.progress(job.id, progress, deps.now()), Math.min(5000, staleMs / 3));
    deps.log.info('packaging job started', { job: job.id, video: job.videoId });
    const done = deps
      .run(job, (p) => {
        progress = p;
        deps.videos.progress(job.id, p, deps.now());
      }, controller.signal)
      .then(
        () => {
          deps.videos.finish(job.id, {}, deps.now());
          deps.log.info('packaging job done', { job: job.id, video: job.videoId });
        },
        (e: Error) => {
          if (controller.signal.reason === CANCELLED) {
            deps.videos.finish(job.id, { error: 'cancelled: the video was deleted' }, deps.now());
            return deps.log.info('packaging job cancelled: its video is being deleted', { job: job.id, video: job.videoId });
          }
          if (stopping) return; // left running: the next start queues it again
          deps.videos.finish(job.id, { error: e.message }, deps.now());
          deps.log.error('packaging job failed', { job: job.id, video: job.videoId, error: e.message });
        },
      )
      .finally(() => {
        clearInterval(beat);
        running.delete(job.id);
        if (!stopping) poll();
      });
    running.set(job.id, { videoId: job.videoId, controller, done });
  };

  const poll = (): void => {
    if (stopping) return;
    deps.videos.requeueStale(deps.now() - staleMs, deps.now());
    while (running.size < deps.concurrency) {
      const job = deps.videos.claimNext(deps.now());
      if (!job) break;
      launch(job);
    }
  };

  return {
    start() {
      const requeued = deps.videos.requeueStale(deps.now() + 1, deps.now());
      if (requeued > 0) deps.log.info('re-queued packaging jobs interrupted by the last stop', { jobs: requeued });
      timer = setInterval(poll, deps.pollMs ?? 1000);
      timer.unref();
      poll();
    },
    kick: poll,
    async stop() {
      stopping = true;
      clearInterval(timer);
      for (const { controller } of running.values()) controller.abort();
      await Promise.all([...running.values()].map((r) => r.done));
    },
    async cancel(videoId) {
      deps.videos.unqueue(videoId);
      const mine = [...running.values()].filter((r) => r.videoId === videoId);
      for (const r of mine) r.controller.abort(CANCELLED);
      await Promise.all(mine.map((r) => r.done));
    },
  };
}
