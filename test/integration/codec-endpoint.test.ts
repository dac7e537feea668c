/**
 * The codec endpoint as the Temporal CLI and Web UI use it, and a real
 * workflow whose payloads are encrypted: the raw history holds only
 * ciphertext, and `temporal workflow show --codec-endpoint` reads it back.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { codecFromEnv, createDataConverter } from '../../common/codec.js';
import type { EncryptionCodec } from '../../common/codec.js';
import { createCodecServer, toJson } from '../../common/codec-server.js';
import type { JsonPayload } from '../../common/codec-server.js';
import { codecEcho } from '../support/codec-workflow.js';

const TOKEN = `token-${randomUUID()}`;
const UI = 'http://127.0.0.1:8233';
const ENV: NodeJS.ProcessEnv = {
  BLOGTUBE_CODEC_KEYS: `k2:${randomBytes(32).toString('base64')},k1:${randomBytes(32).toString('base64')}`,
};
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const ENCRYPTED_B64 = b64('binary/encrypted');

let codec: EncryptionCodec;
const servers: Server[] = [];
let base: string;

async function startServer(opts: { token?: string; maxBodyBytes?: number } = {}): Promise<string> {
  const server = await createCodecServer({ codec, uiOrigin: UI, ...opts }).listen(0, '127.0.0.1');
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  codec = codecFromEnv(ENV)!;
  base = await startServer({ token: TOKEN });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

interface Reply {
  status: number;
  headers: Headers;
  body: { payloads?: JsonPayload[]; error?: string } | undefined;
}

async function call(
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; url?: string } = {},
): Promise<Reply> {
  const res = await fetch(`${init.url ?? base}${path}`, {
    method: init.method ?? 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Namespace': 'default',
      Authorization: `Bearer ${TOKEN}`,
      ...init.headers,
    },
    body:
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const plainPayloads = (): JsonPayload[] =>
  [{ issue: 5, title: 'Encrypt payloads' }, 'xabab', 'é🚀'.repeat(800), null].map((v) =>
    toJson(defaultPayloadConverter.toPayload(v)),
  );

describe('codec endpoint (Temporal remote codec protocol)', () => {
  it('round-trips payloads through /encode and /decode in proto3 JSON', async () => {
    const payloads = plainPayloads();
    const encoded = await call('/encode', { body: { payloads } });
    expect(encoded.status).toBe(200);
    expect(encoded.headers.get('content-type')).toMatch(/^application\/json/);
    expect(encoded.body!.payloads).toHaveLength(payloads.length);
    for (const p of encoded.body!.payloads!) {
      expect(p.metadata!.encoding).toBe(ENCRYPTED_B64);
      expect(p.metadata!['encryption-key-id']).toBe(b64('k2'));
    }
    // Only the last path segment counts, so `--codec-endpoint http://host/{namespace}` works.
    const decoded = await call('/default/decode', { body: encoded.body });
    expect(decoded.status).toBe(200);
    expect(decoded.body).toEqual({ payloads });
  });

  it('decodes what the workers encrypted, and passes unencrypted payloads through', async () => {
    const sealed = (await codec.encode([defaultPayloadConverter.toPayload('from a worker')])).map(
      toJson,
    );
    const plain = toJson(defaultPayloadConverter.toPayload('from before encryption'));
    const r = await call('/decode', { body: { payloads: [...sealed, plain] } });
    expect(r.status).toBe(200);
    expect(r.body!.payloads!.map((p) => Buffer.from(p.data!, 'base64').toString())).toEqual([
      '"from a worker"',
      '"from before encryption"',
    ]);
    expect((await call('/decode', { body: { payloads: [] } })).body).toEqual({ payloads: [] });
  });

  it('answers the Web UI’s CORS preflight for its origin, with credentials', async () => {
    const r = await call('/decode', {
      method: 'OPTIONS',
      headers: {
        Origin: UI,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,x-namespace,authorization',
      },
    });
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe(UI);
    expect(r.headers.get('access-control-allow-credentials')).toBe('true');
    expect(r.headers.get('access-control-allow-headers')).toBe(
      'Content-Type, X-Namespace, Authorization',
    );
    expect(r.headers.get('access-control-allow-methods')).toContain('POST');
    expect(r.headers.get('vary')).toContain('Origin');

    const post = await call('/encode', { body: { payloads: [] }, headers: { Origin: UI } });
    expect(post.headers.get('access-control-allow-origin')).toBe(UI);
    expect(post.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('gives other origins no CORS grant', async () => {
    const evil = 'http://evil.example';
    const pre = await call('/decode', { method: 'OPTIONS', headers: { Origin: evil } });
    expect(pre.status).toBe(403);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const post = await call('/decode', { body: { payloads: [] }, headers: { Origin: evil } });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('requires the bearer token when one is configured (401, readable by the Web UI)', async () => {
    const body = { payloads: plainPayloads() };
    const none = await call('/encode', { body, headers: { Authorization: '', Origin: UI } });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(none.headers.get('access-control-allow-origin')).toBe(UI);
    expect(none.body!.payloads).toBeUndefined();
    expect(
      (await call('/decode', { body, headers: { Authorization: 'Bearer wrong' } })).status,
    ).toBe(401);
    expect((await call('/decode', { body, headers: { Authorization: TOKEN } })).status).toBe(401);
    // The health check and the preflight (which browsers send without credentials) stay open.
    expect(
      (await call('/healthz', { method: 'GET', headers: { Authorization: '' } })).body,
    ).toEqual({ ok: true });
    expect(
      (await call('/decode', { method: 'OPTIONS', headers: { Authorization: '', Origin: UI } }))
        .status,
    ).toBe(204);
  });

  it('needs no token when none is configured', async () => {
    const open = await startServer();
    const r = await call('/encode', {
      url: open,
      body: { payloads: plainPayloads() },
      headers: { Authorization: '' },
    });
    expect(r.status).toBe(200);
  });

  it('rejects malformed requests with 400, and unknown routes and methods', async () => {
    expect((await call('/decode', { body: '{"payloads": [' })).status).toBe(400);
    expect((await call('/decode', { body: { payloads: {} } })).status).toBe(400);
    expect((await call('/decode', { body: { payloads: [{ data: 'not base64!' }] } })).body).toEqual(
      {
        error: 'payloads[0].data must be base64',
      },
    );
    expect(
      (await call('/decode', { body: { payloads: [{ metadata: { encoding: 7 } }] } })).status,
    ).toBe(400);
    expect((await call('/nope', { body: {} })).status).toBe(404);
    const get = await call('/decode', { method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toContain('POST');
  });

  it('answers a payload it cannot decrypt with 400 naming the key id', async () => {
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload('x')]);
    const json = toJson(sealed!);
    json.metadata!['encryption-key-id'] = b64('retired');
    const r = await call('/decode', { body: { payloads: [json] } });
    expect(r.status).toBe(400);
    expect(r.body!.error).toMatch(/unknown encryption key id "retired"/);
    json.metadata!['encryption-key-id'] = b64('k2');
    json.data = Buffer.from(
      Buffer.from(json.data!, 'base64').map((b, i) => (i === 15 ? b ^ 1 : b)),
    ).toString('base64');
    expect((await call('/decode', { body: { payloads: [json] } })).body!.error).toMatch(/tampered/);
  });

  it('refuses bodies over the size limit with 413', async () => {
    const small = await startServer({ maxBodyBytes: 1024 });
    const r = await call('/encode', { url: small, body: { payloads: plainPayloads() } });
    expect(r.status).toBe(413);
  });
});

describe('a workflow with encrypted payloads', () => {
  const address = process.env.TEMPORAL_ADDRESS;
  const cliPath = process.env.TEMPORAL_CLI_PATH;
  const taskQueue = `codec-${randomUUID()}`;
  const workflowId = `codec-echo-${randomUUID()}`;
  const marker = `plaintext-marker-${randomUUID()}`;
  const input = { marker, note: 'xabab', body: 'compress me. '.repeat(400) };
  let connection: NativeConnection;
  let clientConnection: Connection;

  beforeAll(async () => {
    if (!address || !cliPath)
      throw new Error(
        'TEMPORAL_ADDRESS / TEMPORAL_CLI_PATH unset: run through jest (global setup)',
      );
    quietRuntime();
    connection = await NativeConnection.connect({ address });
    clientConnection = await Connection.connect({ address });
    const dataConverter = createDataConverter(ENV);
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('../support/codec-workflow.ts', import.meta.url)),
      dataConverter,
      shutdownGraceTime: '1s',
    });
    const client = new Client({ connection: clientConnection, dataConverter });
    const result = await worker.runUntil(
      client.workflow.execute(codecEcho<typeof input>, { args: [input], taskQueue, workflowId }),
    );
    expect(result).toEqual(input);
  });
  afterAll(async () => {
    await clientConnection?.close();
    await connection?.close();
  });

  it('stores only binary/encrypted payloads in history, never the plaintext', async () => {
    const raw = new Client({ connection: clientConnection });
    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    const payloads = collectPayloads(history);
    expect(payloads.length).toBeGreaterThanOrEqual(2);
    for (const p of payloads) {
      expect(Buffer.from(p.metadata!.encoding!).toString()).toBe('binary/encrypted');
      expect(Buffer.from(p.metadata!['encryption-key-id']!).toString()).toBe('k2');
    }
    const bytes = Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish());
    expect(bytes.includes(marker)).toBe(false);
    expect(bytes.includes('compress me.')).toBe(false);
  });

  it('`temporal workflow show --codec-endpoint` prints the decoded input', async () => {
    const show = ['workflow', 'show', '--workflow-id', workflowId, '--address', address!];
    const codecFlags = ['--codec-endpoint', base, '--codec-auth', `Bearer ${TOKEN}`];

    const json = await run(cliPath!, [...show, ...codecFlags, '--output', 'json']);
    expect(json.code).toBe(0);
    const started = JSON.parse(json.stdout).events[0];
    expect(started.eventType).toMatch(/WORKFLOW_EXECUTION_STARTED/);
    const [payload] = started.workflowExecutionStartedEventAttributes.input
      .payloads as JsonPayload[];
    expect(payload!.metadata).toEqual({ encoding: b64('json/plain') });
    expect(JSON.parse(Buffer.from(payload!.data!, 'base64').toString('utf8'))).toEqual(input);

    const text = await run(cliPath!, [...show, ...codecFlags, '--detailed']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(marker);

    // Without the codec the CLI sees only ciphertext.
    const raw = await run(cliPath!, [...show, '--output', 'json']);
    expect(raw.code).toBe(0);
    expect(raw.stdout).not.toContain(marker);
    const rawInput = JSON.parse(raw.stdout).events[0].workflowExecutionStartedEventAttributes.input;
    expect(rawInput.payloads[0].metadata.encoding).toBe(ENCRYPTED_B64);

    // With a wrong token the codec server refuses; the CLI retries until its deadline and fails.
    const wrong = [
      '--codec-endpoint',
      base,
      '--codec-auth',
      'Bearer wrong',
      '--command-timeout',
      '3s',
    ];
    const refused = await run(cliPath!, [...show, ...wrong, '--output', 'json']);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).not.toContain(marker);
  });
});

function run(
  cmd: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

type RawPayload = { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null };

/** Every Payload anywhere in a history (objects with `metadata` bytes and `data`). */
function collectPayloads(node: unknown, out: RawPayload[] = []): RawPayload[] {
  if (!node || typeof node !== 'object' || node instanceof Uint8Array) return out;
  if (Array.isArray(node)) {
    for (const n of node) collectPayloads(n, out);
    return out;
  }
  const o = node as Record<string, unknown>;
  const meta = o.metadata;
  if (
    meta &&
    typeof meta === 'object' &&
    'data' in o &&
    Object.values(meta).every((v) => v instanceof Uint8Array)
  ) {
    out.push(o as RawPayload);
    return out;
  }
  for (const v of Object.values(o)) collectPayloads(v, out);
  return out;
}

function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // Already installed in this Jest worker.
  }
}
