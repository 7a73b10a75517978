import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LADDER, fitLadder, type SourceInfo } from '../../server/hls/ladder.ts';
import { parseMediaPlaylist, renderMasterPlaylist, renderMediaPlaylist, type MediaPlaylistState } from '../../server/hls/playlist.ts';

const seg = (uri: string, duration: number, discontinuity = false) => ({ uri, duration, discontinuity });

const LIVE: MediaPlaylistState = {
  targetDuration: 2,
  mediaSequence: 41,
  discontinuitySequence: 0,
  segments: [seg('ra1b2/720p/41.ts', 2), seg('ra1b2/720p/42.ts', 1.9666667), seg('rc3d4/720p/0.ts', 2, true), seg('rc3d4/720p/1.ts', 2.002)],
  ended: false,
};

test('renderMediaPlaylist: a live window with a discontinuity in the middle (golden)', () => {
  assert.equal(
    renderMediaPlaylist(LIVE),
    [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      '#EXT-X-TARGETDURATION:2',
      '#EXT-X-MEDIA-SEQUENCE:41',
      '#EXTINF:2.000,',
      'ra1b2/720p/41.ts',
      '#EXTINF:1.967,',
      'ra1b2/720p/42.ts',
      '#EXT-X-DISCONTINUITY',
      '#EXTINF:2.000,',
      'rc3d4/720p/0.ts',
      '#EXTINF:2.002,',
      'rc3d4/720p/1.ts',
      '',
    ].join('\n'),
  );
});

test('renderMediaPlaylist: DISCONTINUITY-SEQUENCE appears only when above 0, after MEDIA-SEQUENCE', () => {
  assert.ok(!renderMediaPlaylist(LIVE).includes('DISCONTINUITY-SEQUENCE'));
  const text = renderMediaPlaylist({ ...LIVE, discontinuitySequence: 3 });
  const lines = text.split('\n');
  assert.equal(lines[4], '#EXT-X-DISCONTINUITY-SEQUENCE:3');
  assert.equal(lines[3], '#EXT-X-MEDIA-SEQUENCE:41');
  assert.equal(lines.filter((l) => l.startsWith('#EXT-X-DISCONTINUITY-SEQUENCE')).length, 1);
});

test('renderMediaPlaylist: an ended playlist closes with ENDLIST', () => {
  const text = renderMediaPlaylist({ ...LIVE, ended: true });
  assert.ok(text.endsWith('rc3d4/720p/1.ts\n#EXT-X-ENDLIST\n'));
  assert.ok(!renderMediaPlaylist(LIVE).includes('ENDLIST'));
});

test('renderMediaPlaylist: an empty window still has the header', () => {
  assert.equal(
    renderMediaPlaylist({ targetDuration: 4, mediaSequence: 7, discontinuitySequence: 0, segments: [], ended: true }),
    '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:7\n#EXT-X-ENDLIST\n',
  );
});

const SOURCE: SourceInfo = { width: 1280, height: 720, fps: 30, hasAudio: true };
const variants = (source: SourceInfo) => fitLadder(DEFAULT_LADDER, source).map((rung) => ({ rung, uri: `${rung.name}.m3u8` }));

test('renderMasterPlaylist: the 720p30 ladder with audio (golden)', () => {
  assert.equal(
    renderMasterPlaylist(variants(SOURCE), SOURCE),
    [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-STREAM-INF:BANDWIDTH=3702240,AVERAGE-BANDWIDTH=3378240,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=30.000',
      '720p.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=1801440,AVERAGE-BANDWIDTH=1650240,RESOLUTION=854x480,CODECS="avc1.4d401f,mp4a.40.2",FRAME-RATE=30.000',
      '480p.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=1088640,AVERAGE-BANDWIDTH=1002240,RESOLUTION=640x360,CODECS="avc1.4d401e,mp4a.40.2",FRAME-RATE=30.000',
      '360p.m3u8',
      '',
    ].join('\n'),
  );
});

