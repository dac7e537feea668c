/** The webhook bridge process (`node dist/client/bridge-main.js`). */
import { createGitHubClient, readAppCredentials } from '../common/github-app.js';
import { loadSettings, readSecretList } from '../common/env.js';
import { assertReady } from '../common/mode.js';
import { memoryThresholdBytes } from '../common/profiles.js';
import { createLogger, logOptionsFromEnv } from '../common/logger.js';
import { bridgeObserver } from '../common/metrics-bridge.js';
import { createBridge } from './bridge.js';
import { PermissionChecker } from './permissions.js';
import { ensureRedeliverySchedule, REDELIVERY_SCHEDULE_ID } from './redelivery-schedule.js';
import { connectClient } from './temporal.js';

async function main(): Promise<void> {
  const logger = createLogger({ name: 'bridge', ...logOptionsFromEnv() });
  // Start and stop lines are printed even when LOG_LEVEL is warn.
  const lifecycle = logger.child(
    {},
    { level: logger.isLevelEnabled('info') ? logger.level : 'info' },
  );
  try {
    assertReady(process.env, 'bridge');
    const settings = loadSettings();
    const client = await connectClient(settings);
    const octokit = createGitHubClient(
      settings.GITHUB_API_URL,
      process.env,
      settings.profile.cacheTtlMs,
    );
    const bridge = createBridge({
      client,
      permissions: new PermissionChecker(octokit, settings.PERMISSION_CACHE_SECONDS * 1000),
      secrets: readSecretList('GITHUB_WEBHOOK_SECRET'),
      orchestratorTaskQueue: settings.ORCHESTRATOR_TASK_QUEUE,
      triggerLabel: settings.BLOGTUBE_TRIGGER_LABEL,
      historyCap: settings.BRIDGE_HISTORY_CAP,
      maxBodyBytes: settings.WEBHOOK_MAX_BYTES,
      log: (line) => logger.info(line),
      observe: bridgeObserver(client, undefined, memoryThresholdBytes(settings.profile)),
    });
    // App mode: failed deliveries are asked for again by a scheduled job (GitHub never retries).
    if (readAppCredentials()) {
      const created = await ensureRedeliverySchedule(client, {
        taskQueue: settings.ORCHESTRATOR_TASK_QUEUE,
      });
      lifecycle.info(
        `redelivery schedule ${REDELIVERY_SCHEDULE_ID}: ${created ? 'created' : 'exists'}`,
      );
    }
    const server = await bridge.listen(settings.BRIDGE_PORT, settings.BRIDGE_HOST);
    const base = `http://${settings.BRIDGE_HOST}:${settings.BRIDGE_PORT}`;
    lifecycle.info(
      { webhooks: `${base}/webhooks`, metrics: `${base}/metrics`, profile: settings.profile.name },
      `bridge listening on ${base} (POST /webhooks, GET /metrics, /healthz, /readyz)`,
    );
    const stop = (signal: string) => {
      lifecycle.info(`bridge stopping (${signal})`);
      server.close(() => {
        void client.connection.close().finally(() => {
          lifecycle.info('bridge stopped');
          process.exit(0);
        });
      });
      // Idle keep-alive sockets must not hold the close up.
      server.closeIdleConnections();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  } catch (err) {
    logger.fatal({ err }, `bridge fatal: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  // Only a bad LOG_LEVEL / LOG_FORMAT gets here: there is no logger to say it with.
  process.stderr.write(`bridge fatal: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
