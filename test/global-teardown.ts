/**
 * Jest global teardown: the secret scan, then stop the dev server started by
 * global-setup.ts.
 *
 * Secrets never leave the worker's memory: before the dev server stops, every
 * workflow the run left on it is fetched, every payload decrypted with the
 * codec keys the test stacks recorded, and the histories and the captured
 * logs are searched for every recorded secret (test/support/secret-scan.ts).
 * It runs here, after every test file has finished, because a test file that
 * only sorts last could still run beside another one. A hit fails the run:
 * the error is printed and Jest exits non-zero. `BLOGTUBE_SECRET_SCAN=off`
 * skips the scan.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DevServer } from '../scripts/dev-server.js';

declare global {
  var __BLOGTUBE_DEV_SERVER__: DevServer | undefined;
}

export default async function globalTeardown(): Promise<void> {
  const server = globalThis.__BLOGTUBE_DEV_SERVER__;
  globalThis.__BLOGTUBE_DEV_SERVER__ = undefined;
  let failure: Error | undefined;
  try {
    if (server && process.env.BLOGTUBE_SECRET_SCAN !== 'off') failure = await secretScan(server);
  } finally {
    await server?.stop();
  }
  if (failure) throw failure;
}

async function secretScan(server: DevServer): Promise<Error | undefined> {
  const scan = await import('./support/secret-scan.js');
  const { Client, Connection } = await import('@temporalio/client');
  const { secrets, codecKeySpecs } = scan.readRecordedSecrets();
  const logFiles = scan.filesUnder(scan.logsDir());
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  if (secrets.length === 0) {
    log('[secret-scan] no test stack recorded secrets in this run: nothing to look for');
    writeFileSync(join(scan.runDir(), 'secret-scan.json'), '{"skipped":"no secrets recorded"}\n');
    return undefined;
  }
  const connection = await Connection.connect({ address: server.address });
  let result;
  try {
    const client = new Client({ connection, namespace: 'default' });
    result = await scan.scanNamespace({ client, secrets, codecKeySpecs, logFiles });
  } finally {
    await connection.close();
  }
  const report = join(scan.runDir(), 'secret-scan.json');
  writeFileSync(
    report,
    `${JSON.stringify({ ...result, secretsLookedFor: secrets.map((s) => s.name) }, null, 2)}\n`,
  );
  scan.retireTestSecrets();
  log(`\n[secret-scan] ${scan.describeScan(result)} (report: ${report})`);
  if (result.unreadable.length > 0) {
    log(`[secret-scan] histories not read: ${result.unreadable.slice(0, 5).join('; ')}`);
  }
  if (result.hits.length > 0) {
    const lines = result.hits.slice(0, 20).map((h) => `  ${h.secret} in ${h.where}`);
    return new Error(
      `SECRET SCAN FAILED: ${result.hits.length} secret(s) found in workflow histories or logs:\n${lines.join('\n')}`,
    );
  }
  // Payloads under a recorded key id that no recorded key opens: a stack's
  // keys were not recorded, and the scan of those payloads would be vacuous.
  const recordedIds = new Set(scan.codecsFor(codecKeySpecs).map((c) => c.id));
  const missed = Object.entries(result.undecryptable).filter(([id]) => recordedIds.has(id));
  if (missed.length > 0) {
    return new Error(
      `SECRET SCAN FAILED: ${missed.map(([id, n]) => `${n} payload(s) under key id ${id}`).join(', ')} could not be decrypted with the recorded keys, so they were not scanned`,
    );
  }
  return undefined;
}
