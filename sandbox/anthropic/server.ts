/**
 * A loopback simulator of the Anthropic Messages API that plays the agents.
 * The real SDK talks to it through `baseURL`.
 *
 *   POST /v1/messages               JSON or SSE (`stream: true`), tool use, usage, caching
 *   POST /v1/messages/count_tokens  `{ input_tokens }`
 *   /_sim/...                       control API (see admin.ts): reset, latency, scenario,
 *                                   faults, seed, requests, state, health
 *
 * Every answer carries `request-id`; errors have the API's shape. How the
 * agents are played: agent-player.ts.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAdmin } from './admin.js';
import { playTurn } from './agent-player.js';
import { readConversation } from './conversation.js';
import { mulberry32 } from './prng.js';
import type { MessageResponse, MessagesRequest } from './protocol.js';
import {
  ApiError,
  errorBody,
  newMessageId,
  newRequestId,
  validateMessagesRequest,
} from './protocol.js';
import { chunker, generationMs, messageEvents, sleep, startSse, writeEvents } from './sse.js';
import { SimState } from './state.js';
import type { SimRequestRecord } from './state.js';
import { countInputTokens } from './prompt-cache.js';
import { fitToMaxTokens } from './tokens.js';

export type { SimRequestRecord } from './state.js';
export type { AgentKnobs } from './agent-player.js';
export type { FaultRule } from './faults.js';

export const SANDBOX_API_KEY = 'sandbox-anthropic-key';

export interface AnthropicSimOptions {
  /** 0 = a random free port. */
  port?: number;
  host?: string;
  /** Default {@link SANDBOX_API_KEY}. */
  apiKey?: string;
  /** Time to first token, default 0. */
  ttftMs?: number;
  /** Default 0 = instant. */
  tokensPerSec?: number;
  seed?: number;
  /** Minimum cacheable prompt length for every model (default: the API's, per model). */
  minCacheableTokens?: number;
}

export interface AnthropicSim {
  url: string;
  port: number;
  close(): Promise<void>;
  /** Same as `POST /_sim/reset`. */
  reset(): void;
  requests: ReadonlyArray<SimRequestRecord>;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** Events a hanging stream sends before it stalls. */
const HANG_AFTER_EVENTS = 4;

/** One HTTP exchange: its request id and a signal for "stop working on it". */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  signal: AbortSignal;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(ex: Exchange, err: ApiError): void {
  sendJson(ex.res, err.status, errorBody(err.status, err.message, ex.requestId), err.headers);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function parseJson(raw: Buffer, emptyAs?: unknown): unknown {
  if (raw.length === 0 && emptyAs !== undefined) return emptyAs;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new ApiError(400, 'There was an issue with your request body: it must be valid JSON.');
  }
}

function presentedKey(req: IncomingMessage): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  // SDK 1.x sends the API key as a bearer token.
  return /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
}

function checkAuth(req: IncomingMessage, apiKey: string): void {
  const key = presentedKey(req);
  if (key === undefined) throw new ApiError(401, 'x-api-key header is required');
  if (key !== apiKey) throw new ApiError(401, 'invalid x-api-key');
}

function checkVersion(req: IncomingMessage): void {
  if (!req.headers['anthropic-version']) {
    throw new ApiError(400, 'anthropic-version: header is required');
  }
}

function newRecord(ex: Exchange): SimRequestRecord {
  return {
    at: new Date().toISOString(),
    requestId: ex.requestId,
    agent: null,
    turn: null,
    stream: false,
    status: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheRead: 0,
    cacheWrite: 0,
    issue: null,
    repo: null,
  };
}

/** Resolves when `signal` aborts (the client left or the simulator closes). */
function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Destroys the connection once what was written so far is flushed. */
function cutConnection(res: ServerResponse): void {
  const socket = res.socket;
  if (socket) socket.destroySoon();
  else res.destroy();
}

class Simulator {
  constructor(
    readonly state: SimState,
    private readonly apiKey: string,
  ) {}

  async handle(ex: Exchange): Promise<void> {
    const { req, res } = ex;
    res.setHeader('request-id', ex.requestId);
    const path = new URL(req.url ?? '/', 'http://sim').pathname.replace(/\/+$/, '') || '/';
    if (path.startsWith('/_sim/')) return this.admin(ex, path.slice('/_sim'.length));
    if (path === '/v1/messages' || path === '/v1/messages/count_tokens') {
      if (req.method !== 'POST') {
        req.resume();
        return sendError(ex, new ApiError(405, `Method ${req.method} not allowed`));
      }
      return path === '/v1/messages' ? this.messages(ex) : this.countTokens(ex);
    }
    req.resume();
    sendError(ex, new ApiError(404, 'Not Found'));
  }

  private async admin(ex: Exchange, path: string): Promise<void> {
    let body: unknown;
    try {
      body = parseJson(await readBody(ex.req), {});
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return sendJson(ex.res, 400, { error: message });
    }
    const answer = handleAdmin(this.state, ex.req.method ?? 'GET', path, body);
    sendJson(ex.res, answer.status, answer.body);
  }

  private async countTokens(ex: Exchange): Promise<void> {
    try {
      checkAuth(ex.req, this.apiKey);
      checkVersion(ex.req);
      const body = parseJson(await readBody(ex.req));
      const request = validateMessagesRequest(body, { requireMaxTokens: false });
      sendJson(ex.res, 200, { input_tokens: countInputTokens(request) });
    } catch (err) {
      sendError(ex, err instanceof ApiError ? err : new ApiError(500));
    }
  }

