import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEnhancedRtmp } from '../../server/ingest/enhanced-rtmp.ts';

const tag = (first: number, fourCc: string): Buffer => Buffer.concat([Buffer.from([first]), Buffer.from(fourCc, 'latin1'), Buffer.alloc(8)]);

test('describeEnhancedRtmp names the FourCC codec of an ex-header video or audio tag', () => {
  assert.equal(describeEnhancedRtmp(9, tag(0x90, 'hvc1')), 'Enhanced RTMP video (HEVC)', 'keyframe, sequence start');
  assert.equal(describeEnhancedRtmp(9, tag(0x91, 'av01')), 'Enhanced RTMP video (AV1)', 'keyframe, coded frames');
  assert.equal(describeEnhancedRtmp(9, tag(0xa1, 'vp09')), 'Enhanced RTMP video (VP9)');
  assert.equal(describeEnhancedRtmp(8, tag(0x90, 'Opus')), 'Enhanced RTMP audio (Opus)');
  assert.equal(describeEnhancedRtmp(9, tag(0x90, 'x\u0001yz')), 'Enhanced RTMP video (codec "x?yz")', 'unknown FourCCs are named, unprintable bytes masked');
});

test('describeEnhancedRtmp leaves legacy H.264 and AAC tags (what the ladder reads) alone', () => {
  assert.equal(describeEnhancedRtmp(9, Buffer.from([0x17, 0x00, 0, 0, 0, 1])), null, 'H.264 keyframe, AVC sequence header');
  assert.equal(describeEnhancedRtmp(9, Buffer.from([0x27, 0x01, 0, 0, 0, 1])), null, 'H.264 inter frame');
  assert.equal(describeEnhancedRtmp(8, Buffer.from([0xaf, 0x00, 0x12, 0x10, 0, 0])), null, 'AAC sequence header');
  assert.equal(describeEnhancedRtmp(18, tag(0x90, 'hvc1')), null, 'script data is not media');
  assert.equal(describeEnhancedRtmp(9, Buffer.from([0x90, 0x68])), null, 'too short to carry a FourCC');
});
