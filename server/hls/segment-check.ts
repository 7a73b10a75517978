import type { ParsedSegment } from './playlist.ts';

/** Bytes in one MPEG-TS packet. */
const TS_PACKET_BYTES = 188;
/** The byte every MPEG-TS packet starts with. */
const TS_SYNC_BYTE = 0x47;

/**
 * True when `bytes` is a whole MPEG-TS file: at least one packet, whole packets only, each starting with the
 * sync byte. ffmpeg does not stop when a write fails (disk full): it renames empty or cut-off segments into
 * place and lists them, so the supervisor checks every segment before listing it.
 */
export function isCompleteTransportStream(bytes: Uint8Array): boolean {
  if (bytes.length === 0 || bytes.length % TS_PACKET_BYTES !== 0) return false;
  for (let i = 0; i < bytes.length; i += TS_PACKET_BYTES) if (bytes[i] !== TS_SYNC_BYTE) return false;
  return true;
}

/**
 * What the scanner does next with segment `<index>.ts` of a run: `wait` until every rung lists it, `ready`
 * to read it, or `lost` when some rung's rolling list has moved past it without it (its writes failed).
 */
export type ScanStep = { kind: 'wait' } | { kind: 'ready'; durations: number[] } | { kind: 'lost' };

/** Decides the scanner's next step from every rung's private playlist. */
export function nextScanStep(lists: ReadonlyArray<readonly ParsedSegment[]>, index: number): ScanStep {
  const file = `${index}.ts`;
  const found = lists.map((list) => list.find((seg) => seg.uri === file));
  if (found.every((seg) => seg !== undefined)) return { kind: 'ready', durations: found.map((seg) => seg!.duration) };
  const passed = lists.some((list, i) => !found[i] && list.length > 0 && list.every((seg) => segmentNumber(seg.uri) > index));
  return passed ? { kind: 'lost' } : { kind: 'wait' };
}

/** The number in ffmpeg's `<n>.ts` segment names (NaN for anything else). */
function segmentNumber(uri: string): number {
  const m = /^(\d+)\.ts$/.exec(uri);
  return m ? Number(m[1]) : Number.NaN;
}
