// `npm run bench [-- --quick]`: runs the benchmarks on this machine and rewrites BENCHMARKS.md with the
// machine, the date, the command, the raw figures and the ratios to the peers.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchFfmpeg } from './ffmpeg-cost.ts';
import { benchGlassToGlass } from './glass-to-glass.ts';
import { benchHttp, type Row } from './http-serving.ts';
import { benchLiveLatency } from './live-latency.ts';
import { benchLowLatencyCost } from './ll-cost.ts';
import { benchEdgeOffload } from './edge-offload.ts';
import { benchMemory } from './memory.ts';
import { benchRecording } from './recording-cost.ts';
import { machine } from './tools.ts';
import { benchTtff } from './ttff.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const quick = process.argv.includes('--quick');

const started = performance.now();
const rows: Row[] = [...(await benchHttp(quick)), ...(await benchLiveLatency(quick)), ...(await benchFfmpeg(quick)), ...(await benchMemory(quick)), ...(await benchEdgeOffload(quick)), ...(await benchRecording(quick)), ...(await benchLowLatencyCost(quick))].sort(
  (a, b) => Number.parseInt(a.name, 10) - Number.parseInt(b.name, 10),
);
const ttff = await benchTtff(quick ? 3 : 10);
const glassToGlass = await benchGlassToGlass(quick);
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
- Peers: nginx 1.22 with libnginx-mod-rtmp from Debian (1 worker, sendfile on, access log off), wrk from Debian (1 thread);
  for comparison 9 nginx as the CloudFront-like edge (deploy/edge/nginx.conf, 1 worker, proxy_cache).
- Duration: ${Math.round((performance.now() - started) / 1000)} s for the comparisons below.

## Origin against nginx

${table}

${rows.map((r) => `- ${r.name}: ${r.notes}.`).join('\n')}

## What the figures say

- Hot segments come from memory with the CloudFront signature checked on every request (verified
  signatures are remembered, keyed on their raw parameters). The ratio to nginx is close to 1 and moves
  by about ±15 % between runs on this 2-core machine, where wrk, the server and the kernel share the cores;
  comparisons 1 and 2 therefore alternate three 10-second pairs and report the median pair.
- Small playlists are where one Node process loses to nginx, and the row's note measures why in server CPU
  per request (user + kernel, read from /proc over the wrk window). wrk itself takes about one of the two
  cores, so each server has about one: requests/s is close to one second over the CPU a request costs.
  nginx needs the least and a bare node:http handler answering the same bytes 1.3 to 2.5 times as much
  (the row's note has this run's figures; on a busy host Node's share grows), so Node's own HTTP code leaves
  little room. Inside the origin it costs more again. The origin's cheapest answer on the
  same path (a 404 for an unknown channel: no signature check, no playlist) is in the note, and even it
  reaches only about half of nginx. In a one-off experiment with the live handler swapped for the bare
  one, the origin process spent 12–13 µs of user and 8–9 µs of kernel time a request, against the bare
  process's 8–9 and 7 in the same runs (41,000–52,000 req/s, 0.65–0.8× nginx). perf shows node's HTTP code
  running through megamorphic property loads in a process that also loads fastify, the AWS and Stripe SDKs
  and node-media-server. The playlist answer then adds the safe path split, the channel lookup, CORS, the
  CloudFront check (remembered per signed URL) and one response head. That is under a tenth of the
  origin's JavaScript profile but shows as both user and kernel time per request. A second serving process
  would not help on this machine, because wrk already holds the other core. So 0.7× is out of reach for a
  Node origin that checks signatures on 2 cores: the miss is explained, not fixed.
- Issuing a playback URL costs one RSA-2048 signature plus the entitlement and item lookups in SQLite,
  the viewer cookie's HMAC and the response. The signature (about 250 µs, 57 % of the work when it ran
  on the event loop, which then reached 0.52–0.67× of raw signing) is now made on a signing thread (one
  per core beyond the event loop's, up to four). The event loop serves while the second core signs, and
  a purchase rush no longer stalls live playlists.
- The live ladder in one ffmpeg (one decode, split) needs less CPU than one process per rendition only
  because decoding a real stream is work: with an OBS-like source (H.264 veryfast, CABAC and B-frames,
  6 Mbit/s) it saves about a fifth; with a source encoded ultrafast (cheap to decode) the two are equal.
- Publish to first playable ladder includes what nginx-rtmp does not do: probing the feed, starting ffmpeg,
  x264's lookahead and encoding three rungs; the ladder waits for the first keyframe of the publish (not
  for the next one) because the transcoder starts from node-media-server's cached GOP. Segment latency is
  the price of transcoding: zerolatency tuning (X264_TUNE=zerolatency) takes about 0.6 s off it.
- VOD packaging adds the queue, copying and hashing the source (ffprobe runs meanwhile), the poster, both
  playlist variants and the move into the bucket to the ffmpeg run. The origin logs how long its own
  ffmpeg run took, and the note gives the job's time outside it: about 0.15 s on a 15-second encode, 1 %.
  The outputs are renamed into a local bucket, eight at a time. The poster is a separate one-frame ffmpeg
  run alongside the ladder (0.14 s of CPU); cutting it from the ladder's own decode cost more, about 0.6 s
  of wall time. The ratio itself is at the mercy of the VM: single back-to-back pairs have measured
  0.85–1.16× across runs, and the job's ffmpeg run against the bare command moves by about a tenth pair by
  pair (the note's last figures). That is more than the 5 % the target allows. Comparisons 4 and 7
  therefore alternate five runs of each side and take the median of the back-to-back pairs' ratios (one
  run with --quick). Their end is read from the origin's log: polling the job API every 50 ms took 3 % of
  a core from the encode being measured.
- Behind the edge (comparison 9) the origin sees one request per new segment per rung however many viewers
  watch (nginx's proxy_cache_lock collapses the simultaneous misses), and each media playlist a few times
  per max-age, not once per viewer; the signature is checked at the edge by the origin's own verifier, so the origin's CPU falls
  to about a quarter of what the same viewers cost straight on it. The swarm, nginx, the check service and
  the origin share the 2 cores, so the edge run serves fewer viewer requests in the window than the direct
  one: compare CPU and origin requests, not viewer throughput.
- Recording (comparison 10) re-encodes nothing: each listed segment group is hard-linked into the show's
  recordings folder, a journal line is appended and the files are moved into the bucket (a rename for a
  local bucket on the same disk); the only extra process is the one-frame poster. The origin's CPU is read
  from /proc with recording on and off for the same show; the difference is within the run-to-run noise
  of a 2-core VM, so a single figure can come out slightly negative.

${ttff}

${glassToGlass}
`;
fs.writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), report);
console.log(report);
