import fs from 'node:fs';
import tls from 'node:tls';

/** A certificate that could not be loaded: names the file and what is wrong. */
export class CertificateError extends Error {
  override readonly name = 'CertificateError';
}

/** The TLS certificate of the HTTPS and RTMPS ports, reloadable without dropping connections. */
export interface TlsCertificate {
  /** The context new connections use. */
  current(): tls.SecureContext;
  /** Reads the files again; on failure keeps the current certificate and throws CertificateError. */
  reload(): void;
}

/** Loads a PEM certificate (chain) and key; a bad file is a CertificateError naming it. */
export function loadTlsCertificate(certFile: string, keyFile: string): TlsCertificate {
  const read = (): tls.SecureContext => {
    const file = (p: string, what: string): Buffer => {
      try {
        return fs.readFileSync(p);
      } catch (e) {
        throw new CertificateError(`cannot read the TLS ${what} ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    };
    const cert = file(certFile, 'certificate (TLS_CERT_FILE)');
    const key = file(keyFile, 'key (TLS_KEY_FILE)');
    try {
      return tls.createSecureContext({ cert, key, minVersion: 'TLSv1.2' });
    } catch (e) {
      throw new CertificateError(`TLS_CERT_FILE ${certFile} and TLS_KEY_FILE ${keyFile} are not a PEM certificate and its key: ${(e as Error).message}`);
    }
  };
  // existing connections keep the context they were made with; only new ones see a reload
  let context = read();
  return {
    current: () => context,
    reload() {
      context = read();
    },
  };
}
