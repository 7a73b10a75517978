import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { decodeCloudFrontBase64, encodeCloudFrontBase64 } from '../../server/signing/cloudfront-base64.ts';

/** Standard base64 of the same bytes, for comparison. */
const std = (b: Buffer): string => b.toString('base64');

describe('encodeCloudFrontBase64', () => {
  test('maps + to -, = to _, / to ~ and keeps padding', () => {
    // 0xfb 0xff → standard "+/8="
    const bytes = Buffer.from([0xfb, 0xff]);
    assert.equal(std(bytes), '+/8=');
    assert.equal(encodeCloudFrontBase64(bytes), '-~8_');
    assert.equal(encodeCloudFrontBase64('A'), 'QQ__');
    assert.equal(encodeCloudFrontBase64('AB'), 'QUI_');
    assert.equal(encodeCloudFrontBase64('ABC'), 'QUJD');
  });

  test('strings are encoded as UTF-8', () => {
    assert.equal(encodeCloudFrontBase64('é'), encodeCloudFrontBase64(Buffer.from('é', 'utf8')));
    assert.equal(encodeCloudFrontBase64('é'), 'w6k_');
  });

  test('an RSA-2048 signature encodes to 344 characters ending in __', () => {
    const sig = crypto.randomBytes(256);
    const text = encodeCloudFrontBase64(sig);
    assert.equal(text.length, 344);
    assert.ok(text.endsWith('__'));
    assert.match(text, /^[A-Za-z0-9~-]+__$/);
  });

  test('the empty buffer encodes to the empty string', () => {
    assert.equal(encodeCloudFrontBase64(Buffer.alloc(0)), '');
  });
});

describe('decodeCloudFrontBase64 round trip', () => {
  test('random buffers of every length 1..300 survive encode then decode', () => {
    for (let len = 1; len <= 300; len++) {
      // several samples per length so every byte value pattern in the tail is exercised
      for (let i = 0; i < 4; i++) {
        const bytes = crypto.randomBytes(len);
        const text = encodeCloudFrontBase64(bytes);
        assert.match(text, /^[A-Za-z0-9~-]*_{0,2}$/, `alphabet for length ${len}`);
        assert.equal(text.length % 4, 0);
        const back = decodeCloudFrontBase64(text);
        assert.ok(back, `length ${len}: ${text} did not decode`);
        assert.ok(back.equals(bytes), `length ${len}: round trip changed the bytes`);
      }
    }
  });

  test('every byte value round-trips (all 256 in one buffer, and each alone)', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    assert.ok(decodeCloudFrontBase64(encodeCloudFrontBase64(all))?.equals(all));
    for (let b = 0; b < 256; b++) {
      const one = Buffer.from([b]);
      assert.ok(decodeCloudFrontBase64(encodeCloudFrontBase64(one))?.equals(one), `byte ${b}`);
    }
  });

  test('the empty string is rejected (so length 0 does not round-trip)', () => {
    assert.equal(encodeCloudFrontBase64(Buffer.alloc(0)), '');
    assert.equal(decodeCloudFrontBase64(''), undefined);
  });

  test('decodes the CloudFront alphabet to the right bytes', () => {
    assert.deepEqual(decodeCloudFrontBase64('-~8_'), Buffer.from([0xfb, 0xff]));
    assert.deepEqual(decodeCloudFrontBase64('QQ__'), Buffer.from('A'));
    assert.deepEqual(decodeCloudFrontBase64('QUJD'), Buffer.from('ABC'));
  });
});

describe('decodeCloudFrontBase64 rejects what CloudFront would not decode', () => {
  const rejects: Array<[string, string]> = [
    ['standard +', '+/8='.replace('/', '~').replace('=', '_')], // "+~8_": only the + is foreign
    ['standard /', '-/8_'],
    ['standard = padding', 'QQ=='],
    ['mixed standard and CloudFront padding', 'QQ=_'],
    ['all standard base64', '+/8='],
    ['RFC base64url (- and _ as data, no padding)', 'QQ'],
    ['base64url underscore used as data', 'ab_c'],
    ['a space inside', 'QUJD QUJD'],
    ['a leading space', ' QUJD'],
    ['a trailing newline', 'QUJD\n'],
    ['a tab', 'QU\tJD'],
    ['a CR LF line break', 'QUJD\r\nQUJD'],
    ['length 1', 'Q'],
    ['length 2', 'QU'],
    ['length 3', 'QUJ'],
    ['length 5', 'QUJDQ'],
    ['padding in the middle', 'QQ__QUJD'],
    ['padding then data in the last quad', 'Q_Q_'],
    ['three padding characters', 'Q___'],
    ['only padding', '____'],
    ['percent-encoded ~', 'QUJD%7E__'],
    ['percent-encoded ~ (whole quad)', '%7E%7E'],
    ['a dot', 'QUJ.'],
    ['a non-ASCII letter', 'QUJé'],
  ];
  for (const [name, text] of rejects) {
    test(`${name}: ${JSON.stringify(text)}`, () => {
      assert.equal(decodeCloudFrontBase64(text), undefined);
    });
  }

  test('non-canonical trailing bits after one byte (second char carries non-zero unused bits)', () => {
    const canonical = encodeCloudFrontBase64(Buffer.from('A'));
    assert.equal(canonical, 'QQ__');
    // 'Q' = 0b010000: its low 4 bits are unused after one byte; 'R' = 0b010001 sets one of them
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const second = alphabet.indexOf(canonical[1]!);
    assert.equal(second & 0b1111, 0);
    for (let low = 1; low < 16; low++) {
      const ch: string = alphabet[(second & ~0b1111) | low]!;
      const bad: string = `${canonical[0]}${ch}__`;
      // Node's lenient decoder still reads it as "A": only the strict check tells them apart
      assert.deepEqual(Buffer.from(bad.replace(/_/g, '='), 'base64'), Buffer.from('A'));
      assert.equal(decodeCloudFrontBase64(bad), undefined, bad);
    }
    assert.deepEqual(decodeCloudFrontBase64(canonical), Buffer.from('A'));
  });

  test('non-canonical trailing bits after two bytes (third char low 2 bits)', () => {
    assert.equal(encodeCloudFrontBase64('AB'), 'QUI_');
    // 'I' = 8 = 0b001000 → J, K, L set the two unused bits
    for (const ch of ['J', 'K', 'L']) assert.equal(decodeCloudFrontBase64(`QU${ch}_`), undefined, ch);
    assert.deepEqual(decodeCloudFrontBase64('QUI_'), Buffer.from('AB'));
  });

  test('a real signature with one character changed to a foreign one is rejected, the original accepted', () => {
    const sig = encodeCloudFrontBase64(crypto.randomBytes(256));
    assert.equal(decodeCloudFrontBase64(sig)?.length, 256);
    assert.equal(decodeCloudFrontBase64(`${sig.slice(0, 10)}+${sig.slice(11)}`), undefined);
    assert.equal(decodeCloudFrontBase64(`${sig.slice(0, 10)}/${sig.slice(11)}`), undefined);
    assert.equal(decodeCloudFrontBase64(sig.slice(0, -1)), undefined);
  });
});
