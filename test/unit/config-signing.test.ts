import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadConfig } from '../../server/config.ts';
import { configError, CWD } from '../helpers/config.ts';


const KEY_PAIR = { SIGNING_KEY_PAIR_ID: 'K2JCJMDEHXQW5F', SIGNING_PRIVATE_KEY_FILE: '/etc/boxoffice/cf.pem' };

describe('signing configuration defaults', () => {
  test('empty environment', () => {
    const c = loadConfig({}, CWD);
    assert.equal(c.enforceSignatures, true);
    assert.equal(c.trustProxy, false);
    assert.equal(c.signingHashAlgorithm, 'SHA1');
    assert.equal(c.signingBindIp, false);
    assert.equal(c.accessHours, 24);
    assert.equal(c.signingKeyPairId, undefined);
    assert.equal(c.signingPrivateKeyFile, undefined);
    assert.equal(c.signingPublicKeysFile, undefined);
  });

  test('blank values fall back to the defaults', () => {
    const c = loadConfig({ ENFORCE_SIGNATURES: ' ', SIGNING_HASH_ALGORITHM: '', ACCESS_HOURS: '  ', SIGNING_KEY_PAIR_ID: '', SIGNING_PRIVATE_KEY_FILE: ' ' }, CWD);
    assert.equal(c.enforceSignatures, true);
    assert.equal(c.signingHashAlgorithm, 'SHA1');
    assert.equal(c.accessHours, 24);
    assert.equal(c.signingKeyPairId, undefined);
    assert.equal(c.signingPrivateKeyFile, undefined);
  });

  test('the config is frozen', () => {
    const c = loadConfig({}, CWD);
    assert.ok(Object.isFrozen(c));
  });
});

describe('SIGNING_KEY_PAIR_ID and SIGNING_PRIVATE_KEY_FILE', () => {
  test('both set: accepted, an absolute file path kept', () => {
    const c = loadConfig(KEY_PAIR, CWD);
    assert.equal(c.signingKeyPairId, 'K2JCJMDEHXQW5F');
    assert.equal(c.signingPrivateKeyFile, '/etc/boxoffice/cf.pem');
  });

  test('a legacy APKA… id is accepted', () => {
    assert.equal(loadConfig({ ...KEY_PAIR, SIGNING_KEY_PAIR_ID: 'APKAEIBAERJR2EXAMPLE' }, CWD).signingKeyPairId, 'APKAEIBAERJR2EXAMPLE');
  });

  test('the id alone → ConfigError naming both variables', () => {
    const e = configError({ SIGNING_KEY_PAIR_ID: 'K2JCJMDEHXQW5F' });
    assert.equal(e.problems.length, 1);
    assert.match(e.problems[0]!, /SIGNING_KEY_PAIR_ID/);
    assert.match(e.problems[0]!, /SIGNING_PRIVATE_KEY_FILE/);
    assert.match(e.message, /SIGNING_KEY_PAIR_ID[\s\S]*SIGNING_PRIVATE_KEY_FILE|SIGNING_PRIVATE_KEY_FILE[\s\S]*SIGNING_KEY_PAIR_ID/);
  });

  test('the file alone → ConfigError naming both variables', () => {
    const e = configError({ SIGNING_PRIVATE_KEY_FILE: 'cf.pem' });
    assert.equal(e.problems.length, 1);
    assert.match(e.problems[0]!, /SIGNING_KEY_PAIR_ID/);
    assert.match(e.problems[0]!, /SIGNING_PRIVATE_KEY_FILE/);
  });

  for (const id of ['k2jcjmdehxqw5f', 'K2JC', 'K2JC-MDEHXQW5F', `K${'A'.repeat(64)}`]) {
    test(`an invalid id ${JSON.stringify(id)} → ConfigError naming SIGNING_KEY_PAIR_ID`, () => {
      const e = configError({ ...KEY_PAIR, SIGNING_KEY_PAIR_ID: id });
      assert.ok(e.problems.some((p) => p.startsWith('SIGNING_KEY_PAIR_ID=')), e.message);
    });
  }

  test('relative SIGNING_PRIVATE_KEY_FILE and SIGNING_PUBLIC_KEYS_FILE resolve against cwd', () => {
    const c = loadConfig({ SIGNING_KEY_PAIR_ID: 'K2JCJMDEHXQW5F', SIGNING_PRIVATE_KEY_FILE: 'keys/cf.pem', SIGNING_PUBLIC_KEYS_FILE: './keys/old.txt' }, CWD);
    assert.equal(c.signingPrivateKeyFile, path.join(CWD, 'keys', 'cf.pem'));
    assert.equal(c.signingPublicKeysFile, path.join(CWD, 'keys', 'old.txt'));
    const other = loadConfig({ SIGNING_KEY_PAIR_ID: 'K2JCJMDEHXQW5F', SIGNING_PRIVATE_KEY_FILE: '../cf.pem' }, CWD);
    assert.equal(other.signingPrivateKeyFile, path.resolve(CWD, '..', 'cf.pem'));
  });

  test('SIGNING_PUBLIC_KEYS_FILE alone is fine (generated key plus rotation keys)', () => {
    const c = loadConfig({ SIGNING_PUBLIC_KEYS_FILE: '/etc/old.txt' }, CWD);
    assert.equal(c.signingPublicKeysFile, '/etc/old.txt');
    assert.equal(c.signingKeyPairId, undefined);
  });
});

