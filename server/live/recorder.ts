import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ReplayInput } from '../db/video-repository.ts';
import type { Rung, SourceInfo } from '../hls/ladder.ts';
import { buildPosterArgs } from '../hls/poster-args.ts';
import { runFfmpeg } from '../hls/transcode-job.ts';
import type { Logger } from '../log.ts';
import type { Bucket } from '../storage/bucket.ts';
import { CONTENT_TYPES, versionPrefix } from '../storage/vod-keys.ts';
import { renderReplayPlaylists, type RecordedSegment } from './replay-playlists.ts';
import type { StoredSegment } from './segment-window.ts';

/** Where replays are listed: the channel they copy title and price from, and the videos table. */
export interface ReplayShelf {
  channel(channelId: string): { title: string; priceCents: number; currency: string } | undefined;
  addReplay(input: ReplayInput, now: number): unknown;
}

/** What the recorder needs. */
export interface RecorderDeps {
  /** Its folder: one subfolder per show being recorded, holding a journal and the segments not yet in the bucket. */
  readonly dir: string;
  readonly bucket: Pick<Bucket, 'moveIn' | 'put'>;
  readonly shelf: ReplayShelf;
  readonly ffmpegPath: string;
  readonly signatureParams: readonly string[];
  readonly log: Logger;
  readonly now: () => number;
}

/** The show a recording belongs to. */
export interface ShowInfo {
  readonly channelId: string;
  readonly sessionId: string;
  readonly rungs: readonly Rung[];
  readonly source: SourceInfo;
}

/** One show being recorded. */
export interface Recording {
  /** Records one listed group (the window's stored segments, every rung): links it, then moves it to the bucket. */
  add(group: readonly StoredSegment[]): void;
  /** The show is over: publishes the replay once everything recorded is in the bucket. */
  finish(): Promise<void>;
}

/** Records every show to the bucket as it goes and publishes each as a replay when it ends. */
export interface Recorder {
  begin(show: ShowInfo): Recording;
  /** Publishes the replays a previous process left unfinished (it stopped or crashed mid-show). */
  recover(): Promise<void>;
}

/** The journal's first line. */
interface Header extends ShowInfo {
  readonly type: 'show';
  readonly videoId: string;
  readonly version: string;
  readonly startedAt: number;
}

const JOURNAL = 'journal.ndjson';

