/**
 * The webhook bridge: the HTTP side of GitHub's webhooks. It verifies GitHub's
 * signature (@octokit/webhooks, every configured secret during a rotation)
 * before it parses the body, recognises redeliveries by their delivery id,
 * serves /healthz, and hands every verified event to the dispatcher
 * (`dispatch.ts`), which turns it into a Temporal call.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhooks } from '@octokit/webhooks';
import { BodyTooLargeError, readBody } from '../common/http-body.js';
import { createDispatcher, UNAVAILABLE } from './dispatch.js';
import type { DispatchOptions, Reply } from './dispatch.js';
import { RecentDeliveries } from './pure/webhook-router.js';

export interface BridgeOptions extends DispatchOptions {
  secrets: string[];
  maxBodyBytes: number;
  /** How many delivery ids (`X-GitHub-Delivery`) to remember to recognise redeliveries (10,000). */
  recentDeliveries?: number;
  /** Observability (bridge-main, tests): serves /metrics, /healthz, /readyz; told of every delivery. */
  observe?: BridgeObserver;
}

export interface BridgeObserver {
  /** Answer the request if it is an observability route; false otherwise. */
  route(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** A webhook delivery was answered. */
  delivered(req: IncomingMessage, status: number, body: Record<string, unknown>, ms: number): void;
}

export function createBridge(opts: BridgeOptions) {
  const verifiers = opts.secrets.map((secret) => new Webhooks({ secret }));
  const log = opts.log ?? (() => {});
  const route = createDispatcher(opts);
  const recent = new RecentDeliveries(opts.recentDeliveries ?? 10_000);

  async function verify(body: string, signature: string | undefined): Promise<boolean> {
    if (!signature) return false;
    for (const v of verifiers) {
      if (await v.verify(body, signature).catch(() => false)) return true;
    }
    return false;
  }

  async function handleWebhook(req: IncomingMessage): Promise<Reply> {
    const type = String(req.headers['content-type'] ?? '');
    if (!type.startsWith('application/json')) {
      return { status: 415, body: { error: 'content-type must be application/json' } };
    }
    let body: string;
    try {
      body = await readBody(req, opts.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError)
        return { status: 413, body: { error: 'payload too large' } };
      throw err;
    }
    const signature = req.headers['x-hub-signature-256'];
    if (!(await verify(body, typeof signature === 'string' ? signature : undefined))) {
      return { status: 401, body: { error: 'missing or invalid X-Hub-Signature-256' } };
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return { status: 400, body: { error: 'body is not valid JSON' } };
    }
    const event = String(req.headers['x-github-event'] ?? '');
    const header = req.headers['x-github-delivery'];
    const deliveryId = typeof header === 'string' && header !== '' ? header.slice(0, 100) : '';
    if (deliveryId && recent.seen(deliveryId)) {
      log(`delivery ${deliveryId} ${event}: duplicate`);
      return { status: 200, body: { result: 'duplicate', reason: 'duplicate delivery' } };
    }
    try {
      const reply = await route(event, payload, deliveryId || 'unknown');
      if (reply.status >= 500 && deliveryId) recent.forget(deliveryId);
      return reply;
    } catch (err) {
      // Not answered: GitHub's redelivery of this id must be processed.
      if (deliveryId) recent.forget(deliveryId);
      throw err;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (opts.observe && (await opts.observe.route(req, res).catch(() => false))) return;
    const startedMs = Date.now();
    let reply: Reply;
    const url = (req.url ?? '/').split('?')[0];
    try {
      if (req.method === 'GET' && url === '/healthz') reply = { status: 200, body: { ok: true } };
      else if (url === '/webhooks' && req.method === 'POST') reply = await handleWebhook(req);
      else if (url === '/webhooks') reply = { status: 405, body: { error: 'use POST' } };
      else reply = { status: 404, body: { error: 'not found' } };
    } catch (err) {
      log(`error: ${err instanceof Error ? err.message : String(err)}`);
      reply = UNAVAILABLE;
    }
    if (url === '/webhooks')
      opts.observe?.delivered(req, reply.status, reply.body, Date.now() - startedMs);
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply.body));
  }

  return {
    handle,
    listen(port: number, host: string): Promise<Server> {
      const server = createServer((req, res) => void handle(req, res));
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve(server));
      });
    },
  };
}

export function serverUrl(server: Server): string {
  const a = server.address() as AddressInfo;
  return `http://${a.address}:${a.port}`;
}