test('renderMasterPlaylist: without audio, no mp4a and no audio bitrate in BANDWIDTH (golden)', () => {
  const source = { ...SOURCE, hasAudio: false };
  const text = renderMasterPlaylist(variants(source), source);
  assert.ok(!text.includes('mp4a'));
  assert.equal(
    text,
    [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-STREAM-INF:BANDWIDTH=3564000,AVERAGE-BANDWIDTH=3240000,RESOLUTION=1280x720,CODECS="avc1.64001f",FRAME-RATE=30.000',
      '720p.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=1663200,AVERAGE-BANDWIDTH=1512000,RESOLUTION=854x480,CODECS="avc1.4d401f",FRAME-RATE=30.000',
      '480p.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=950400,AVERAGE-BANDWIDTH=864000,RESOLUTION=640x360,CODECS="avc1.4d401e",FRAME-RATE=30.000',
      '360p.m3u8',
      '',
    ].join('\n'),
  );
});

test('renderMasterPlaylist: BANDWIDTH is never below AVERAGE-BANDWIDTH; fractional frame rates keep 3 decimals', () => {
  const source = { ...SOURCE, fps: 30000 / 1001 };
  const text = renderMasterPlaylist(variants(source), source);
  for (const m of text.matchAll(/BANDWIDTH=(\d+),AVERAGE-BANDWIDTH=(\d+)/g)) assert.ok(Number(m[1]) >= Number(m[2]), m[0]);
  assert.equal((text.match(/FRAME-RATE=29\.970\n/g) ?? []).length, 3);
});

const FFMPEG_PLAYLIST = '#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXTINF:2.000000,\n0.ts\n#EXTINF:1.033333,\n1.ts\n#EXT-X-ENDLIST\n';

test('parseMediaPlaylist: a playlist as ffmpeg writes it', () => {
  assert.deepEqual(parseMediaPlaylist(FFMPEG_PLAYLIST), [
    { uri: '0.ts', duration: 2 },
    { uri: '1.ts', duration: 1.033333 },
  ]);
});

test('parseMediaPlaylist: CRLF line endings and tags between EXTINF and the URI', () => {
  const text = '#EXTM3U\r\n#EXTINF:2.000000,\r\n#EXT-X-PROGRAM-DATE-TIME:2024-01-01T00:00:00Z\r\n0.ts\r\n';
  assert.deepEqual(parseMediaPlaylist(text), [{ uri: '0.ts', duration: 2 }]);
});

test('parseMediaPlaylist: a partly written playlist yields only complete entries', () => {
  assert.deepEqual(parseMediaPlaylist('#EXTM3U\n#EXTINF:2.000000,\n0.ts\n#EXTINF:2.0000'), [{ uri: '0.ts', duration: 2 }]);
  assert.deepEqual(parseMediaPlaylist('#EXTM3U\n#EXTINF:2.000000,\n0.ts\n#EXTINF:2.000000,\n'), [{ uri: '0.ts', duration: 2 }]);
});

test('parseMediaPlaylist: garbage yields nothing usable and never throws', () => {
  assert.deepEqual(parseMediaPlaylist(''), []);
  assert.deepEqual(parseMediaPlaylist('hello\nworld\n'), []);
  assert.deepEqual(parseMediaPlaylist('#EXTM3U\n#EXTINF:abc,\nx.ts\ny.ts\n'), []);
  assert.deepEqual(parseMediaPlaylist('\0\0\0\n#EXTINF:\n0.ts\n#EXTINF:2,\n1.ts\n'), [{ uri: '1.ts', duration: 2 }]);
});

test('parseMediaPlaylist: a URI without its own EXTINF is not given the previous duration', () => {
  assert.deepEqual(parseMediaPlaylist('#EXTINF:2,\n0.ts\n1.ts\n#EXTINF:1.5,\n2.ts\n'), [
    { uri: '0.ts', duration: 2 },
    { uri: '2.ts', duration: 1.5 },
  ]);
});