/** Builds the recorder over its folder and the bucket. */
export function createRecorder(deps: RecorderDeps): Recorder {
  const { log } = deps;
  /** Folders of the shows this process is recording: recovery leaves them alone. */
  const active = new Set<string>();

  /** Moves every segment still in a show's folder into the bucket (they are removed from the folder as they go). */
  const upload = async (folder: string, head: Header, seq: number): Promise<void> => {
    const prefix = versionPrefix(head.videoId, head.version);
    for (const rung of head.rungs) {
      const file = path.join(folder, rung.name, `${seq}.ts`);
      if (await exists(file)) await deps.bucket.moveIn(`${prefix}/${rung.name}/${seq}.ts`, file, CONTENT_TYPES['.ts']);
    }
  };

  /** Makes the poster from the first frame (a keyframe) of one recorded segment of the top rung. */
  const poster = async (folder: string, head: Header, segment: string): Promise<void> => {
    const out = path.join(folder, 'poster.jpg');
    await runFfmpeg({ ffmpegPath: deps.ffmpegPath, args: buildPosterArgs(segment, 0, out), log });
    await deps.bucket.moveIn(`${versionPrefix(head.videoId, head.version)}/poster.jpg`, out, CONTENT_TYPES['.jpg']);
  };

  /** Finishes a show from its folder: what is left goes to the bucket, then the playlists, then the catalog entry. */
  const complete = async (folder: string): Promise<void> => {
    const { head, segments } = await readJournal(folder);
    if (!head || segments.length === 0) {
      await fs.rm(folder, { recursive: true, force: true });
      return;
    }
    for (const s of segments) await upload(folder, head, s.seq);
    const prefix = versionPrefix(head.videoId, head.version);
    for (const [file, text] of renderReplayPlaylists(segments, head.rungs, head.source, deps.signatureParams)) {
      await deps.bucket.put(`${prefix}/${file}`, Buffer.from(text), CONTENT_TYPES['.m3u8']);
    }
    const channel = deps.shelf.channel(head.channelId);
    const last = segments.at(-1)!;
    const recordedUntil = Math.round(last.programDateTime + last.duration * 1000);
    deps.shelf.addReplay({
      id: head.videoId,
      channelId: head.channelId,
      sourceKey: `replay:${head.channelId}/${head.sessionId}`,
      title: `${channel?.title ?? head.channelId} – ${showDate(segments[0]!.programDateTime)}`,
      priceCents: channel?.priceCents ?? 0,
      currency: channel?.currency ?? 'usd',
      version: head.version,
      durationSec: Math.round(segments.reduce((t, s) => t + s.duration, 0) * 1000) / 1000,
      recordedFrom: Math.round(segments[0]!.programDateTime),
      recordedUntil,
    }, deps.now());
    await fs.rm(folder, { recursive: true, force: true });
    log.info('replay published', { channel: head.channelId, video: head.videoId, version: head.version, segments: segments.length });
  };

  return {
    begin(show) {
      const startedAt = deps.now();
      const head: Header = {
        type: 'show', ...show, startedAt,
        videoId: `v_${crypto.randomBytes(6).toString('hex')}`,
        version: crypto.createHash('sha256').update(`${show.channelId}/${show.sessionId}/${startedAt}`).digest('hex').slice(0, 16),
      };
      const folder = path.join(deps.dir, `${show.channelId}.${show.sessionId}`);
      active.add(folder);
      let failedAt = 0;
      let posterMade = false;
      const warn = (message: string, e: unknown): void => {
        // a disk or bucket in trouble: say so now and then, not per segment
        if (deps.now() - failedAt < 10_000) return;
        failedAt = deps.now();
        log.warn(message, { channel: show.channelId, error: (e as Error).message });
      };
      let chain: Promise<void> = (async () => {
        await Promise.all(show.rungs.map((r) => fs.mkdir(path.join(folder, r.name), { recursive: true })));
        await fs.writeFile(path.join(folder, JOURNAL), `${JSON.stringify(head)}\n`);
      })().catch((e) => warn('the recording could not start', e));
      const record = async (group: readonly StoredSegment[]): Promise<void> => {
        const first = group[0];
        if (!first || group.length !== show.rungs.length) return;
        try {
          // a hard link costs no copy and keeps the bytes when the live window deletes its own name
          await Promise.all(group.map((seg) => linkOrCopy(seg.path, path.join(folder, seg.rung, `${first.seq}.ts`))));
          const line: RecordedSegment = { seq: first.seq, duration: first.duration, programDateTime: first.programDateTime, discontinuity: first.discontinuity };
          await fs.appendFile(path.join(folder, JOURNAL), `${JSON.stringify(line)}\n`);
        } catch (e) {
          return warn('a segment could not be recorded; the replay will skip it', e);
        }
        if (!posterMade) {
          posterMade = true;
          await poster(folder, head, path.join(folder, show.rungs[0]!.name, `${first.seq}.ts`)).catch((e) => warn('the replay poster could not be made', e));
        }
        // once in the bucket the folder's link is gone; until then it stays, and finishing or recovery moves it
        await upload(folder, head, first.seq).catch((e) => warn('a recorded segment could not be moved to the bucket yet', e));
      };
      return {
        add(group) {
          chain = chain.then(() => record(group));
        },
        async finish() {
          await chain;
          active.delete(folder);
          await complete(folder).catch((e: Error) => log.error('the replay could not be published; it is kept and published at the next start', { channel: show.channelId, error: e.message }));
        },
      };
    },
    async recover() {
      const entries = await fs.readdir(deps.dir).catch(() => [] as string[]);
      for (const name of entries) {
        if (active.has(path.join(deps.dir, name))) continue;
        await complete(path.join(deps.dir, name)).catch((e: Error) => log.error('an unfinished replay could not be published', { folder: name, error: e.message }));
      }
    },
  };
}

/** Reads a show's journal; a last line cut short by a crash is ignored. */
async function readJournal(folder: string): Promise<{ head: Header | undefined; segments: RecordedSegment[] }> {
  const text = await fs.readFile(path.join(folder, JOURNAL), 'utf8').catch(() => '');
  const lines = text.split('\n').flatMap((l) => {
    try {
      return l ? [JSON.parse(l) as Header | RecordedSegment] : [];
    } catch {
      return [];
    }
  });
  const head = lines[0] && 'type' in lines[0] ? lines[0] : undefined;
  return { head, segments: lines.slice(1) as RecordedSegment[] };
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  await fs.link(from, to).catch(async (e: NodeJS.ErrnoException) => {
    if (e.code === 'EEXIST') return;
    if (e.code !== 'EXDEV' && e.code !== 'EPERM') throw e;
    await fs.copyFile(from, to);
  });
}

const exists = (file: string): Promise<boolean> => fs.access(file).then(() => true, () => false);

/** `2026-12-02 19:05 UTC`: when a show started, in its replay's title. */
function showDate(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
