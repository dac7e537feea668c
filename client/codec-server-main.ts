/**
 * The codec server process (`node dist/client/codec-server-main.js`): lets the
 * Temporal Web UI and `temporal workflow show --codec-endpoint` read BlogTube's
 * encrypted payloads. Needs the same keys as the workers.
 */
import type { AddressInfo } from 'node:net';
import { codecFromEnv, KEYS_FILE_VAR, KEYS_VAR } from '../common/codec.js';
import {
  createCodecServer,
  loadCodecServerSettings,
  LOOPBACK_HOSTS,
} from '../common/codec-server.js';

async function main(): Promise<void> {
  const settings = loadCodecServerSettings();
  const codec = codecFromEnv();
  if (!codec) {
    throw new Error(
      `no encryption keys: set ${KEYS_VAR} (id:base64key[,id:base64key...], first = current; ` +
        `make a key with \`openssl rand -base64 32\`) or ${KEYS_FILE_VAR}, the same keys the workers use`,
    );
  }
  const log = (line: string): void => console.log(`[codec-server] ${line}`);
  const server = await createCodecServer({
    codec,
    uiOrigin: settings.uiOrigins,
    token: settings.token,
    log,
  }).listen(settings.port, settings.host);
  const { port } = server.address() as AddressInfo;
  log(
    `listening on http://${settings.host}:${port} (POST /encode, POST /decode, GET /healthz); ` +
      `Web UI origin ${settings.uiOrigins.join(' / ')}; keys ${codec.keyIds.join(', ')} (current ${codec.currentKeyId}); ` +
      `bearer token ${settings.token ? 'required' : 'off'}`,
  );
  if (!settings.token && !LOOPBACK_HOSTS.has(settings.host))
    log(
      `warning: listening on ${settings.host} without CODEC_SERVER_TOKEN: anyone who can reach it can decode`,
    );
  const stop = (): void => {
    server.close(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error('[codec-server] fatal:', err instanceof Error ? err.message : err);
  process.exit(1);
});
