/**
 * Temporal's remote codec protocol over HTTP, so the Web UI and
 * `temporal workflow show --codec-endpoint` can read encrypted payloads:
 * `POST …/encode` and `POST …/decode` take and return `{"payloads": [...]}`
 * in proto3 JSON (metadata values and data are base64). Only the last path
 * segment selects the operation, so `/{namespace}/decode` works too. CORS
 * answers the Web UI's origin (with credentials); a token, when configured,
 * is required on every encode and decode alike, sent either way a client can:
 * `Authorization: Bearer <token>` (the CLI, scripts), or the session cookie
 * the Web UI's browser sends with "Include cross-origin credentials" on (the
 * UI sends no header of ours; its "pass access token" sends the UI login's
 * own OIDC token instead). The cookie is set once per browser by `/session`
 * (a form asking for the token). A live codec server refuses to listen beyond
 * loopback without a token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { PayloadCodecError } from './codec.js';
import { BodyTooLargeError, readBody } from './http-body.js';
import { modeOf } from './mode.js';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** The Web UI's origin(s), e.g. `http://127.0.0.1:8233`; paths are ignored. */
  uiOrigin: string | string[];
  /** When set, `Authorization: Bearer <token>` is required on /encode and /decode. */
  token?: string;
  /** Largest request body accepted (bytes); default 8 MiB. */
  maxBodyBytes?: number;
  log?: (line: string) => void;
}

export interface CodecServer {
  listen(port: number, host: string): Promise<Server>;
  /** The request handler, for mounting under another server. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** A payload in proto3 JSON: every bytes value base64. */
export interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const ALLOW_HEADERS = 'Content-Type, X-Namespace, Authorization';
/** The session cookie holding the token (HttpOnly, sent cross-origin only to this server). */
export const SESSION_COOKIE = 'blogtube_codec_token';
const SESSION_FORM = `<!doctype html><meta charset="utf-8"><title>BlogTube codec server</title>
<form method="post" action="session"><p>Codec server token, for the Temporal Web UI in this browser
(then turn on "Include cross-origin credentials" in the UI's codec settings):</p>
<input name="token" type="password" autocomplete="off" required> <button>Remember</button></form>`;
const ALLOW_METHODS = 'POST, GET, OPTIONS';
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function createCodecServer(opts: CodecServerOptions): CodecServer {
  const list = (Array.isArray(opts.uiOrigin) ? opts.uiOrigin : [opts.uiOrigin]).map(originOf);
  const origins = new Set(list);
  const primary = list[0];
  const maxBody = opts.maxBodyBytes ?? 8 * 1024 * 1024;
  const log = opts.log ?? (() => {});
  const tokenDigest = opts.token ? sha256(opts.token) : undefined;

  /** CORS headers for an allowed origin; only `Vary` for any other. */
  function cors(origin: string | undefined): OutgoingHttpHeaders {
    if (!origin || !origins.has(origin)) return { Vary: 'Origin' };
    return {
      Vary: 'Origin',
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Allow-Headers': ALLOW_HEADERS,
      'Access-Control-Allow-Methods': ALLOW_METHODS,
      'Access-Control-Max-Age': '600',
    };
  }

  const matches = (token: string | undefined): boolean =>
    !!token && !!tokenDigest && timingSafeEqual(sha256(token), tokenDigest);

  /** The bearer token, or the Web UI browser's session cookie. */
  function authorized(req: IncomingMessage): boolean {
    if (!tokenDigest) return true;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    return matches(m?.[1]) || matches(cookie(req, SESSION_COOKIE));
  }

  /** `/session`: GET a form; POST the token (form or bearer) to get the cookie. */
  async function session(req: IncomingMessage): Promise<[number, string, OutgoingHttpHeaders]> {
    const html = { 'Content-Type': 'text/html; charset=utf-8' };
    if (req.method === 'GET') return [200, SESSION_FORM, html];
    if (req.method !== 'POST') return [405, 'method not allowed', { Allow: 'GET, POST' }];
    const form = new URLSearchParams(await readBody(req, 4096));
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = form.get('token') ?? bearer;
    if (!tokenDigest) return [404, 'no token is configured: nothing to remember', html];
    if (!matches(token ?? undefined)) return [401, 'wrong token', html];
    const value = encodeURIComponent(token ?? '');
    return [
      200,
      'Remembered: the Web UI in this browser can now decode (with "Include cross-origin credentials" on).',
      {
        ...html,
        'Set-Cookie': `${SESSION_COOKIE}=${value}; HttpOnly; Secure; SameSite=None; Path=/; Max-Age=43200`,
      },
    ];
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = req.headers.origin;
    // A preflight without an Origin (curl) is answered for the primary UI origin.
    const headers = cors(req.method === 'OPTIONS' && !origin ? primary : origin);
    const send = (status: number, body?: unknown, extra: OutgoingHttpHeaders = {}): void => {
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, {
        ...headers,
        ...extra,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        'Content-Length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const op = path.split('/').filter(Boolean).pop();
    const namespace = req.headers['x-namespace'];
    try {
      if (req.method === 'OPTIONS') {
        if (origin && !origins.has(origin)) return send(403, { error: 'origin not allowed' });
        return send(204);
      }
      if (path === '/healthz') {
        if (req.method !== 'GET' && req.method !== 'HEAD')
          return send(405, { error: 'method not allowed' }, { Allow: 'GET, HEAD' });
        return send(200, { ok: true });
      }
      if (path === '/session') {
        const [status, text, extra] = await session(req);
        res.writeHead(status, { ...extra, 'Content-Length': Buffer.byteLength(text) });
        return void res.end(text);
      }
      if (op !== 'encode' && op !== 'decode') return send(404, { error: 'not found' });
      if (req.method !== 'POST')
        return send(405, { error: 'method not allowed' }, { Allow: 'POST, OPTIONS' });
      if (!authorized(req))
        return send(
          401,
          { error: 'missing or invalid token (bearer or session cookie)' },
          { 'WWW-Authenticate': 'Bearer' },
        );
      const input = parsePayloads(await readBody(req, maxBody));
      const output =
        op === 'encode' ? await opts.codec.encode(input) : await opts.codec.decode(input);
      return send(200, { payloads: output.map(toJson) });
    } catch (err) {
      if (err instanceof HttpError) return send(err.status, { error: err.message });
      if (err instanceof BodyTooLargeError) return send(413, { error: err.message });
      if (err instanceof PayloadCodecError) {
        log(`${op} failed (namespace ${String(namespace ?? '-')}): ${err.message}`);
        return send(400, { error: err.message });
      }
      log(`${op ?? path} failed: ${err instanceof Error ? err.message : String(err)}`);
      return send(500, { error: 'internal error' });
    }
  }

  return {
    handle,
    listen(port, host) {
      const server = createServer((req, res) => void handle(req, res));
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server);
        });
      });
    },
  };
}

