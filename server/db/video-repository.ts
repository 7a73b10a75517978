import crypto from 'node:crypto';
import type { Db } from './database.ts';

/** A video as stored; `version` is the published content hash (undefined until first packaged). */
export interface Video {
  readonly id: string;
  readonly sourceKey: string;
  readonly title: string;
  readonly priceCents: number;
  readonly currency: string;
  readonly version: string | undefined;
  readonly durationSec: number | undefined;
  readonly createdAt: number;
  /** Set on a replay: the channel whose show it recorded, and when the show ran (ms). */
  readonly channelId?: string;
  readonly recordedFrom?: number;
  readonly recordedUntil?: number;
}

/** A recorded show, complete in the bucket, ready to be listed. */
export interface ReplayInput {
  readonly id: string;
  readonly channelId: string;
  /** Unique per show (`replay:<channel>/<session>`): publishing the same show twice changes nothing. */
  readonly sourceKey: string;
  readonly title: string;
  readonly priceCents: number;
  readonly currency: string;
  readonly version: string;
  readonly durationSec: number;
  readonly recordedFrom: number;
  readonly recordedUntil: number;
}

/** A packaging job. */
export interface Job {
  readonly id: string;
  readonly videoId: string;
  readonly state: 'queued' | 'running' | 'done' | 'failed';
  readonly progress: number;
  readonly error: string | undefined;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The SQL of videos, their versions and packaging jobs. */
export interface VideoRepository {
  /** The video for a source key, created or updated (title, price) and a new queued job for it, in one transaction. */
  register(input: { sourceKey: string; title: string; priceCents: number | undefined }, now: number): { video: Video; job: Job };
  get(id: string): Video | undefined;
  findBySource(sourceKey: string): Video | undefined;
  list(): Video[];
  hasVersion(videoId: string, version: string): boolean;
  /** Records a complete version and makes it current (the moment it becomes visible). */
  publish(videoId: string, version: string, durationSec: number, now: number): void;
  job(id: string): Job | undefined;
  /** Each video's newest packaging job, by video id. */
  latestJobs(): Map<string, Job>;
  /** How many jobs are in each state. */
  jobCounts(): Record<Job['state'], number>;
  /** Claims the oldest queued job (atomically: one runner per job), or undefined. */
  claimNext(now: number): Job | undefined;
  progress(jobId: string, progress: number, now: number): void;
  finish(jobId: string, outcome: { error?: string }, now: number): void;
  /** Records a replay and its one version (idempotent per show). */
  addReplay(input: ReplayInput, now: number): Video;
  /** Replays, newest first; of one channel when given. */
  replays(channelId?: string): Video[];
  /** Changes a video's title or price. */
  update(id: string, changes: { title?: string; priceCents?: number }): Video | undefined;
  /** Drops a video's queued jobs (before it is deleted: none of them may start); returns how many. */
  unqueue(videoId: string): number;
  /** Forgets a video, its versions and jobs (its files are the caller's to delete first). */
  remove(id: string): void;
  /** Puts running jobs whose runner stopped beating (or every running job, at start-up) back in the queue. */
  requeueStale(olderThan: number, now: number): number;
}

interface VideoRow {
  id: string; source_key: string; title: string; price_cents: number; currency: string; version: string | null; duration_sec: number | null; created_at: number;
  channel_id: string | null; recorded_from: number | null; recorded_until: number | null;
}
interface JobRow { id: string; video_id: string; state: Job['state']; progress: number; error: string | null; created_at: number; updated_at: number }

const toVideo = (r: VideoRow): Video => ({
  id: r.id, sourceKey: r.source_key, title: r.title, priceCents: r.price_cents, currency: r.currency,
  version: r.version ?? undefined, durationSec: r.duration_sec ?? undefined, createdAt: r.created_at,
  ...(r.channel_id !== null ? { channelId: r.channel_id, recordedFrom: r.recorded_from ?? r.created_at, recordedUntil: r.recorded_until ?? r.created_at } : {}),
});
const toJob = (r: JobRow): Job => ({
  id: r.id, videoId: r.video_id, state: r.state, progress: r.progress, error: r.error ?? undefined, createdAt: r.created_at, updatedAt: r.updated_at,
});

/** Video ids: `v_` and 12 hex digits (never a channel name, which has no `_`). */
export const VIDEO_ID = /^v_[0-9a-f]{12}$/;

/** Builds the video repository over an open database. */
export function createVideoRepository(db: Db): VideoRepository {
  const bySource = db.prepare('SELECT * FROM videos WHERE source_key = ?');
  const byId = db.prepare('SELECT * FROM videos WHERE id = ?');
  const all = db.prepare('SELECT * FROM videos ORDER BY created_at, id');
  const insertVideo = db.prepare('INSERT INTO videos (id, source_key, title, price_cents, created_at) VALUES (?, ?, ?, ?, ?)');
  const updateVideo = db.prepare('UPDATE videos SET title = ?, price_cents = COALESCE(?, price_cents) WHERE id = ?');
  const insertJob = db.prepare("INSERT INTO jobs (id, video_id, state, created_at, updated_at) VALUES (?, ?, 'queued', ?, ?)");
  const jobById = db.prepare('SELECT * FROM jobs WHERE id = ?');
  const newestJobs = db.prepare('SELECT * FROM jobs WHERE rowid IN (SELECT max(rowid) FROM jobs GROUP BY video_id)');
  const countJobs = db.prepare('SELECT state, count(*) AS n FROM jobs GROUP BY state');
  const versionExists = db.prepare('SELECT 1 FROM video_versions WHERE video_id = ? AND version = ?');
  const addVersion = db.prepare('INSERT INTO video_versions (video_id, version, duration_sec, published_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
  const setCurrent = db.prepare('UPDATE videos SET version = ?, duration_sec = ? WHERE id = ?');
  const nextQueued = db.prepare("SELECT id FROM jobs WHERE state = 'queued' ORDER BY created_at, id LIMIT 1");
  const claim = db.prepare("UPDATE jobs SET state = 'running', progress = 0, heartbeat_at = ?, updated_at = ? WHERE id = ? AND state = 'queued'");
  const setProgress = db.prepare("UPDATE jobs SET progress = ?, heartbeat_at = ?, updated_at = ? WHERE id = ? AND state = 'running'");
  const setDone = db.prepare("UPDATE jobs SET state = 'done', progress = 1, error = NULL, updated_at = ? WHERE id = ?");
  const setFailed = db.prepare("UPDATE jobs SET state = 'failed', error = ?, updated_at = ? WHERE id = ?");
  const insertReplay = db.prepare(`INSERT INTO videos (id, source_key, title, price_cents, currency, version, duration_sec, created_at, channel_id, recorded_from, recorded_until)
    VALUES (@id, @sourceKey, @title, @priceCents, @currency, @version, @durationSec, @now, @channelId, @recordedFrom, @recordedUntil) ON CONFLICT (source_key) DO NOTHING`);
  const replaysAll = db.prepare('SELECT * FROM videos WHERE channel_id IS NOT NULL ORDER BY recorded_from DESC, id');
  const replaysOf = db.prepare('SELECT * FROM videos WHERE channel_id = ? ORDER BY recorded_from DESC, id');
  const setTitle = db.prepare('UPDATE videos SET title = ? WHERE id = ?');
  const setPrice = db.prepare('UPDATE videos SET price_cents = ? WHERE id = ?');
  const deleteVersions = db.prepare('DELETE FROM video_versions WHERE video_id = ?');
  const deleteJobs = db.prepare('DELETE FROM jobs WHERE video_id = ?');
  const deleteQueued = db.prepare("DELETE FROM jobs WHERE video_id = ? AND state = 'queued'");
  const deleteVideo = db.prepare('DELETE FROM videos WHERE id = ?');
  const requeue = db.prepare("UPDATE jobs SET state = 'queued', progress = 0, updated_at = ? WHERE state = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < ?)");
  const getVideo = (id: string): Video | undefined => {
    const r = byId.get(id) as VideoRow | undefined;
    return r && toVideo(r);
  };
  const getJob = (id: string): Job | undefined => {
    const r = jobById.get(id) as JobRow | undefined;
    return r && toJob(r);
  };
  return {
    register: (input, now) =>
      db.transaction(() => {
        const existing = bySource.get(input.sourceKey) as VideoRow | undefined;
        const id = existing?.id ?? `v_${crypto.randomBytes(6).toString('hex')}`;
        if (existing) updateVideo.run(input.title, input.priceCents ?? null, id);
        else insertVideo.run(id, input.sourceKey, input.title, input.priceCents ?? 0, now);
        const jobId = `j_${crypto.randomBytes(6).toString('hex')}`;
        insertJob.run(jobId, id, now, now);
        return { video: getVideo(id)!, job: getJob(jobId)! };
      })(),
    get: getVideo,
    findBySource: (key) => {
      const r = bySource.get(key) as VideoRow | undefined;
      return r && toVideo(r);
    },
    list: () => (all.all() as VideoRow[]).map(toVideo),
    hasVersion: (videoId, version) => versionExists.get(videoId, version) !== undefined,
    publish: (videoId, version, durationSec, now) =>
      db.transaction(() => {
        addVersion.run(videoId, version, durationSec, now);
        setCurrent.run(version, durationSec, videoId);
      })(),
    job: getJob,
    latestJobs: () => new Map((newestJobs.all() as JobRow[]).map((r) => [r.video_id, toJob(r)])),
    jobCounts: () => {
      const counts = { queued: 0, running: 0, done: 0, failed: 0 };
      for (const r of countJobs.all() as Array<{ state: Job['state']; n: number }>) counts[r.state] = r.n;
      return counts;
    },
    claimNext(now) {
      for (;;) {
        const next = nextQueued.get() as { id: string } | undefined;
        if (!next) return undefined;
        if (claim.run(now, now, next.id).changes === 1) return getJob(next.id);
      }
    },
    progress: (jobId, progress, now) => void setProgress.run(progress, now, now, jobId),
    finish: (jobId, outcome, now) => void (outcome.error === undefined ? setDone.run(now, jobId) : setFailed.run(outcome.error, now, jobId)),
    addReplay: (input, now) =>
      db.transaction(() => {
        insertReplay.run({ ...input, now });
        const stored = bySource.get(input.sourceKey) as VideoRow;
        addVersion.run(stored.id, stored.version, stored.duration_sec, now);
        return toVideo(stored);
      })(),
    replays: (channelId) => ((channelId === undefined ? replaysAll.all() : replaysOf.all(channelId)) as VideoRow[]).map(toVideo),
    update: (id, changes) =>
      db.transaction(() => {
        if (changes.title !== undefined) setTitle.run(changes.title, id);
        if (changes.priceCents !== undefined) setPrice.run(changes.priceCents, id);
        return getVideo(id);
      })(),
    unqueue: (videoId) => deleteQueued.run(videoId).changes,
    remove: (id) =>
      db.transaction(() => {
        deleteVersions.run(id);
        deleteJobs.run(id);
        deleteVideo.run(id);
      })(),
    requeueStale: (olderThan, now) => requeue.run(now, olderThan).changes,
  };
}
