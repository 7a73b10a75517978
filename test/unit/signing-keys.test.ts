import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KEY_ID, KeyError, loadSigningKeys, parsePublicKeys, readPublicKeysFile } from '../../server/signing/keys.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-keys-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** A fresh empty directory under the test's temp root. */
function freshDir(): string {
  const dir = path.join(root, `d${++counter}`);
  fs.mkdirSync(dir);
  return dir;
}

const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsaPrivPem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const rsaPkcs1Pem = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const ecPrivPem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const spki = (k: crypto.KeyObject): string => k.export({ type: 'spki', format: 'pem' }).toString();

/** Runs fn and returns the KeyError it throws. */
function keyError(fn: () => unknown): KeyError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof KeyError, `expected KeyError, got ${String(e)}`);
    assert.equal(e.name, 'KeyError');
    return e;
  }
  assert.fail('did not throw');
}

/** Signs and verifies a message to prove two key objects are one pair. */
function samePair(priv: crypto.KeyObject, pub: crypto.KeyObject): boolean {
  const msg = Buffer.from('pair check');
  return crypto.verify('sha256', msg, pub, crypto.sign('sha256', msg, priv));
}

describe('loadSigningKeys: generated key', () => {
  const dataDir = freshDir();
  const keyFile = path.join(dataDir, 'signing', 'private-key.pem');
  const idFile = path.join(dataDir, 'signing', 'key-pair-id');
  const src = { dataDir, keyPairId: undefined, privateKeyFile: undefined, publicKeysFile: undefined };
  const first = loadSigningKeys(src);

  test('the first call generates an RSA-2048 key and a K… id into DATA_DIR/signing', () => {
    assert.equal(first.generated, true);
    assert.ok(fs.existsSync(keyFile));
    assert.match(first.keyPairId, /^K[0-9A-F]{13}$/);
    assert.equal(fs.readFileSync(idFile, 'utf8').trim(), first.keyPairId);
    assert.equal(first.privateKey.type, 'private');
    assert.equal(first.privateKey.asymmetricKeyType, 'rsa');
    assert.equal(first.privateKey.asymmetricKeyDetails?.modulusLength, 2048);
  });

  test('the private key file is mode 0600 and holds the returned key', () => {
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
    const onDisk = crypto.createPrivateKey(fs.readFileSync(keyFile, 'utf8'));
    assert.ok(onDisk.equals(first.privateKey));
  });

  test('the signing directory is not readable by others', () => {
    assert.equal(fs.statSync(path.join(dataDir, 'signing')).mode & 0o077, 0);
  });

  test('publicKeyPem is the SPKI PEM of the signing key, and publicKeys holds only it', () => {
    assert.match(first.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    const pub = crypto.createPublicKey(first.publicKeyPem);
    assert.ok(samePair(first.privateKey, pub));
    assert.deepEqual([...first.publicKeys.keys()], [first.keyPairId]);
    assert.ok(first.publicKeys.get(first.keyPairId)!.equals(pub));
  });

  test('a second call loads the same id and key without generating', () => {
    const second = loadSigningKeys(src);
    assert.equal(second.generated, false);
    assert.equal(second.keyPairId, first.keyPairId);
    assert.equal(second.publicKeyPem, first.publicKeyPem);
    assert.ok(second.privateKey.equals(first.privateKey));
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
  });

  test('two data directories get different keys and ids', () => {
    const other = loadSigningKeys({ ...src, dataDir: freshDir() });
    assert.equal(other.generated, true);
    assert.notEqual(other.keyPairId, first.keyPairId);
    assert.notEqual(other.publicKeyPem, first.publicKeyPem);
  });

  test('generated ids always satisfy KEY_ID and the K + 13 hex format', () => {
    assert.match(first.keyPairId, KEY_ID);
  });
});

describe('loadSigningKeys: configured key', () => {
  const keyDir = freshDir();
  const rsaFile = path.join(keyDir, 'rsa.pem');
  const rsaPkcs1File = path.join(keyDir, 'rsa-pkcs1.pem');
  const ecFile = path.join(keyDir, 'ec.pem');
  const notAKey = path.join(keyDir, 'not-a-key.pem');
  const publicOnly = path.join(keyDir, 'public.pem');
  const ed25519File = path.join(keyDir, 'ed25519.pem');
  fs.writeFileSync(rsaFile, rsaPrivPem);
  fs.writeFileSync(rsaPkcs1File, rsaPkcs1Pem);
  fs.writeFileSync(ecFile, ecPrivPem);
  fs.writeFileSync(notAKey, 'this is not a key\n');
  fs.writeFileSync(publicOnly, spki(rsa.publicKey));
  fs.writeFileSync(ed25519File, crypto.generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));

  test('an RSA PEM is used as the signing key and nothing is generated in DATA_DIR', () => {
    const dataDir = freshDir();
    const keys = loadSigningKeys({ dataDir, keyPairId: 'K2JCJMDEHXQW5F', privateKeyFile: rsaFile, publicKeysFile: undefined });
    assert.equal(keys.generated, false);
    assert.equal(keys.keyPairId, 'K2JCJMDEHXQW5F');
    assert.ok(keys.privateKey.equals(rsa.privateKey));
    assert.equal(keys.publicKeyPem, spki(rsa.publicKey));
    assert.ok(keys.publicKeys.get('K2JCJMDEHXQW5F')!.equals(rsa.publicKey));
    assert.deepEqual(fs.readdirSync(dataDir), []);
  });

  test('a PKCS#1 RSA PEM (BEGIN RSA PRIVATE KEY) is accepted too', () => {
    const keys = loadSigningKeys({ dataDir: freshDir(), keyPairId: 'APKAEIBAERJR2EXAMPLE', privateKeyFile: rsaPkcs1File, publicKeysFile: undefined });
    assert.ok(keys.privateKey.equals(rsa.privateKey));
    assert.equal(keys.keyPairId, 'APKAEIBAERJR2EXAMPLE');
  });

  test('an EC P-256 PEM is used as the signing key', () => {
    const dataDir = freshDir();
    const keys = loadSigningKeys({ dataDir, keyPairId: 'K3ECDSAKEY0001', privateKeyFile: ecFile, publicKeysFile: undefined });
    assert.equal(keys.generated, false);
    assert.equal(keys.privateKey.asymmetricKeyType, 'ec');
    assert.equal(keys.privateKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(keys.publicKeyPem, spki(ec.publicKey));
    assert.ok(samePair(keys.privateKey, keys.publicKeys.get('K3ECDSAKEY0001')!));
    assert.deepEqual(fs.readdirSync(dataDir), []);
  });

  test('a configured key wins over a key already generated in DATA_DIR', () => {
    const dataDir = freshDir();
    const generated = loadSigningKeys({ dataDir, keyPairId: undefined, privateKeyFile: undefined, publicKeysFile: undefined });
    const keys = loadSigningKeys({ dataDir, keyPairId: 'K2JCJMDEHXQW5F', privateKeyFile: rsaFile, publicKeysFile: undefined });
    assert.equal(keys.keyPairId, 'K2JCJMDEHXQW5F');
    assert.ok(keys.privateKey.equals(rsa.privateKey));
    assert.ok(!keys.publicKeys.has(generated.keyPairId));
  });

  test('a privateKeyFile that does not exist → KeyError naming SIGNING_PRIVATE_KEY_FILE', () => {
    const missing = path.join(keyDir, 'missing.pem');
    const e = keyError(() => loadSigningKeys({ dataDir: freshDir(), keyPairId: 'K2JCJMDEHXQW5F', privateKeyFile: missing, publicKeysFile: undefined }));
    assert.match(e.message, /SIGNING_PRIVATE_KEY_FILE/);
    assert.ok(e.message.includes(missing));
    assert.match(e.message, /ENOENT/);
  });

  for (const [name, file] of [
    ['not a key', notAKey],
    ['a public key only', publicOnly],
    ['an Ed25519 key', ed25519File],
  ] as const) {
    test(`a privateKeyFile that is ${name} → KeyError naming SIGNING_PRIVATE_KEY_FILE`, () => {
      const dataDir = freshDir();
      const e = keyError(() => loadSigningKeys({ dataDir, keyPairId: 'K2JCJMDEHXQW5F', privateKeyFile: file, publicKeysFile: undefined }));
      assert.match(e.message, /SIGNING_PRIVATE_KEY_FILE/);
      assert.ok(e.message.includes(file));
      assert.deepEqual(fs.readdirSync(dataDir), [], 'no key generated as a fallback');
    });
  }

  for (const id of [undefined, '', 'k2jcjmdehxqw5f', 'K2JC', 'K2JC-MDEH', `K${'A'.repeat(64)}`, 'K2JCJMDEHXQW5F\n']) {
    test(`keyPairId ${JSON.stringify(id)} → KeyError naming SIGNING_KEY_PAIR_ID`, () => {
      const e = keyError(() => loadSigningKeys({ dataDir: freshDir(), keyPairId: id, privateKeyFile: rsaFile, publicKeysFile: undefined }));
      assert.match(e.message, /SIGNING_KEY_PAIR_ID/);
    });
  }
});

describe('public keys file (rotation)', () => {
  const old1 = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const old2 = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const file = path.join(freshDir(), 'public-keys.txt');
  fs.writeFileSync(file, `KOLDKEY0000001=${spki(old1.publicKey)}\n\n\nKOLDKEY0000002=\n${spki(old2.publicKey)}\n\n`);

  test('both ids join publicKeys alongside the signing key', () => {
    const keys = loadSigningKeys({ dataDir: freshDir(), keyPairId: undefined, privateKeyFile: undefined, publicKeysFile: file });
    assert.deepEqual([...keys.publicKeys.keys()].sort(), ['KOLDKEY0000001', 'KOLDKEY0000002', keys.keyPairId].sort());
    assert.ok(keys.publicKeys.get('KOLDKEY0000001')!.equals(old1.publicKey));
    assert.ok(keys.publicKeys.get('KOLDKEY0000002')!.equals(old2.publicKey));
    assert.ok(samePair(keys.privateKey, keys.publicKeys.get(keys.keyPairId)!));
  });

  test('an entry with the signing key id is replaced by the signing key itself', () => {
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const dir = freshDir();
    const keyFile = path.join(dir, 'k.pem');
    const pubs = path.join(dir, 'pubs.txt');
    fs.writeFileSync(keyFile, rsaPrivPem);
    fs.writeFileSync(pubs, `K2JCJMDEHXQW5F=${spki(other.publicKey)}`);
    const keys = loadSigningKeys({ dataDir: dir, keyPairId: 'K2JCJMDEHXQW5F', privateKeyFile: keyFile, publicKeysFile: pubs });
    assert.ok(keys.publicKeys.get('K2JCJMDEHXQW5F')!.equals(rsa.publicKey));
  });

  test('readPublicKeysFile of a missing file → KeyError naming SIGNING_PUBLIC_KEYS_FILE', () => {
    const e = keyError(() => readPublicKeysFile(path.join(root, 'no-such-file')));
    assert.match(e.message, /SIGNING_PUBLIC_KEYS_FILE/);
    assert.match(e.message, /ENOENT/);
  });

  test('loadSigningKeys with a missing publicKeysFile → KeyError naming SIGNING_PUBLIC_KEYS_FILE', () => {
    const e = keyError(() => loadSigningKeys({ dataDir: freshDir(), keyPairId: undefined, privateKeyFile: undefined, publicKeysFile: path.join(root, 'nope.txt') }));
    assert.match(e.message, /SIGNING_PUBLIC_KEYS_FILE/);
  });
});

describe('parsePublicKeys', () => {
  const pemA = spki(rsa.publicKey);
  const pemB = spki(ec.publicKey);

  test('multi-line PEMs with blank lines between entries', () => {
    const entries = parsePublicKeys(`KAAAAAAAAAAAA1=${pemA}\n\nKBBBBBBBBBBBB2=${pemB}`);
    assert.deepEqual(
      entries.map(([id]) => id),
      ['KAAAAAAAAAAAA1', 'KBBBBBBBBBBBB2'],
    );
    assert.ok(entries[0]![1].equals(rsa.publicKey));
    assert.ok(entries[1]![1].equals(ec.publicKey));
  });

  test('CRLF line endings and whitespace after = are accepted', () => {
    const entries = parsePublicKeys(`KAAAAAAAAAAAA1=  ${pemA.replace(/\n/g, '\r\n')}`);
    assert.equal(entries.length, 1);
    assert.ok(entries[0]![1].equals(rsa.publicKey));
  });

  test('empty or blank text → no entries, no error', () => {
    assert.deepEqual(parsePublicKeys(''), []);
    assert.deepEqual(parsePublicKeys('\n  \n'), []);
  });

  test('a lowercase id → KeyError naming SIGNING_PUBLIC_KEYS_FILE and the id', () => {
    const e = keyError(() => parsePublicKeys(`kaaaaaaaaaaaa1=${pemA}`));
    assert.match(e.message, /SIGNING_PUBLIC_KEYS_FILE/);
    assert.ok(e.message.includes('kaaaaaaaaaaaa1'));
  });

  test('a too-short id → KeyError naming SIGNING_PUBLIC_KEYS_FILE', () => {
    assert.match(keyError(() => parsePublicKeys(`KAB=${pemA}`)).message, /SIGNING_PUBLIC_KEYS_FILE/);
  });

  test('a garbage PEM body → KeyError naming SIGNING_PUBLIC_KEYS_FILE and the id', () => {
    const e = keyError(() => parsePublicKeys('KAAAAAAAAAAAA1=-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n'));
    assert.match(e.message, /SIGNING_PUBLIC_KEYS_FILE/);
    assert.ok(e.message.includes('KAAAAAAAAAAAA1'));
  });

  test('a good entry followed by a garbage one still fails', () => {
    const e = keyError(() => parsePublicKeys(`KAAAAAAAAAAAA1=${pemA}\nKBBBBBBBBBBBB2=-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n`));
    assert.ok(e.message.includes('KBBBBBBBBBBBB2'));
  });

  for (const [name, text] of [
    ['plain text', 'hello world\n'],
    ['a bare PEM without id', pemA],
    ['a PKCS#1 RSA PUBLIC KEY', `KAAAAAAAAAAAA1=${rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString()}`],
    ['an id without a key', 'KAAAAAAAAAAAA1=\n'],
  ] as const) {
    test(`a non-empty file with no entries (${name}) → KeyError naming SIGNING_PUBLIC_KEYS_FILE`, () => {
      assert.match(keyError(() => parsePublicKeys(text)).message, /SIGNING_PUBLIC_KEYS_FILE/);
    });
  }
});

test('a public keys file with a stray line besides a valid entry is refused, naming the line', () => {
  const pem = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  assert.throws(() => parsePublicKeys(`# rotated out on 2026-11-01\nKOLDKEY0000001=${pem}\nKBROKEN=not a key\n`), (e: Error) => e instanceof KeyError && /SIGNING_PUBLIC_KEYS_FILE: "KBROKEN=not a key"/.test(e.message));
  assert.equal(parsePublicKeys(`# comment\n\nKOLDKEY0000001=${pem}\n`).length, 1);
});