/** `{"payloads": [...]}` in proto3 JSON → payloads; 400 on anything else. */
export function parsePayloads(body: string): Payload[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
  if (!isObject(json)) throw new HttpError(400, 'expected {"payloads": [...]}');
  const list = json.payloads ?? [];
  if (!Array.isArray(list)) throw new HttpError(400, '"payloads" must be an array');
  return list.map((p: unknown, i) => fromJson(p, `payloads[${i}]`));
}

function fromJson(p: unknown, where: string): Payload {
  if (!isObject(p)) throw new HttpError(400, `${where} must be an object`);
  const meta = p.metadata ?? {};
  if (!isObject(meta)) throw new HttpError(400, `${where}.metadata must be an object`);
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(meta)) metadata[k] = bytes(v, `${where}.metadata.${k}`);
  return { metadata, data: bytes(p.data ?? '', `${where}.data`) };
}

export function toJson(p: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) metadata[k] = base64(v);
  return { metadata, data: base64(p.data) };
}

function bytes(v: unknown, where: string): Uint8Array {
  if (typeof v !== 'string' || !BASE64.test(v)) throw new HttpError(400, `${where} must be base64`);
  return Buffer.from(v, /[-_]/.test(v) ? 'base64url' : 'base64');
}

function base64(b: Uint8Array | null | undefined): string {
  return b ? Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64') : '';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function originOf(url: string): string {
  return new URL(url).origin;
}

const port = z.coerce.number().int().min(0).max(65535);
const ServerEnv = z.object({
  CODEC_SERVER_PORT: port.default(8888),
  CODEC_SERVER_HOST: z.string().min(1).default('127.0.0.1'),
  TEMPORAL_UI_URL: z.string().url().default('http://127.0.0.1:8233'),
  CODEC_SERVER_TOKEN: z.string().optional(),
  CODEC_SERVER_TOKEN_FILE: z.string().optional(),
});

export const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export interface CodecServerSettings {
  port: number;
  host: string;
  /** The Web UI origin; a loopback UI is allowed under both `127.0.0.1` and `localhost`. */
  uiOrigins: string[];
  token?: string;
}

/** The codec server process's settings; throws naming the variable. */
export function loadCodecServerSettings(env: NodeJS.ProcessEnv = process.env): CodecServerSettings {
  const parsed = ServerEnv.safeParse(env);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`invalid environment: ${i?.path.join('.')}: ${i?.message}`);
  }
  const s = parsed.data;
  let token = s.CODEC_SERVER_TOKEN?.trim();
  if (!token && s.CODEC_SERVER_TOKEN_FILE) {
    token = readFileSync(s.CODEC_SERVER_TOKEN_FILE, 'utf8').trim();
    if (!token) throw new Error(`CODEC_SERVER_TOKEN_FILE (${s.CODEC_SERVER_TOKEN_FILE}) is empty`);
  }
  if (!token && modeOf(env) === 'live' && !LOOPBACK_HOSTS.has(s.CODEC_SERVER_HOST))
    throw new Error(
      `CODEC_SERVER_HOST is ${s.CODEC_SERVER_HOST} but CODEC_SERVER_TOKEN(_FILE) is not set: a live codec server ` +
        'listens beyond loopback only with a token (anyone reaching it could decode and encode)',
    );
  return {
    port: s.CODEC_SERVER_PORT,
    host: s.CODEC_SERVER_HOST,
    uiOrigins: loopbackAliases(originOf(s.TEMPORAL_UI_URL)),
    ...(token ? { token } : {}),
  };
}

function loopbackAliases(origin: string): string[] {
  const url = new URL(origin);
  const alias = { '127.0.0.1': 'localhost', localhost: '127.0.0.1' }[url.hostname];
  if (!alias) return [origin];
  const other = new URL(origin);
  other.hostname = alias;
  return [origin, other.origin];
}
