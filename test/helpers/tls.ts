import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';

/** A self-signed certificate for 127.0.0.1 and localhost, made by openssl into `dir` (never committed). */
export interface TestCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly pem: string;
  /** SHA-256 fingerprint as node prints it (AA:BB:…). */
  readonly fingerprint: string;
}

/** Makes a fresh RSA-2048 self-signed certificate valid for a day (`name` tells two apart). */
export function makeCertificate(dir: string, name = 'origin'): TestCertificate {
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1',
    '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { stdio: 'ignore' });
  const pem = fs.readFileSync(certFile, 'utf8');
  return { certFile, keyFile, pem, fingerprint: new crypto.X509Certificate(pem).fingerprint256 };
}

/** The SHA-256 fingerprint of the certificate a TLS port on 127.0.0.1 presents now. */
export function presentedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

/** An HTTPS request to 127.0.0.1 trusting only `ca`: status, headers and body. */
export function httpsRequest(port: number, p: string, ca: string, opts: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: p, method: opts.method ?? 'GET', ca, headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.once('error', reject);
    req.end(opts.body);
  });
}
