/**
 * `blogtube trigger`: a GitHub event handled exactly as the webhook bridge
 * handles a delivery, for installations without a public endpoint — a GitHub
 * Actions job runs it with the event GitHub gave the job (`GITHUB_EVENT_NAME`,
 * `GITHUB_EVENT_PATH`) against a Temporal it can reach (e.g. Temporal Cloud).
 * The bridge runs in this process on loopback for the one delivery, with a
 * one-time signing secret: same filters, permission checks, comment commands,
 * and signalWithStart, so a run is started or signalled, never started twice.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Settings } from '../common/env.js';
import { workspaceQueueOf } from '../common/env.js';
import { createGitHubClient } from '../common/github-app.js';
import { assertReady } from '../common/mode.js';
import { createBridge, serverUrl } from './bridge.js';
import { deliverWebhook } from './demo.js';
import { CliError, EXIT } from './pure/cli-errors.js';
import { PermissionChecker } from './permissions.js';
import { connectClient } from './temporal.js';

export interface TriggerResult {
  event: string;
  deliveryId: string;
  status: number;
  reply: unknown;
}

export async function runTrigger(opts: {
  settings: Settings;
  event: string;
  payload: unknown;
  deliveryId: string;
  env?: NodeJS.ProcessEnv;
}): Promise<TriggerResult> {
  const env = opts.env ?? process.env;
  const { settings } = opts;
  const client = await connectClient(settings, env);
  try {
    const secret = randomBytes(32).toString('hex');
    const bridge = createBridge({
      client,
      permissions: new PermissionChecker(
        createGitHubClient(settings.GITHUB_API_URL, env),
        settings.PERMISSION_CACHE_SECONDS * 1000,
      ),
      secrets: [secret],
      orchestratorTaskQueue: settings.ORCHESTRATOR_TASK_QUEUE,
      modelTaskQueue: settings.MODEL_TASK_QUEUE,
      ...workspaceQueueOf(settings),
      triggerLabel: settings.BLOGTUBE_TRIGGER_LABEL,
      maxBodyBytes: settings.WEBHOOK_MAX_BYTES,
    });
    const server = await bridge.listen(0, '127.0.0.1');
    try {
      const r = await deliverWebhook(
        serverUrl(server),
        secret,
        opts.event,
        opts.payload,
        opts.deliveryId,
      );
      return { event: opts.event, deliveryId: opts.deliveryId, status: r.status, reply: r.reply };
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  } finally {
    await client.connection.close();
  }
}

export function registerTrigger(program: Command, settings: Settings): void {
  program
    .command('trigger')
    .description(
      'handle one GitHub event as the webhook bridge would (for GitHub Actions: no public endpoint needed)',
    )
    .option('--event <name>', 'event name (issues, issue_comment); default $GITHUB_EVENT_NAME')
    .option('--payload <file>', 'the event payload JSON; default $GITHUB_EVENT_PATH')
    .option(
      '--delivery-id <id>',
      'recorded like X-GitHub-Delivery; default $GITHUB_RUN_ID-$GITHUB_RUN_ATTEMPT',
    )
    .option('--json', 'print JSON')
    .action(
      async (opts: { event?: string; payload?: string; deliveryId?: string; json?: boolean }) => {
        const env = process.env;
        const event = opts.event ?? env.GITHUB_EVENT_NAME;
        const file = opts.payload ?? env.GITHUB_EVENT_PATH;
        if (!event || !file)
          throw new CliError(
            'give --event and --payload (or run inside GitHub Actions, which sets GITHUB_EVENT_NAME and GITHUB_EVENT_PATH)',
            EXIT.usage,
          );
        let payload: unknown;
        try {
          payload = JSON.parse(readFileSync(file, 'utf8'));
        } catch (err) {
          throw new CliError(
            `cannot read the payload ${file}: ${err instanceof Error ? err.message : err}`,
            EXIT.usage,
          );
        }
        try {
          assertReady(env, 'trigger');
        } catch (err) {
          throw new CliError((err as Error).message, EXIT.usage);
        }
        const deliveryId =
          opts.deliveryId ??
          (env.GITHUB_RUN_ID
            ? `actions-${env.GITHUB_RUN_ID}-${env.GITHUB_RUN_ATTEMPT ?? '1'}`
            : randomUUID());
        let result: TriggerResult;
        try {
          result = await runTrigger({ settings, event, payload, deliveryId, env });
        } catch (err) {
          throw new CliError(
            `cannot reach Temporal at ${settings.TEMPORAL_ADDRESS} (${err instanceof Error ? err.message : err})`,
            EXIT.unavailable,
          );
        }
        const line = `${event}: HTTP ${result.status} ${JSON.stringify(result.reply)}`;
        process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : `${line}\n`);
        if (result.status >= 300)
          throw new CliError(`the event was refused: ${line}`, EXIT.unsuccessful);
      },
    );
}
