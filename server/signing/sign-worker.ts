// A signing thread of the signing pool: signs folder grants with the key it was started with.
import type { KeyObject } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { createSigner, type FolderGrant, type GrantOptions, type HashAlgorithm } from './signer.ts';

/** What a signing thread is started with. */
export interface SignWorkerData {
  readonly keyPairId: string;
  readonly privateKey: KeyObject;
  readonly publicUrl: string;
  readonly hashAlgorithm: HashAlgorithm;
}

/** One grant to sign. */
export interface SignRequest {
  readonly id: number;
  readonly folder: string;
  readonly file: string;
  readonly opts: GrantOptions;
}

/** The signed grant, or why it could not be signed. */
export type SignResult = { readonly id: number; readonly grant: FolderGrant } | { readonly id: number; readonly error: string };

if (parentPort) {
  const port = parentPort;
  const data = workerData as SignWorkerData;
  const signer = createSigner(data, data.publicUrl, data.hashAlgorithm);
  port.on('message', (req: SignRequest) => {
    let result: SignResult;
    try {
      result = { id: req.id, grant: signer.signFolder(req.folder, req.file, req.opts) };
    } catch (e) {
      result = { id: req.id, error: (e as Error).message };
    }
    port.postMessage(result);
  });
}