describe('boolean variables', () => {
  const truthy = ['true', '1', 'yes', 'TRUE', 'Yes', 'on'];
  const falsy = ['false', '0', 'no', 'FALSE', 'No', 'off'];
  for (const name of ['ENFORCE_SIGNATURES', 'TRUST_PROXY', 'SIGNING_BIND_IP'] as const) {
    const field = ({ ENFORCE_SIGNATURES: 'enforceSignatures', TRUST_PROXY: 'trustProxy', SIGNING_BIND_IP: 'signingBindIp' } as const)[name];
    test(`${name} accepts ${truthy.join('/')} as true and ${falsy.join('/')} as false`, () => {
      for (const v of truthy) assert.equal(loadConfig({ [name]: v }, CWD)[field], true, `${name}=${v}`);
      for (const v of falsy) assert.equal(loadConfig({ [name]: v }, CWD)[field], false, `${name}=${v}`);
    });
    for (const bad of ['maybe', '2', 'y', 'truee']) {
      test(`${name}=${bad} → ConfigError naming ${name}`, () => {
        const e = configError({ [name]: bad });
        assert.equal(e.problems.length, 1);
        assert.ok(e.problems[0]!.startsWith(`${name}=`), e.problems[0]);
        assert.ok(e.problems[0]!.includes(JSON.stringify(bad)));
      });
    }
  }

  test('ENFORCE_SIGNATURES=false turns enforcement off', () => {
    assert.equal(loadConfig({ ENFORCE_SIGNATURES: 'false' }, CWD).enforceSignatures, false);
    assert.equal(loadConfig({ ENFORCE_SIGNATURES: ' no ' }, CWD).enforceSignatures, false);
  });
});

describe('SIGNING_HASH_ALGORITHM', () => {
  test('SHA1 and SHA256 accepted', () => {
    assert.equal(loadConfig({ SIGNING_HASH_ALGORITHM: 'SHA1' }, CWD).signingHashAlgorithm, 'SHA1');
    assert.equal(loadConfig({ SIGNING_HASH_ALGORITHM: 'SHA256' }, CWD).signingHashAlgorithm, 'SHA256');
  });

  for (const bad of ['SHA512', 'MD5', 'SHA-256']) {
    test(`${bad} rejected, naming the variable`, () => {
      const e = configError({ SIGNING_HASH_ALGORITHM: bad });
      assert.equal(e.problems.length, 1);
      assert.ok(e.problems[0]!.startsWith('SIGNING_HASH_ALGORITHM='), e.problems[0]);
      assert.match(e.problems[0]!, /SHA1, SHA256/);
    });
  }
});

describe('ACCESS_HOURS', () => {
  test('hours up to 8784 accepted, fractions too (short trials and tests)', () => {
    assert.equal(loadConfig({ ACCESS_HOURS: '1' }, CWD).accessHours, 1);
    assert.equal(loadConfig({ ACCESS_HOURS: '1.5' }, CWD).accessHours, 1.5);
    assert.equal(loadConfig({ ACCESS_HOURS: '0.004' }, CWD).accessHours, 0.004);
    assert.equal(loadConfig({ ACCESS_HOURS: '48' }, CWD).accessHours, 48);
    assert.equal(loadConfig({ ACCESS_HOURS: String(24 * 366) }, CWD).accessHours, 24 * 366);
  });

  for (const bad of ['0', '0.0000', '-1', '.5', '1e3', String(24 * 366 + 1), 'day']) {
    test(`ACCESS_HOURS=${bad} rejected, naming the variable`, () => {
      const e = configError({ ACCESS_HOURS: bad });
      assert.equal(e.problems.length, 1);
      assert.ok(e.problems[0]!.startsWith('ACCESS_HOURS='), e.problems[0]);
    });
  }
});

test('every bad signing variable is reported at once', () => {
  const e = configError({ ENFORCE_SIGNATURES: 'maybe', SIGNING_HASH_ALGORITHM: 'SHA512', ACCESS_HOURS: '0', SIGNING_KEY_PAIR_ID: 'K2JCJMDEHXQW5F' });
  assert.equal(e.problems.length, 4, e.message);
  for (const name of ['ENFORCE_SIGNATURES', 'SIGNING_HASH_ALGORITHM', 'ACCESS_HOURS', 'SIGNING_PRIVATE_KEY_FILE']) assert.ok(e.message.includes(name), name);
});
