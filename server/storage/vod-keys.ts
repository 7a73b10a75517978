/** The bucket folder of one video's versions, published or not (with its trailing slash). */
export const videoPrefix = (videoId: string): string => `vod/${videoId}/`;

/** The bucket folder of one packaged version (VOD and replays alike). */
export const versionPrefix = (videoId: string, version: string): string => `${videoPrefix(videoId)}${version}`;

/** Content versions: 16 hex digits (a VOD's are the first of its source bytes' SHA-256). */
export const VERSION = /^[0-9a-f]{16}$/;

/** The content type each file of a version is stored with. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = { '.m3u8': 'application/vnd.apple.mpegurl', '.ts': 'video/mp2t', '.jpg': 'image/jpeg' };
