/**
 * The observability endpoints of a process: `GET /metrics` (Prometheus text
 * format), `GET /healthz` (the process is alive) and `GET /readyz` (it can do
 * its work: connected to Temporal, worker polling). /healthz answers 503 once
 * resident memory passes the profile's threshold. The bridge mounts them on
 * its own server; each worker serves them on its metrics port.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { exportMemoryThreshold } from './metrics.js';

export interface Readiness {
  ready: boolean;
  /** Why (shown in the /readyz body). */
  checks: Record<string, unknown>;
}

export interface ObservabilityOptions {
  registry: Registry;
  /** Readiness probe; a throw or a timeout counts as not ready. */
  ready(): Promise<Readiness>;
  /** How long /readyz waits for the probe (default 3 s). */
  readyTimeoutMs?: number;
  /**
   * Resident memory (bytes) above which /healthz answers 503, so a container
   * orchestrator replaces the process (the profile's memory threshold; none: no limit).
   */
  memoryThresholdBytes?: number;
  /** The process's resident memory (default `process.memoryUsage.rss`). */
  rss?: () => number;
}

/** The /healthz answer: alive, and within its memory threshold when one is set. */
export function health(opts: Pick<ObservabilityOptions, 'memoryThresholdBytes' | 'rss'>): {
  status: number;
  body: Record<string, unknown>;
} {
  const limit = opts.memoryThresholdBytes;
  if (limit === undefined) return { status: 200, body: { ok: true } };
  const rss = (opts.rss ?? process.memoryUsage.rss)();
  const mib = (b: number) => Math.round(b / 2 ** 20);
  const memory = { rssMb: mib(rss), thresholdMb: mib(limit) };
  return rss > limit
    ? { status: 503, body: { ok: false, error: 'resident memory over the threshold', ...memory } }
    : { status: 200, body: { ok: true, ...memory } };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

async function probe(opts: ObservabilityOptions): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined;
  const timeoutMs = opts.readyTimeoutMs ?? 3000;
  const timeout = new Promise<Readiness>((resolve) => {
    timer = setTimeout(
      () => resolve({ ready: false, checks: { error: `probe timed out after ${timeoutMs} ms` } }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([
      opts.ready().catch((err: unknown): Readiness => ({
        ready: false,
        checks: { error: err instanceof Error ? err.message : String(err) },
      })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Answers /metrics, /healthz and /readyz; returns false (and writes nothing)
 * for any other request, so a server can route the rest itself.
 */
export function observabilityHandler(opts: ObservabilityOptions) {
  if (opts.memoryThresholdBytes !== undefined)
    exportMemoryThreshold(opts.registry, opts.memoryThresholdBytes);
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = (req.url ?? '/').split('?')[0];
    if (url !== '/metrics' && url !== '/healthz' && url !== '/readyz') return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'application/json', JSON.stringify({ error: 'use GET' }));
      return true;
    }
    try {
      if (url === '/metrics') {
        send(res, 200, opts.registry.contentType, await opts.registry.metrics());
      } else if (url === '/healthz') {
        const h = health(opts);
        send(res, h.status, 'application/json', JSON.stringify(h.body));
      } else {
        const r = await probe(opts);
        send(
          res,
          r.ready ? 200 : 503,
          'application/json',
          JSON.stringify({ ok: r.ready, ...r.checks }),
        );
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      send(res, 500, 'application/json', JSON.stringify({ error: message }));
    }
    return true;
  };
}

/** A server for the observability endpoints alone (the workers'); port 0 picks a free port. */
export async function startMetricsServer(
  opts: ObservabilityOptions & { host: string; port: number },
): Promise<Server> {
  const handle = observabilityHandler(opts);
  const server = createServer((req, res) => {
    void handle(req, res).then((done) => {
      if (!done) send(res, 404, 'application/json', JSON.stringify({ error: 'not found' }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return server;
}
