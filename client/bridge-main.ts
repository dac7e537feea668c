/** The webhook bridge process (`node dist/client/bridge-main.js`). */
import { createGitHubClient } from '../common/github-app.js';
import { loadSettings, readSecretList } from '../common/env.js';
import { assertReady } from '../common/mode.js';
import { createBridge } from './bridge.js';
import { PermissionChecker } from './permissions.js';
import { connectClient } from './temporal.js';

async function main(): Promise<void> {
  assertReady(process.env, 'bridge');
  const settings = loadSettings();
  const client = await connectClient(settings);
  const octokit = createGitHubClient(settings.GITHUB_API_URL);
  const bridge = createBridge({
    client,
    permissions: new PermissionChecker(octokit, settings.PERMISSION_CACHE_SECONDS * 1000),
    secrets: readSecretList('GITHUB_WEBHOOK_SECRET'),
    orchestratorTaskQueue: settings.ORCHESTRATOR_TASK_QUEUE,
    modelTaskQueue: settings.MODEL_TASK_QUEUE,
    triggerLabel: settings.BLOGTUBE_TRIGGER_LABEL,
    maxBodyBytes: settings.WEBHOOK_MAX_BYTES,
    log: (line) => console.log(`[bridge] ${line}`),
  });
  const server = await bridge.listen(settings.BRIDGE_PORT, settings.BRIDGE_HOST);
  console.log(
    `[bridge] listening on http://${settings.BRIDGE_HOST}:${settings.BRIDGE_PORT} (POST /webhooks, GET /healthz)`,
  );
  const stop = () => {
    server.close(() => {
      void client.connection.close().finally(() => process.exit(0));
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error('[bridge] fatal:', err instanceof Error ? err.message : err);
  process.exit(1);
});
