import { buildLiveArgs } from '../server/live/ffmpeg-args.ts';
import { fitLadder, DEFAULT_LADDER } from '../server/live/ladder.ts';
const source = { width: 1280, height: 720, fps: 30, hasAudio: true };
const rungs = fitLadder(DEFAULT_LADDER, source);
console.log(JSON.stringify(rungs));
console.log(buildLiveArgs({ rungs, source, segmentSeconds: 2, preset: 'veryfast', outDir: '/tmp/exp-out' }).map(a => /[ ;\[\]()*,]/.test(a) ? `'${a}'` : a).join(' '));
