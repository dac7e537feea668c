/**
 * The redelivery job's activity (GitHub App mode): list the App's recent
 * webhook deliveries (`GET /app/hook/deliveries`, authenticated as the App)
 * and ask GitHub to redeliver each failed event
 * (`POST /app/hook/deliveries/{id}/attempts`), so a command a maintainer gave
 * while the bridge was briefly unhealthy is not lost. Redelivering is safe:
 * the bridge and Temporal make every delivery idempotent.
 */
import type { Octokit } from '@octokit/rest';
import { atBoundary } from './boundary.js';
import { whileAlive } from './liveness.js';
import { deliveriesToRedeliver } from './pure/redelivery.js';
import type { DeliverySummary, RedeliveryRules } from './pure/redelivery.js';

/** Pages of 100 deliveries read at most per run. */
const MAX_PAGES = 20;

export interface RedeliveryResult {
  /** Deliveries listed. */
  checked: number;
  /** Delivery ids GitHub was asked to redeliver. */
  redelivered: number[];
}

/** `app`: an Octokit authenticated as the GitHub App itself (JWT), not an installation. */
export function createRedeliveryActivities({ app }: { app: Octokit }) {
  return {
    async redeliverFailedDeliveries(rules: RedeliveryRules): Promise<RedeliveryResult> {
      return whileAlive(async () => {
        const listed: DeliverySummary[] = [];
        let pages = 0;
        // Newest first: stop at the first page that reaches back past the window.
        for await (const { data } of app.paginate.iterator(app.rest.apps.listWebhookDeliveries, {
          per_page: 100,
        })) {
          listed.push(...data);
          pages += 1;
          if (pages >= MAX_PAGES || data.some((d) => d.delivered_at < rules.sinceIso)) break;
        }
        const ids = deliveriesToRedeliver(listed, rules);
        for (const id of ids) {
          await atBoundary('github', () =>
            app.rest.apps.redeliverWebhookDelivery({ delivery_id: id }),
          );
        }
        return { checked: listed.length, redelivered: ids };
      });
    },
  };
}

export type RedeliveryActivities = ReturnType<typeof createRedeliveryActivities>;
