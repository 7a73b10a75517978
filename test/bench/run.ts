// `npm run bench [-- --quick]`: runs the benchmarks on this machine and rewrites BENCHMARKS.md with the
// machine, the date, the command, the raw figures and the ratios to the peers.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchFfmpeg } from './ffmpeg-cost.ts';
import { benchHttp, type Row } from './http-serving.ts';
import { benchLiveLatency } from './live-latency.ts';
import { benchMemory } from './memory.ts';
import { machine } from './tools.ts';
import { benchTtff } from './ttff.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const quick = process.argv.includes('--quick');

const started = performance.now();
const rows: Row[] = [...(await benchHttp(quick)), ...(await benchLiveLatency(quick)), ...(await benchFfmpeg(quick)), ...(await benchMemory(quick))].sort(
  (a, b) => Number.parseInt(a.name, 10) - Number.parseInt(b.name, 10),
);
const ttff = await benchTtff(quick ? 3 : 10);
const table = [
  '| comparison | ours | peer | ratio | target | met |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.name} | ${r.ours} | ${r.peer} | ${r.ratio.toFixed(2)}× | ${r.target} | ${r.met ? 'yes' : '**no**'} |`),
].join('\n');
const report = `# Benchmarks

Measured on demand with \`npm run bench\` (\`-- --quick\` for shorter loads); this file is rewritten by it.
Every server runs on 127.0.0.1 only; every load is bounded in time; every process is stopped by PID.

- Date: ${new Date().toISOString()}
- Machine: ${machine()}
- Command: \`npm run bench${quick ? ' -- --quick' : ''}\` (test/bench/run.ts)
- Peers: nginx 1.22 with libnginx-mod-rtmp from Debian (1 worker, sendfile on, access log off), wrk from Debian (1 thread).
- Duration: ${Math.round((performance.now() - started) / 1000)} s for the comparisons below.

## Origin against nginx

${table}

${rows.map((r) => `- ${r.name}: ${r.notes}.`).join('\n')}

## What the figures say

- Hot segments come from memory with the CloudFront signature checked on every request (verified
  signatures are remembered, keyed on their raw parameters). The ratio to nginx is close to 1 and moves
  by about ±15 % between runs on this 2-core machine, where wrk, the server and the kernel share the cores.
- Small playlists are where one Node process loses to nginx. On this machine a bare Node handler answers
  about 56,000 small responses a second and a bare fastify route about 41,000, against nginx's
  60,000–70,000; the origin's playlist path has measured 11,000–14,500 signed and 20,000–33,000 unsigned
  across runs (the figures on this 2-core VM move a lot). Live HLS already bypasses fastify, verified
  signatures are remembered and channel lookups are cached; a CPU profile of the origin under this load
  puts about 60 % of its busy time in the kernel's writev of each response and only a few percent in the
  handler. The 0.7× target is not met: closing it needs more than one process serving, which the
  in-memory live window does not allow yet.
- Issuing a playback URL costs one RSA-2048 signature plus the entitlement lookup, the viewer cookie and the
  response; across runs it has measured 0.53–0.65× of raw signing, so it sits on the 0.6× target.
- The live ladder in one ffmpeg (one decode, split) needs less CPU than one process per rendition only
  because decoding a real stream is work: with an OBS-like source (H.264 veryfast, CABAC and B-frames,
  6 Mbit/s) it saves about a fifth; with a source encoded ultrafast (cheap to decode) the two are equal.
- Publish to first playable ladder includes what nginx-rtmp does not do: probing the feed, starting ffmpeg,
  x264's lookahead and encoding three rungs; the ladder waits for the first keyframe of the publish (not
  for the next one) because the transcoder starts from node-media-server's cached GOP. Segment latency is
  the price of transcoding: zerolatency tuning (X264_TUNE=zerolatency) takes about 0.6 s off it.
- VOD packaging adds the queue, copying and hashing the source, ffprobe, both playlist variants and the
  upload to the ffmpeg run (the poster is made alongside the ladder): about a second on a 15-second
  encode, 1.04–1.08× across runs, at or just over the 1.05× target.

${ttff}
`;
fs.writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), report);
console.log(report);
