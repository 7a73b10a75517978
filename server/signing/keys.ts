import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';

/** The signing key (parsed once) and every public key accepted when verifying, by key id. */
export interface SigningKeys {
  readonly keyPairId: string;
  readonly privateKey: KeyObject;
  /** SPKI PEM of the signing key, to register in a CloudFront key group. */
  readonly publicKeyPem: string;
  readonly publicKeys: ReadonlyMap<string, KeyObject>;
}

/** Where the keys come from. */
export interface KeySources {
  readonly dataDir: string;
  readonly keyPairId: string | undefined;
  readonly privateKeyFile: string | undefined;
  readonly publicKeysFile: string | undefined;
}

/** The key sources the configuration names. */
export function keySourcesOf(config: Pick<Config, 'dataDir' | 'signingKeyPairId' | 'signingPrivateKeyFile' | 'signingPublicKeysFile'>): KeySources {
  return { dataDir: config.dataDir, keyPairId: config.signingKeyPairId, privateKeyFile: config.signingPrivateKeyFile, publicKeysFile: config.signingPublicKeysFile };
}

/** A key problem that stops start-up, naming the variable or file. */
export class KeyError extends Error {
  override name = 'KeyError';
}

/** CloudFront-style key ids: public key ids (`K…`) and legacy key pairs (`APKA…`): uppercase letters and digits. */
export const KEY_ID = /^[A-Z0-9]{8,64}$/;

/**
 * Loads the signing key: the configured CloudFront key, or the one generated into DATA_DIR/signing on
 * first start (RSA-2048, private key mode 0600, a `K…` key id). Extra public keys come from an
 * `id=PEM` file so URLs signed with a rotated-out key keep working.
 */
export function loadSigningKeys(src: KeySources): SigningKeys & { generated: boolean } {
  const { keyPairId, privateKey, generated } = src.privateKeyFile ? loadConfiguredKey(src) : loadOrGenerateKey(src.dataDir);
  const publicKey = crypto.createPublicKey(privateKey);
  const publicKeys = new Map<string, KeyObject>(src.publicKeysFile ? readPublicKeysFile(src.publicKeysFile) : []);
  publicKeys.set(keyPairId, publicKey);
  return { keyPairId, privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), publicKeys, generated };
}

function loadConfiguredKey(src: KeySources): { keyPairId: string; privateKey: KeyObject; generated: false } {
  if (!src.keyPairId || !KEY_ID.test(src.keyPairId)) throw new KeyError('SIGNING_KEY_PAIR_ID: set it with SIGNING_PRIVATE_KEY_FILE, e.g. K2JCJMDEHXQW5F');
  return { keyPairId: src.keyPairId, privateKey: readPrivateKey(src.privateKeyFile!, 'SIGNING_PRIVATE_KEY_FILE'), generated: false };
}

function loadOrGenerateKey(dataDir: string): { keyPairId: string; privateKey: KeyObject; generated: boolean } {
  const dir = path.join(dataDir, 'signing');
  const keyFile = path.join(dir, 'private-key.pem');
  const idFile = path.join(dir, 'key-pair-id');
  if (fs.existsSync(keyFile)) {
    return { keyPairId: fs.readFileSync(idFile, 'utf8').trim(), privateKey: readPrivateKey(keyFile, keyFile), generated: false };
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPairId = `K${crypto.randomBytes(10).toString('hex').toUpperCase().slice(0, 13)}`;
  // the id first: a crash between the two writes leaves no key without an id
  fs.writeFileSync(idFile, `${keyPairId}\n`, { mode: 0o644 });
  fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  return { keyPairId, privateKey, generated: true };
}

function readPrivateKey(file: string, name: string): KeyObject {
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new KeyError(`${name}: cannot read ${file} (${(e as NodeJS.ErrnoException).code})`);
  }
  try {
    const key = crypto.createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ec') throw new Error(`a ${key.asymmetricKeyType} key`);
    return key;
  } catch (e) {
    throw new KeyError(`${name}: ${file} is not an RSA or ECDSA private key in PEM (${(e as Error).message})`);
  }
}

/** Reads `id=PEM` entries (a PEM spans lines until its END line). */
export function readPublicKeysFile(file: string): Array<[string, KeyObject]> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new KeyError(`SIGNING_PUBLIC_KEYS_FILE: cannot read ${file} (${(e as NodeJS.ErrnoException).code})`);
  }
  return parsePublicKeys(text);
}

/** Parses `id=PEM` entries (blank lines and `#` comments allowed); every problem names the entry or line. */
export function parsePublicKeys(text: string): Array<[string, KeyObject]> {
  const entries: Array<[string, KeyObject]> = [];
  const re = /^([^=\s]+)=\s*(-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----)/gm;
  for (const m of text.matchAll(re)) {
    const [, id, pem] = m;
    if (!KEY_ID.test(id!)) throw new KeyError(`SIGNING_PUBLIC_KEYS_FILE: "${id}" is not a key id (uppercase letters and digits)`);
    try {
      entries.push([id!, crypto.createPublicKey(pem!)]);
    } catch (e) {
      throw new KeyError(`SIGNING_PUBLIC_KEYS_FILE: the key for ${id} is not a valid public key (${(e as Error).message})`);
    }
  }
  const leftover = text.replace(re, '').split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
  if (leftover !== undefined) throw new KeyError(`SIGNING_PUBLIC_KEYS_FILE: "${leftover.slice(0, 40)}" is not part of an ID=-----BEGIN PUBLIC KEY-----… entry`);
  return entries;
}
