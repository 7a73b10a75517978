import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GuardedRtmp, RtmpLimitError } from '../../server/ingest/guarded-rtmp.ts';
import { checkChunkSize, checkCommand, checkMessage, MAX_BUFFERED_BEFORE_PUBLISH, MAX_CHUNK_STREAMS, MAX_COMMAND_BYTES } from '../../server/ingest/rtmp-limits.ts';
import { amf0, c0c1, connectCommand, HANDSHAKE_SIZE, message, MSG } from '../helpers/rtmp-raw.ts';

/** A parser past the handshake (C0+C1 and C2 fed). */
function handshaken(): GuardedRtmp {
  const rtmp = new GuardedRtmp();
  assert.equal(rtmp.parserData(Buffer.concat([c0c1(), Buffer.alloc(HANDSHAKE_SIZE)])), null);
  return rtmp;
}

/** A Set Chunk Size message. */
function setChunkSize(size: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(size);
  return message(2, MSG.SET_CHUNK_SIZE, 0, p);
}

describe('rtmp limits (pure checks)', () => {
  test('chunk sizes 1..16 MiB-1 pass; 0, 2^31-1 and beyond are refused', () => {
    for (const ok of [1, 128, 4096, 65_536, 0xffffff]) assert.equal(checkChunkSize(ok), null, String(ok));
    assert.equal(checkChunkSize(0x7fffffff), 'chunk size 2147483647 outside 1..16777215');
    assert.match(checkChunkSize(0)!, /^chunk size 0 outside/);
    assert.notEqual(checkChunkSize(0x1000000), null);
  });

  test('messages before a publish are capped; a publisher may send the protocol maximum', () => {
    const base = { buffered: 0, streams: 3, publishing: false };
    assert.equal(checkMessage({ ...base, length: MAX_COMMAND_BYTES }), null);
    assert.equal(checkMessage({ ...base, length: MAX_COMMAND_BYTES + 1 }), `message of ${MAX_COMMAND_BYTES + 1} bytes before a publish exceeds ${MAX_COMMAND_BYTES}`);
    assert.equal(checkMessage({ ...base, length: 0xffffff, buffered: 0xffffff, publishing: true }), null);
  });

  test('buffered bytes and chunk streams are capped', () => {
    assert.match(checkMessage({ length: 100, buffered: MAX_BUFFERED_BEFORE_PUBLISH + 1, streams: 3, publishing: false })!, /bytes of partial messages exceed/);
    assert.match(checkMessage({ length: 100, buffered: 0, streams: MAX_CHUNK_STREAMS + 1, publishing: true })!, /chunk streams exceed/);
  });

  test('a command must start with its name as an AMF0 string', () => {
    assert.equal(checkCommand(amf0('connect', 1), 0), null);
    assert.equal(checkCommand(Buffer.concat([Buffer.from([0]), amf0('connect')]), 1), null, 'AMF3 flex messages skip a byte');
    assert.notEqual(checkCommand(Buffer.from([0xff]), 0), null);
    assert.notEqual(checkCommand(Buffer.alloc(0), 0), null);
  });
});

describe('guarded node-media-server parser', () => {
  test('a normal connect goes through', () => {
    const rtmp = handshaken();
    assert.equal(rtmp.parserData(connectCommand(1935)), null);
    assert.equal((rtmp as unknown as { streamApp: unknown }).streamApp, 'cfx/st');
  });

  test('Set Chunk Size 2^31-1 or 0 throws a limit error', () => {
    for (const size of [0x7fffffff, 0]) assert.throws(() => handshaken().parserData(setChunkSize(size)), RtmpLimitError);
    const rtmp = handshaken();
    rtmp.parserData(setChunkSize(4096));
    assert.equal(rtmp.inChunkSize, 4096);
  });

  test('a message header claiming 16 MiB before a publish throws before any payload is allocated', () => {
    const rtmp = handshaken();
    assert.throws(() => rtmp.parserData(message(3, MSG.INVOKE, 0, Buffer.alloc(10), { length: 0xffffff })), /message of 16777215 bytes/);
    assert.ok(rtmp.parserPacket.capacity < 0xffffff);
  });

  test('once publishing, a large media message is accepted', () => {
    const rtmp = handshaken();
    rtmp.publishing = true;
    assert.equal(rtmp.parserData(message(6, 9, 1, Buffer.alloc(10), { length: 2_000_000 })), null);
  });

  test('too many chunk streams throw', () => {
    const rtmp = handshaken();
    // type-1 headers on chunk streams 64, 65, ... each with a 4-byte Acknowledgement (type 3)
    const many = Buffer.concat(Array.from({ length: MAX_CHUNK_STREAMS + 1 }, (_, i) => Buffer.from([0x40, i, 0, 0, 0, 0, 0, 4, 3, 0, 0, 0, 0])));
    assert.throws(() => rtmp.parserData(many), /chunk streams exceed/);
  });

  test('an undecodable command throws instead of being logged', () => {
    assert.throws(() => handshaken().parserData(message(3, MSG.INVOKE, 0, Buffer.from([0xff]))), /does not start with its name/);
  });
});
