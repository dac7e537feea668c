/**
 * Loopback HTTP simulator of the GitHub REST API: the routes the project uses,
 * GitHub's response and error shapes, rate-limit headers, plus an admin API
 * under `/_sim/` for tests (reset, state, latency, faults, request log).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SimControls } from './controls.js';
import { errorBody, HttpError, notFound, type Reply } from './http.js';
import { renderPage, type PageReply } from './pages/routes.js';
import { findRoute } from './router.js';
import { handleAdmin } from './routes/admin.js';
import { API_ROUTES, DOWNLOAD_ROUTES } from './routes/index.js';
import { SimStore } from './store.js';
import { accountByToken, type Account } from './users.js';

export { SimStore } from './store.js';
export { SANDBOX_TOKENS, USERS } from './users.js';

export interface GitHubSimOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  latencyMs?: number;
  jitterMs?: number;
  /** Seed of the PRNG behind faults with a `rate` and latency jitter. Default 1. */
  seed?: number;
}

export interface GitHubSim {
  url: string;
  port: number;
  close(): Promise<void>;
  store: SimStore;
  controls: SimControls;
  /** Back to the seed state and the start-up settings. */
  reset(): void;
}

const MAX_BODY_BYTES = 50 * 1024 * 1024;

const BASE_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'x-github-api-version-selected': '2022-11-28',
  'x-github-media-type': 'github.v3; format=json',
};

type Auth = { viewer: Account | null; invalid: boolean };

/** `token X` or `Bearer X`; no header is anonymous, anything else is bad credentials. */
function authenticate(header: string | undefined): Auth {
  if (!header) return { viewer: null, invalid: false };
  const token = /^(?:token|bearer)\s+(\S+)$/i.exec(header.trim())?.[1];
  const viewer = token ? accountByToken(token) : undefined;
  return viewer ? { viewer, invalid: false } : { viewer: null, invalid: true };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'Request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'Problems parsing JSON');
  }
}

function send(res: ServerResponse, reply: Reply, headers: Record<string, string>): void {
  const payload =
    reply.status === 204
      ? ''
      : Buffer.isBuffer(reply.body)
        ? reply.body
        : JSON.stringify(reply.body ?? {});
  res.writeHead(reply.status, {
    ...BASE_HEADERS,
    ...headers,
    ...reply.headers,
    'content-length': String(Buffer.byteLength(payload)),
  });
  res.end(payload);
}

/** Pages run no script and load nothing from elsewhere, whatever a body contains. */
const PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:";

function sendPage(res: ServerResponse, page: PageReply): void {
  res.writeHead(page.status, {
    'content-type': page.contentType ?? 'text/html; charset=utf-8',
    'content-security-policy': PAGE_POLICY,
    'x-content-type-options': 'nosniff',
    'content-length': String(Buffer.byteLength(page.body)),
    ...(page.location ? { location: page.location } : {}),
  });
  res.end(page.body);
}

function toReply(err: unknown): Reply {
  if (err instanceof HttpError) return err.toReply();
  console.error('github-sim: unexpected error', err);
  return { status: 500, body: errorBody(500, 'Internal Server Error') };
}

/** The absolute request URL; the Host header makes `url`s and `link`s point where the client connected. */
function requestUrl(req: IncomingMessage, fallbackOrigin: string): URL {
  const path = req.url?.startsWith('/') ? req.url : '/';
  const host = req.headers.host;
  try {
    if (host) return new URL(`http://${host}${path}`);
  } catch {
    // malformed Host header: fall through
  }
  return new URL(`${fallbackOrigin}${path}`);
}

export async function startGitHubSim(opts: GitHubSimOptions = {}): Promise<GitHubSim> {
  const store = new SimStore();
  const controls = new SimControls({
    seed: opts.seed ?? 1,
    latency: { meanMs: opts.latencyMs ?? 0, jitterMs: opts.jitterMs ?? 0 },
  });
  const reset = (): void => {
    store.reset();
    controls.reset();
  };
  let requestCount = 0;
  let origin = '';

  async function serveAdmin(req: IncomingMessage, url: URL): Promise<Reply> {
    try {
      const body = parseJson(await readBody(req));
      return handleAdmin(req.method ?? 'GET', { store, controls, reset, url, body });
    } catch (err) {
      return toReply(err);
    }
  }

  /** Latency, then faults, then authentication, routing and the handler. */
  async function serveApi(
    req: IncomingMessage,
    url: URL,
    viewer: Account | null,
    badToken: boolean,
  ) {
    const method = req.method ?? 'GET';
    try {
      const raw = await readBody(req);
      const delay = controls.delayMs();
      if (delay > 0) await sleep(delay);
      const fault = controls.faults.match(method, url.pathname, () => controls.prng.next());
      if (fault) return fault;
      if (badToken) throw new HttpError(401, 'Bad credentials');
      const found =
        findRoute(API_ROUTES, method, url.pathname) ??
        findRoute(DOWNLOAD_ROUTES, method, url.pathname);
      if (!found) throw notFound();
      const ctx = {
        store,
        url,
        origin: url.origin,
        viewer,
        params: found.params,
        authorization: req.headers.authorization,
      };
      return found.route.handle({ ...ctx, body: parseJson(raw) });
    } catch (err) {
      return toReply(err);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requestCount += 1;
    const requestId = `5131:${requestCount.toString(16).toUpperCase().padStart(8, '0')}`;
    const url = requestUrl(req, origin);
    if (url.pathname === '/_sim' || url.pathname.startsWith('/_sim/')) {
      send(res, await serveAdmin(req, url), { 'x-github-request-id': requestId });
      return;
    }
    // The html_urls: pages where no API route is (no latency, faults or request log).
    if (req.method === 'GET' && !findRoute(API_ROUTES, 'GET', url.pathname)) {
      const page = renderPage(store, url);
      if (page) {
        sendPage(res, page);
        return;
      }
    }
    const { viewer, invalid } = authenticate(req.headers.authorization);
    // The App's JWT is no user's token: App routes check it themselves.
    const appJwt = invalid && store.hooks.isApp(req.headers.authorization);
    const reply = await serveApi(req, url, viewer, invalid && !appJwt);
    const login = viewer?.login ?? null;
    const method = req.method ?? 'GET';
    const heldMs =
      reply.status < 400
        ? controls.faults.holdFor(method, url.pathname, () => controls.prng.next())
        : 0;
    const entry = {
      method,
      path: url.pathname + url.search,
      status: reply.status,
      at: new Date().toISOString(),
      user: login,
    };
    if (heldMs > 0) {
      // Logged before the wait, so a test can see the write landed and kill the client.
      controls.logRequest({ ...entry, heldMs });
      // Until the hold ends or the client goes away (no timer outlives the simulator).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, heldMs);
        res.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (res.destroyed) return;
    }
    send(res, reply, {
      ...controls.rateLimits.take(login, Date.now()),
      'x-github-request-id': requestId,
    });
    if (heldMs === 0) controls.logRequest(entry);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error('github-sim: request failed', err);
      if (!res.headersSent) send(res, toReply(err), {});
      else res.destroy();
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url: origin,
    port,
    store,
    controls,
    reset,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
