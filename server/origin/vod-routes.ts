import type { IncomingMessage } from 'node:http';
import { VIDEO_ID, type Video, type VideoRepository } from '../db/video-repository.ts';
import type { Logger } from '../log.ts';
import type { Verdict } from '../signing/verifier.ts';
import type { Bucket } from '../storage/bucket.ts';
import { VERSION, versionPrefix } from '../storage/vod-keys.ts';
import { capMaxAge, SEGMENT_CACHE } from './cache-policy.ts';
import { setCorsHeaders, type CorsPolicy } from './cors.ts';
import type { RawHandler } from './hls-routes.ts';
import { createGzipCache, writeBytes, writeError, writePlaylist } from './http-reply.ts';
import { splitSafePath } from './safe-path.ts';
import { tokenSecondsLeft, tokenSegments } from '../signing/path-token.ts';
import { writeRefusal } from './signature-gate.ts';

/** Files of a packaged version: playlists (plain and `q/`), segments, the poster. */
const VERSION_FILE = /^(?:(?:q\/)?(?:master|\d{2,4}p)\.m3u8|\d{2,4}p\/\d{1,9}\.ts|poster\.jpg)$/;
/** Names below `/vod/<id>/` that redirect to the current version. */
const CURRENT_FILE = /^(?:(?:q\/)?(?:master|\d{2,4}p)\.m3u8|poster\.jpg)$/;

/** What the VOD routes need. */
export interface VodRouteDeps {
  readonly videos: VideoRepository;
  readonly bucket: Bucket;
  /** True when the video's HLS needs a valid signature (paid, and the origin enforces). */
  readonly requiresSignature: (video: Video) => boolean;
  readonly checkSignature: (req: IncomingMessage) => Verdict;
  readonly cors: CorsPolicy;
  readonly log: Logger;
  /** Notes a viewer's segment request (viewers now). */
  readonly seen?: (videoId: string, req: IncomingMessage) => void;
}

/** The file a path below `/vod/<id>/` names, and whether it names a content version (`<version>/<file>`). */
function vodFile(rest: readonly string[]): { versioned: boolean; file: string } {
  const versioned = rest.length > 1 && VERSION.test(rest[0]!);
  return { versioned, file: (versioned ? rest.slice(1) : rest).join('/') };
}

/** Public files need no signature and may be read by any site: a free video's files, and every poster (the catalog shows them). */
const isPublicVodFile = (video: Video, file: string): boolean => video.priceCents === 0 || file === 'poster.jpg';

/** Whether a VOD path (split by splitSafePath) is public. */
export function isPublicVodPath(videos: Pick<VideoRepository, 'get'>): (parts: readonly string[]) => boolean {
  return ([, id, ...after]) => {
    const video = id !== undefined && VIDEO_ID.test(id) ? videos.get(id) : undefined;
    return video !== undefined && isPublicVodFile(video, vodFile(tokenSegments(after).rest).file);
  };
}

/**
 * VOD HLS from the bucket. `/vod/<id>/<version>/…` is immutable (the version is a hash of the source
 * bytes), cached for a year; `/vod/<id>/master.m3u8` (and `q/master.m3u8`, `poster.jpg`) redirect to the
 * current version, keeping the raw query so a signed URL stays signed. Posters are public (the catalog
 * shows them); everything else of a paid video needs a signature.
 */
export function createVodHandler(deps: VodRouteDeps): RawHandler {
  const gzip = createGzipCache();
  return async (req, res) => {
    const [rawPath, ...rawQuery] = req.url!.split('?');
    const parts = splitSafePath(rawPath!);
    if (!parts) return writeError(res, 400, 'bad_path', 'the path is not a valid HLS path');
    const [, videoId, ...after] = parts;
    // `s/<token>/…`: the signature in the path (path-token.ts), checked here even behind a CDN, which cannot
    const { token, rest } = tokenSegments(after);
    const video = videoId && VIDEO_ID.test(videoId) ? deps.videos.get(videoId) : undefined;
    if (!video) return writeError(res, 404, 'not_found', 'no such video');
    const { versioned, file } = vodFile(rest);
    const isPublic = isPublicVodFile(video, file);
    const cors = deps.cors.headers(req.headers.origin, isPublic);
    setCorsHeaders(res, cors);
    if (!isPublic && (deps.requiresSignature(video) || (token !== undefined && video.priceCents > 0))) {
      const verdict = deps.checkSignature(req);
      if (!verdict.ok) return writeRefusal(res, verdict);
    }
    const ttl = token === undefined || video.priceCents === 0 || isPublic ? undefined : tokenSecondsLeft(token, Date.now());
    if (!versioned) {
      if (!CURRENT_FILE.test(file)) return writeError(res, 404, 'not_found', 'no such file');
      if (!video.version) return writeError(res, 404, 'not_ready', 'the video is still being packaged');
      const query = rawQuery.length > 0 ? `?${rawQuery.join('?')}` : '';
      res.writeHead(302, { 'cache-control': capMaxAge('public, max-age=10', ttl), location: `/vod/${video.id}/${token === undefined ? '' : `s/${token}/`}${video.version}/${file}${query}`, 'content-length': 0 });
      return void res.end();
    }
    const version = rest[0]!;
    if (!VERSION_FILE.test(file) || !deps.videos.hasVersion(video.id, version)) return writeError(res, 404, 'not_found', 'no such file');
    const bytes = await deps.bucket.get(`${versionPrefix(video.id, version)}/${file}`);
    if (!bytes) return writeError(res, 404, 'not_found', 'no such file');
    const etag = `"${version}-${file.replace(/\//g, '-')}"`;
    const cache = capMaxAge(SEGMENT_CACHE, ttl);
    if (file.endsWith('.m3u8')) return writePlaylist(req, res, { text: bytes.toString('utf8'), etag }, cache, gzip, cors);
    if (file.endsWith('.ts')) deps.seen?.(video.id, req);
    writeBytes(req, res, bytes, etag, file.endsWith('.ts') ? 'video/mp2t' : 'image/jpeg', cache);
  };
}
