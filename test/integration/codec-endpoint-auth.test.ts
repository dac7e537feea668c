/**
 * The codec endpoint's credentials (issue 16, property 12), as a browser and
 * an attacker would send them: `/encode` needs the same token as `/decode`;
 * the Web UI's way (its browser sends a cookie with "Include cross-origin
 * credentials", never a header of ours) works once `/session` has set it; and
 * the real codec server process in live mode refuses to listen beyond
 * loopback without a token.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { defaultPayloadConverter } from '@temporalio/common';
import { codecFromEnv } from '../../common/codec.js';
import { createCodecServer, SESSION_COOKIE, toJson } from '../../common/codec-server.js';

const UI = 'http://127.0.0.1:8233';
const TOKEN = randomBytes(16).toString('hex');
const KEYS = `k1:${randomBytes(32).toString('base64')}`;
let server: Server;
let base: string;

beforeAll(async () => {
  const codec = codecFromEnv({ BLOGTUBE_CODEC_KEYS: KEYS })!;
  server = await createCodecServer({ codec, uiOrigin: UI, token: TOKEN }).listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

const body = JSON.stringify({ payloads: [toJson(defaultPayloadConverter.toPayload('x'))] });
const post = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: UI, ...headers },
    body,
  });

it('/encode needs the same authorization as /decode', async () => {
  for (const op of ['/encode', '/decode']) {
    expect((await post(op)).status).toBe(401);
    expect((await post(op, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post(op, { cookie: `${SESSION_COOKIE}=wrong` })).status).toBe(401);
    expect((await post(op, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  }
});

it('the Web UI’s browser: a session cookie set once by /session, sent with credentials', async () => {
  expect((await fetch(`${base}/session`)).headers.get('content-type')).toMatch(/text\/html/);
  const wrong = await fetch(`${base}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'token=nope',
  });
  expect(wrong.status).toBe(401);
  expect(wrong.headers.get('set-cookie')).toBeNull();
  const ok = await fetch(`${base}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `token=${TOKEN}`,
  });
  expect(ok.status).toBe(200);
  const cookie = ok.headers.get('set-cookie') ?? '';
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/SameSite=None/);
  expect(cookie).toMatch(/Secure/);
  const pair = cookie.split(';')[0] ?? '';
  // What the UI's fetch(…, {credentials: 'include'}) sends: the cookie and its origin, no Authorization.
  for (const op of ['/decode', '/encode']) {
    const r = await post(op, { cookie: pair });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe(UI);
    expect(r.headers.get('access-control-allow-credentials')).toBe('true');
  }
});

it('a live codec server process refuses to listen beyond loopback without a token', async () => {
  const main = fileURLToPath(new URL('../../dist/client/codec-server-main.js', import.meta.url));
  const env = {
    PATH: process.env.PATH,
    BLOGTUBE_MODE: 'live',
    BLOGTUBE_CODEC_KEYS: KEYS,
    CODEC_SERVER_HOST: '0.0.0.0',
    CODEC_SERVER_PORT: '0',
  };
  const refused = await promisify(execFile)(process.execPath, [main], {
    env,
    timeout: 20_000,
  }).then(
    () => undefined,
    (e: unknown) => e as { code: number; stderr: string },
  );
  expect(refused?.code).toBe(1);
  expect(refused?.stderr).toMatch(/CODEC_SERVER_HOST is 0\.0\.0\.0 but CODEC_SERVER_TOKEN/);
});