  private async messages(ex: Exchange): Promise<void> {
    const record = newRecord(ex);
    let recorded = false;
    const logAs = (status: number, fault?: SimRequestRecord['fault']): void => {
      record.status = status;
      if (fault) record.fault = fault;
      this.state.record(record);
      recorded = true;
    };
    try {
      checkAuth(ex.req, this.apiKey);
      checkVersion(ex.req);
      const raw = await readBody(ex.req);
      const request = validateMessagesRequest(parseJson(raw));
      const conv = readConversation(request);
      Object.assign(record, {
        agent: conv.agent,
        turn: conv.turn,
        stream: request.stream,
        issue: conv.issue?.number ?? null,
        repo: conv.issue?.repo ?? null,
      });

      const knobs = this.state.knobs(conv.agent);
      const failure = this.state.failWith.draw(conv.agent, knobs);
      if (failure) throw failure;
      const fault = this.state.faults.draw(conv.agent);
      if (fault?.kind === 'error') throw fault.error;
      if (fault?.kind === 'reset') {
        logAs(0, 'reset');
        ex.req.socket.destroy();
        return;
      }

      const played = playTurn(request, knobs);
      record.step = played.step;
      const message = this.answer(request, played.content, played.stopReason);
      Object.assign(record, {
        inputTokens: message.usage.input_tokens,
        outputTokens: message.usage.output_tokens,
        cacheRead: message.usage.cache_read_input_tokens,
        cacheWrite: message.usage.cache_creation_input_tokens,
      });
      const mode = knobs?.hang ? 'hang' : fault?.kind === 'streamCut' ? 'streamCut' : undefined;
      logAs(200, mode);
      const seed = createHash('sha256').update(raw).digest().readUInt32LE(0) ^ this.state.seed;
      if (request.stream) await this.stream(ex, message, mode, seed);
      else await this.respond(ex, message, mode);
    } catch (err) {
      const apiError = err instanceof ApiError ? err : new ApiError(500);
      if (!recorded) logAs(apiError.status);
      if (ex.res.headersSent) ex.res.destroy();
      else sendError(ex, apiError);
    }
  }

  private answer(
    request: MessagesRequest,
    content: MessageResponse['content'],
    stopReason: MessageResponse['stop_reason'],
  ): MessageResponse {
    const fitted = fitToMaxTokens(content, stopReason, request.max_tokens);
    const prompt = this.state.cache.account(request, this.state.pace.ttftMs);
    return {
      id: newMessageId(),
      type: 'message',
      role: 'assistant',
      model: request.model,
      content: fitted.content,
      stop_reason: fitted.stopReason,
      stop_sequence: null,
      usage: {
        input_tokens: prompt.input,
        output_tokens: fitted.outputTokens,
        cache_creation_input_tokens: prompt.cacheWrite,
        cache_read_input_tokens: prompt.cacheRead,
      },
    };
  }

  private async stream(
    ex: Exchange,
    message: MessageResponse,
    mode: 'hang' | 'streamCut' | undefined,
    seed: number,
  ): Promise<void> {
    const events = messageEvents(message, chunker(mulberry32(seed)));
    const stopAfter =
      mode === 'hang'
        ? HANG_AFTER_EVENTS
        : mode === 'streamCut'
          ? Math.max(2, Math.floor(events.length / 2))
          : undefined;
    startSse(ex.res, {});
    await writeEvents(ex.res, events, { pace: this.state.pace, signal: ex.signal, stopAfter });
    if (mode === 'hang') {
      await untilAborted(ex.signal);
      ex.res.destroy();
    } else if (mode === 'streamCut') {
      cutConnection(ex.res);
    } else if (!ex.res.destroyed) {
      ex.res.end();
    }
  }

  private async respond(
    ex: Exchange,
    message: MessageResponse,
    mode: 'hang' | 'streamCut' | undefined,
  ): Promise<void> {
    if (mode === 'hang') {
      await untilAborted(ex.signal);
      ex.res.destroy();
      return;
    }
    const ms = generationMs(this.state.pace, message.usage.output_tokens);
    if (!(await sleep(ms, ex.signal))) return;
    if (mode !== 'streamCut') return sendJson(ex.res, 200, message);
    const text = JSON.stringify(message);
    ex.res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    ex.res.write(text.slice(0, Math.floor(text.length / 2)));
    cutConnection(ex.res);
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function urlFor(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return `http://${h}:${port}`;
}

export async function startAnthropicSim(opts: AnthropicSimOptions = {}): Promise<AnthropicSim> {
  const host = opts.host ?? '127.0.0.1';
  const state = new SimState({
    pace: { ttftMs: opts.ttftMs ?? 0, tokensPerSec: opts.tokensPerSec ?? 0 },
    seed: opts.seed ?? 1,
    minCacheableTokens: opts.minCacheableTokens,
  });
  const sim = new Simulator(state, opts.apiKey ?? SANDBOX_API_KEY);
  const closing = new AbortController();

  const server = createServer((req, res) => {
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    const ex: Exchange = {
      req,
      res,
      requestId: newRequestId(),
      signal: AbortSignal.any([closing.signal, gone.signal]),
    };
    sim.handle(ex).catch(() => {
      if (res.headersSent) res.destroy();
      else sendError(ex, new ApiError(500));
    });
  });
  await listen(server, opts.port ?? 0, host);
  const port = (server.address() as AddressInfo).port;

  let closed: Promise<void> | undefined;
  return {
    url: urlFor(host, port),
    port,
    get requests() {
      return state.requests;
    },
    reset: () => state.reset(),
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
