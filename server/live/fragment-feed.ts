import { createBoxSplitter, parseMoof, parseMoov, type InitInfo } from '../hls/fmp4-boxes.ts';
import type { Fragment } from './ll-window.ts';

/** What one rung's fragmented-MP4 stream yields: its init segment once, then its fragments in order. */
export interface FragmentSink {
  init(bytes: Buffer): void;
  fragment(fragment: Fragment): void;
}

/**
 * Reads one rung's fragmented MP4 from ffmpeg: `ftyp` + `moov` become the init segment, each `moof` + `mdat`
 * a fragment with its video timing. A fragment without video samples is carried into the next one (a part is
 * then two fragments, which fMP4 allows), so no audio is lost. Throws when the stream is not fragmented MP4.
 */
export function createFragmentFeed(sink: FragmentSink): (chunk: Buffer) => void {
  let ftyp: Buffer | undefined;
  let init: InitInfo | undefined;
  let moof: Buffer | undefined;
  let carried: Buffer[] = [];
  return createBoxSplitter(({ type, bytes }) => {
    if (type === 'ftyp') ftyp = Buffer.from(bytes);
    else if (type === 'moov') {
      init = parseMoov(bytes);
      if (!init) throw new Error('the fragmented MP4 has no video track');
      sink.init(Buffer.concat(ftyp ? [ftyp, bytes] : [bytes]));
    } else if (type === 'moof') moof = Buffer.from(bytes);
    else if (type === 'mdat' && moof && init) {
      const info = parseMoof(moof, init);
      const parts = [...carried, moof, bytes];
      moof = undefined;
      if (!info) {
        carried = parts;
        return;
      }
      carried = [];
      sink.fragment({ bytes: Buffer.concat(parts), info });
    }
  });
}
