/**
 * Limits on what an RTMP peer can make the ingest hold, and the checks that apply them. node-media-server
 * allocates a message's whole declared length (up to 16 MiB) as soon as its header arrives, on any number
 * of chunk streams, and takes any chunk size; these checks run before it does.
 */

/** Chunk sizes a peer may set: 1 up to the largest message (the spec's useful range); 0 stalls the parser. */
export const CHUNK_SIZE_RANGE = { min: 1, max: 0xffffff } as const;

/** Largest message before a publish is admitted, and from players: commands, even with a signed stream name, are a few KiB. */
export const MAX_COMMAND_BYTES = 64 * 1024;

/** Most bytes of partly received messages a connection may hold before its publish is admitted (and while it plays). */
export const MAX_BUFFERED_BEFORE_PUBLISH = 256 * 1024;

/** Most bytes of partly received messages an admitted publisher may hold: a few of the largest keyframes. */
export const MAX_BUFFERED_PUBLISHING = 64 * 1024 * 1024;

/** Most chunk streams one connection may use (encoders use about five). */
export const MAX_CHUNK_STREAMS = 64;

/** Why a Set Chunk Size is refused, or null when it is fine. */
export function checkChunkSize(size: number): string | null {
  const { min, max } = CHUNK_SIZE_RANGE;
  return Number.isInteger(size) && size >= min && size <= max ? null : `chunk size ${size} outside ${min}..${max}`;
}

/** A message about to be allocated: its declared length, the bytes the connection would then hold, its chunk streams. */
export interface MessageStart {
  length: number;
  buffered: number;
  streams: number;
  publishing: boolean;
}

/** Why a message is refused before its payload is allocated, or null when it is fine. */
export function checkMessage(m: MessageStart): string | null {
  if (m.streams > MAX_CHUNK_STREAMS) return `${m.streams} chunk streams exceed ${MAX_CHUNK_STREAMS}`;
  if (!m.publishing && m.length > MAX_COMMAND_BYTES) return `message of ${m.length} bytes before a publish exceeds ${MAX_COMMAND_BYTES}`;
  const cap = m.publishing ? MAX_BUFFERED_PUBLISHING : MAX_BUFFERED_BEFORE_PUBLISH;
  if (m.buffered > cap) return `${m.buffered} bytes of partial messages exceed ${cap}`;
  return null;
}

/** AMF0's string marker: every command message starts with its name as a string. */
const AMF0_STRING = 0x02;

/** Why a command message is refused before it is decoded (its name is not an AMF0 string), or null. */
export function checkCommand(payload: Buffer, offset: number): string | null {
  return payload.length > offset && payload[offset] === AMF0_STRING ? null : 'a command message that does not start with its name';
}
