// The publisher's clock burnt into a video frame: a grid of 16 × 3 large black/white cells across the top of
// the frame carrying the capture time's low 40 bits (ms) and a CRC-8, so it survives H.264 at low bitrates and
// scaling and a misread frame is rejected rather than counted. `clockPattern` is self-contained (no outer
// references) so that its source can also run in the page (glass-to-glass.ts sends `clockPattern.toString()`).

/** Result of reading the pattern off a frame: the stamp's low 40 bits, or a rejection. */
export type PatternRead = { readonly ok: true; readonly low40: number } | { readonly ok: false };

/** The pattern's geometry and its encoder/decoder; every function works on any frame size with the 640×360 proportions. */
export interface ClockPattern {
  readonly cols: number;
  readonly rows: number;
  /** Lines (of a 360-line frame) the pattern covers from the top. */
  readonly refHeight: number;
  /** The 48 bits for a ms timestamp: its low 40 bits (MSB first), then their CRC-8 (MSB first). */
  bits(stamp: number): boolean[];
  /** The low 40 bits the 48 bits carry, or undefined if the checksum does not match. */
  fromBits(bits: readonly boolean[]): number | undefined;
  /** Paints the pattern into a luma plane (Y=16 black, Y=235 white). */
  paint(y: Uint8Array, width: number, height: number, stamp: number): void;
  /** Reads the pattern from any luma source (0–255, full range) with a 5-point majority per cell. */
  read(luma: (x: number, y: number) => number, width: number, height: number): PatternRead;
  /** The full ms time whose low 40 bits are `low40`, nearest to `nowMs`. */
  reconstruct(low40: number, nowMs: number): number;
}

/** Builds the clock pattern codec (self-contained: its source is evaluated in the page as is). */
export function clockPattern(): ClockPattern {
  const cols = 16;
  const rows = 3;
  const refHeight = 120; // 3 rows of 40 lines in a 360-line frame
  const refFrameHeight = 360;
  const span = 2 ** 40;
  const crc8 = (bytes: number[]): number => {
    let crc = 0xff; // a non-zero start: an all-black frame (all zero bits) does not pass
    for (const b of bytes) {
      crc ^= b;
      for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
    }
    return crc;
  };
  const bytesOf = (low40: number): number[] => [4, 3, 2, 1, 0].map((i) => Math.floor(low40 / 2 ** (8 * i)) % 256);
  const bitsOf = (value: number, count: number): boolean[] => Array.from({ length: count }, (_, i) => Math.floor(value / 2 ** (count - 1 - i)) % 2 === 1);
  const valueOf = (bits: readonly boolean[]): number => bits.reduce((acc, bit) => acc * 2 + (bit ? 1 : 0), 0);
  const cellBox = (i: number, width: number, height: number): { x0: number; y0: number; w: number; h: number } => {
    const w = width / cols;
    const h = (height * refHeight) / refFrameHeight / rows;
    return { x0: (i % cols) * w, y0: Math.floor(i / cols) * h, w, h };
  };
  const bits = (stamp: number): boolean[] => {
    const low40 = ((Math.floor(stamp) % span) + span) % span;
    return [...bitsOf(low40, 40), ...bitsOf(crc8(bytesOf(low40)), 8)];
  };
  const fromBits = (b: readonly boolean[]): number | undefined => {
    if (b.length !== cols * rows) return undefined;
    const low40 = valueOf(b.slice(0, 40));
    return crc8(bytesOf(low40)) === valueOf(b.slice(40)) ? low40 : undefined;
  };
  const paint = (y: Uint8Array, width: number, height: number, stamp: number): void => {
    bits(stamp).forEach((bit, i) => {
      const { x0, y0, w, h } = cellBox(i, width, height);
      for (let row = Math.round(y0); row < Math.round(y0 + h); row++) y.fill(bit ? 235 : 16, row * width + Math.round(x0), row * width + Math.round(x0 + w));
    });
  };
  const read = (luma: (x: number, y: number) => number, width: number, height: number): PatternRead => {
    const got = Array.from({ length: cols * rows }, (_, i) => {
      const { x0, y0, w, h } = cellBox(i, width, height);
      const [cx, cy, dx, dy] = [x0 + w / 2, y0 + h / 2, w / 4, h / 4];
      const points: Array<[number, number]> = [[cx, cy], [cx - dx, cy - dy], [cx + dx, cy - dy], [cx - dx, cy + dy], [cx + dx, cy + dy]];
      return points.filter(([x, yy]) => luma(Math.floor(x), Math.floor(yy)) >= 128).length >= 3;
    });
    const low40 = fromBits(got);
    return low40 === undefined ? { ok: false } : { ok: true, low40 };
  };
  const reconstruct = (low40: number, nowMs: number): number => {
    const candidate = nowMs - (((nowMs % span) + span) % span) + low40;
    if (candidate - nowMs > span / 2) return candidate - span;
    if (nowMs - candidate > span / 2) return candidate + span;
    return candidate;
  };
  return { cols, rows, refHeight, bits, fromBits, paint, read, reconstruct };
}
