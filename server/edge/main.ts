import { ConfigError, loadConfig } from '../config.ts';
import { listen } from '../ingest/port-sharing.ts';
import { createLogger } from '../log.ts';
import { KeyError, keySourcesOf, loadSigningKeys } from '../signing/keys.ts';
import { createVerifier } from '../signing/verifier.ts';
import { createCheckService } from './check-service.ts';

/**
 * `npm run edge-check`: the signature check of a self-hosted edge (nginx `auth_request`), with the same
 * keys as the origin (DATA_DIR or SIGNING_* variables) on EDGE_CHECK_PORT (default 8788) of BIND.
 */
async function main(): Promise<void> {
  let verifier;
  let config;
  try {
    config = loadConfig();
    verifier = createVerifier(loadSigningKeys(keySourcesOf(config)).publicKeys);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof KeyError) {
      process.stderr.write(`boxoffice edge-check: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const raw = process.env.EDGE_CHECK_PORT?.trim() || '8788';
  const port = /^\d{1,5}$/.test(raw) && Number(raw) > 0 && Number(raw) < 65536 ? Number(raw) : undefined;
  if (port === undefined) {
    process.stderr.write(`boxoffice edge-check: EDGE_CHECK_PORT=${JSON.stringify(raw)} is invalid: expected a TCP port, 1..65535\n`);
    process.exit(2);
  }
  const log = createLogger(config.logLevel).child({ part: 'edge-check' });
  const server = createCheckService(verifier, log);
  await listen(server, port, config.bind);
  log.info('edge check listening', { port, bind: config.bind });
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

await main();
