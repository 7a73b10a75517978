import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFlvReader, type FlvTag } from '../../server/ingest/flv-reader.ts';

/** An FLV tag as bytes: header, payload, previous-tag-size. */
function tag(type: number, timestamp: number, data: Buffer): Buffer {
  const head = Buffer.alloc(11);
  head[0] = type;
  head.writeUIntBE(data.length, 1, 3);
  head.writeUIntBE(timestamp & 0xffffff, 4, 3);
  head[7] = (timestamp >>> 24) & 0xff;
  const size = Buffer.alloc(4);
  size.writeUInt32BE(11 + data.length);
  return Buffer.concat([head, data, size]);
}

const HEADER = Buffer.from([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0]);

test('tags come out whole however the stream is chunked, with 32-bit timestamps', () => {
  const stream = Buffer.concat([HEADER, tag(18, 0, Buffer.from('meta')), tag(9, 40, Buffer.alloc(5000, 1)), tag(8, 0x01020304, Buffer.from([0xaf, 1, 2]))]);
  for (const step of [1, 7, 13, 4096, stream.length]) {
    const tags: FlvTag[] = [];
    const feed = createFlvReader((t) => tags.push(t));
    for (let i = 0; i < stream.length; i += step) feed(stream.subarray(i, i + step));
    assert.deepEqual(tags.map((t) => [t.type, t.timestamp, t.data.length]), [[18, 0, 4], [9, 40, 5000], [8, 0x01020304, 3]], `chunks of ${step}`);
  }
});

test('a stream that is not FLV, or an absurd tag size, is an error', () => {
  assert.throws(() => createFlvReader(() => undefined)(Buffer.from('GET / HTTP/1.1\r\n\r\n')), /not an FLV stream/);
  const huge = Buffer.concat([HEADER, Buffer.from([9, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0])]);
  assert.throws(() => createFlvReader(() => undefined)(huge), /FLV tag of/);
});
