/**
 * The webhook bridge's observability: /metrics, /healthz and /readyz on the
 * bridge's own server, and a count and timing of every webhook delivery.
 * Label values are bounded: an unverified request's event header is not
 * trusted as a label.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Client } from '@temporalio/client';
import { BridgeMetrics } from './metrics.js';
import { observabilityHandler } from './metrics-server.js';
import type { Readiness } from './metrics-server.js';

const LABEL = /^[a-z_][a-z0-9_.-]{0,39}$/;

/** `event` and `result` labels of a delivery answered with `status` and `body`. */
export function deliveryLabels(
  eventHeader: unknown,
  status: number,
  body: Record<string, unknown>,
): { event: string; result: string } {
  const verified = status !== 400 && status !== 401 && status !== 413 && status !== 415;
  const event = !verified
    ? 'unverified'
    : typeof eventHeader === 'string' && LABEL.test(eventHeader)
      ? eventHeader
      : 'other';
  const r = body.result;
  const result =
    typeof r === 'string' && LABEL.test(r) ? r : status >= 500 ? 'error' : `http_${status}`;
  return { event, result };
}

/** Ready when the Temporal frontend answers within 2 s. */
export async function clientReadiness(client: Client): Promise<Readiness> {
  try {
    await client.connection.withDeadline(Date.now() + 2000, () =>
      client.workflowService.getSystemInfo({}),
    );
    return { ready: true, checks: { temporal: 'ok' } };
  } catch (err) {
    return { ready: false, checks: { temporal: err instanceof Error ? err.message : String(err) } };
  }
}

/** The bridge's `observe` option (client/bridge.ts): routes and delivery metrics. */
export function bridgeObserver(
  client: Client,
  metrics = new BridgeMetrics(),
  memoryThresholdBytes?: number,
) {
  const route = observabilityHandler({
    registry: metrics.registry,
    ready: () => clientReadiness(client),
    memoryThresholdBytes,
  });
  return {
    metrics,
    route: (req: IncomingMessage, res: ServerResponse) => route(req, res),
    delivered(req: IncomingMessage, status: number, body: Record<string, unknown>, ms: number) {
      const { event, result } = deliveryLabels(req.headers['x-github-event'], status, body);
      metrics.deliveries.inc({ event, result });
      metrics.deliveryDuration.observe({ event }, ms / 1000);
    },
  };
}
