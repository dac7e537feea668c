/**
 * The Anthropic simulator speaks the Messages API well enough for the real
 * SDK: auth, validation, error shapes, JSON and SSE answers with tool use,
 * usage and prompt caching, faults and pacing.
 */
import { describe, expect, it } from '@jest/globals';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import { buildSystem, firstUserMessage, TOOLS } from '../../common/text/prompts.js';
import { SANDBOX_API_KEY } from '../../sandbox/anthropic/server.js';
import type { SimRequestRecord } from '../../sandbox/anthropic/server.js';
import { MODEL, promptContext } from './anthropic-sim-harness.js';
import { useAnthropicSim } from '../support/sims.js';

// Short prompts cached as if above the minimum length (prompt-cache.test.ts tests the minimum).
const anthropic = useAnthropicSim({ minCacheableTokens: 0 });

function backendParams(): MessageCreateParamsNonStreaming {
  const ctx = promptContext({ agent: 'backend', teammates: ['frontend'] });
  return {
    model: MODEL,
    max_tokens: 4096,
    system: buildSystem(ctx),
    tools: TOOLS,
    messages: [{ role: 'user', content: firstUserMessage(ctx) }],
  };
}

async function admin(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${anthropic.sim.url}/_sim${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function rawPost(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${anthropic.sim.url}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'x-api-key': SANDBOX_API_KEY,
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('authentication', () => {
  it('rejects a wrong key with 401 authentication_error (SDK AuthenticationError)', async () => {
    const bad = new Anthropic({
      apiKey: 'sk-ant-wrong',
      baseURL: anthropic.sim.url,
      maxRetries: 0,
    });
    const err = await caught(bad.messages.create(backendParams()));
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    const apiErr = err as InstanceType<typeof Anthropic.AuthenticationError>;
    expect(apiErr.status).toBe(401);
    expect(apiErr.type).toBe('authentication_error');
    expect(apiErr.requestID).toMatch(/^req_/);
    expect(apiErr.error).toEqual({
      type: 'error',
      error: { type: 'authentication_error', message: 'invalid x-api-key' },
      request_id: apiErr.requestID,
    });
  });

  it('accepts the key as x-api-key as well as a bearer token', async () => {
    const ok = await rawPost(backendParams());
    expect(ok.status).toBe(200);
    expect(ok.headers.get('request-id')).toMatch(/^req_/);
    const missing = await rawPost(backendParams(), { 'x-api-key': '' });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error', message: 'x-api-key header is required' },
    });
  });
});

describe('validation', () => {
  const cases: [string, (p: MessageCreateParamsNonStreaming) => unknown, RegExp][] = [
    ['no messages', (p) => ({ ...p, messages: [] }), /at least one message/],
    ['no model', (p) => ({ ...p, model: '' }), /^model: Field required/],
    ['no max_tokens', ({ max_tokens: _m, ...p }) => p, /^max_tokens: Field required/],
    [
      'assistant first',
      (p) => ({ ...p, messages: [{ role: 'assistant', content: 'hi' }] }),
      /first message must use the "user" role/,
    ],
    [
      'roles not alternating',
      (p) => ({ ...p, messages: [...p.messages, { role: 'user', content: 'again' }] }),
      /roles must alternate/,
    ],
    [
      'tool_result without its tool_use',
      (p) => ({
        ...p,
        messages: [
          ...p.messages,
          {
            role: 'assistant',
            content: [{ type: 'tool_use', id: 'toolu_a', name: 'list_files', input: {} }],
          },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: 'toolu_b', content: 'x' }],
          },
        ],
      }),
      /unexpected `tool_use_id` found in `tool_result` blocks: toolu_b/,
    ],
    [
      'tool_use without a tool_result',
      (p) => ({
        ...p,
        messages: [
          ...p.messages,
          {
            role: 'assistant',
            content: [{ type: 'tool_use', id: 'toolu_a', name: 'list_files', input: {} }],
          },
          { role: 'user', content: 'no result' },
        ],
      }),
      /tool_use` ids were found without `tool_result` blocks immediately after: toolu_a/,
    ],
  ];

  it.each(cases)('answers 400 invalid_request_error for %s', async (_name, mutate, message) => {
    const err = await caught(anthropic.client.messages.create(mutate(backendParams()) as never));
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    const apiErr = err as InstanceType<typeof Anthropic.BadRequestError>;
    expect(apiErr.type).toBe('invalid_request_error');
    expect(apiErr.apiMessage).toMatch(message);
    expect(anthropic.sim.requests.at(-1)).toMatchObject({ status: 400, turn: null });
  });

  it('answers 400 for a body that is not JSON, 404 for an unknown path', async () => {
    const res = await fetch(`${anthropic.sim.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': SANDBOX_API_KEY, 'anthropic-version': '2023-06-01' },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    expect((await res.json()) as unknown).toMatchObject({
      error: { type: 'invalid_request_error' },
    });
    const missing = await fetch(`${anthropic.sim.url}/v1/nothing`);
    expect(missing.status).toBe(404);
    expect((await missing.json()) as unknown).toMatchObject({ error: { type: 'not_found_error' } });
  });
});

describe('error answers', () => {
  it('429 rate_limit_error carries retry-after (SDK RateLimitError), then recovers', async () => {
    await admin('POST', '/scenario', {
      agents: { backend: { failWith: { status: 429, times: 1, retryAfter: 7 } } },
    });
    const err = await caught(anthropic.client.messages.create(backendParams()));
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    const apiErr = err as InstanceType<typeof Anthropic.RateLimitError>;
    expect(apiErr.headers.get('retry-after')).toBe('7');
    expect(apiErr.type).toBe('rate_limit_error');
    const ok = await anthropic.client.messages.create(backendParams());
    expect(ok.stop_reason).toBe('tool_use');
  });

  it('529 overloaded_error and 500 api_error (SDK InternalServerError)', async () => {
    await admin('POST', '/faults', {
      rules: [
        { status: 529, count: 1 },
        { status: 500, count: 1 },
      ],
    });
    const overloaded = (await caught(
      anthropic.client.messages.create(backendParams()),
    )) as InstanceType<typeof Anthropic.APIError>;
    expect(overloaded).toBeInstanceOf(Anthropic.InternalServerError);
    expect(overloaded.status).toBe(529);
    expect(overloaded.type).toBe('overloaded_error');
    expect(overloaded.error).toMatchObject({ error: { message: 'Overloaded' } });
    const internal = (await caught(
      anthropic.client.messages.create(backendParams()),
    )) as InstanceType<typeof Anthropic.APIError>;
    expect(internal).toBeInstanceOf(Anthropic.InternalServerError);
    expect(internal.status).toBe(500);
    expect(internal.type).toBe('api_error');
    await expect(anthropic.client.messages.create(backendParams())).resolves.toMatchObject({
      type: 'message',
      stop_reason: 'tool_use',
    });
  });

  it('fault rules with a rate follow the seed', async () => {
    const run = async (): Promise<number[]> => {
      await admin('POST', '/seed', { seed: 7 });
      await admin('POST', '/faults', { rules: [{ status: 500, rate: 0.5 }] });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const res = await rawPost(backendParams());
        statuses.push(res.status);
        await res.arrayBuffer();
      }
      return statuses;
    };
    const first = await run();
    expect(first).toContain(500);
    expect(first).toContain(200);
    expect(await run()).toEqual(first);
  });

  it('a reset fault drops the connection (SDK APIConnectionError)', async () => {
    await admin('POST', '/faults', { rules: [{ reset: true, count: 1 }] });
    const err = await caught(anthropic.client.messages.create(backendParams()));
    expect(err).toBeInstanceOf(Anthropic.APIConnectionError);
    expect(anthropic.sim.requests.at(-1)).toMatchObject({ status: 0, fault: 'reset' });
  });
});

describe('answers', () => {
  it('streaming and non-streaming give the same tool_use content', async () => {
    const params = backendParams();
    const plain = await anthropic.client.messages.create(params);
    const streamed = await anthropic.client.messages.stream(params).finalMessage();
    expect(plain.id).toMatch(/^msg_/);
    expect(plain).toMatchObject({ type: 'message', role: 'assistant', model: MODEL });
    expect(plain.stop_reason).toBe('tool_use');
    expect(plain.stop_sequence).toBeNull();
    expect(streamed.content).toEqual(plain.content);
    expect(streamed.stop_reason).toBe(plain.stop_reason);
    expect(streamed.usage.output_tokens).toBe(plain.usage.output_tokens);
    const toolUse = plain.content.find((b) => b.type === 'tool_use');
    expect(toolUse).toMatchObject({ name: 'list_files', input: { path: 'api' } });
    expect(toolUse?.type === 'tool_use' && toolUse.id).toMatch(/^toolu_/);
  });

  it('streams SSE exactly as the API does', async () => {
    const res = await rawPost({ ...backendParams(), stream: true });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    const text = await res.text();
    const frames = text.trim().split('\n\n');
    const events = frames.map((frame) => {
      const [eventLine, dataLine, ...rest] = frame.split('\n');
      expect(rest).toEqual([]);
      const name = /^event: (\S+)$/.exec(eventLine ?? '')?.[1];
      const data = JSON.parse((dataLine ?? '').replace(/^data: /, '')) as { type: string };
      expect(data.type).toBe(name);
      return data as { type: string; [k: string]: unknown };
    });
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('message_start');
    expect(types).toContain('ping');
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    const jsonDeltas = events.filter(
      (e) => (e.delta as { type?: string } | undefined)?.type === 'input_json_delta',
    );
    expect(jsonDeltas.length).toBeGreaterThan(1);
    const start = events[0] as unknown as { message: { content: unknown[]; stop_reason: unknown } };
    expect(start.message.content).toEqual([]);
    expect(start.message.stop_reason).toBeNull();
    expect(events.at(-2)).toMatchObject({
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: expect.any(Number) },
    });
  });

  it('reports positive usage and counts tokens', async () => {
    const reply = await anthropic.client.messages.create(backendParams());
    expect(reply.usage.input_tokens).toBeGreaterThan(0);
    expect(reply.usage.output_tokens).toBeGreaterThan(0);
    const { model, system, tools, messages } = backendParams();
    const counted = await anthropic.client.messages.countTokens({ model, system, tools, messages });
    expect(counted.input_tokens).toBe(
      reply.usage.input_tokens +
        (reply.usage.cache_creation_input_tokens ?? 0) +
        (reply.usage.cache_read_input_tokens ?? 0),
    );
  });

  it('writes a cached prefix once, then reads it', async () => {
    const first = await anthropic.client.messages.create(backendParams());
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    const other = promptContext({
      agent: 'backend',
      teammates: ['frontend'],
      issue: { number: 43, title: 'Another issue', body: 'Different body text.' },
    });
    const second = await anthropic.client.messages.create({
      ...backendParams(),
      system: buildSystem(other),
      messages: [{ role: 'user', content: firstUserMessage(other) }],
    });
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    expect(second.usage.input_tokens).toBeGreaterThan(0);
    const log = anthropic.sim.requests.slice(-2);
    expect(log.map((r) => [r.cacheWrite > 0, r.cacheRead > 0])).toEqual([
      [true, false],
      [false, true],
    ]);
  });

  it('stops at max_tokens', async () => {
    const reply = await anthropic.client.messages.create({ ...backendParams(), max_tokens: 5 });
    expect(reply.stop_reason).toBe('max_tokens');
    expect(reply.usage.output_tokens).toBeLessThanOrEqual(5);
  });

  it('logs each request', async () => {
    await anthropic.client.messages.create(backendParams());
    await anthropic.client.messages.stream(backendParams()).finalMessage();
    const res = await admin('GET', '/requests');
    const log = (await res.json()) as SimRequestRecord[];
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({
      agent: 'backend',
      turn: 0,
      step: 'list',
      stream: false,
      status: 200,
      issue: 42,
      repo: 'blogtube/blogtube',
    });
    expect(log[1]).toMatchObject({ stream: true, status: 200 });
    expect(log[0]?.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    await admin('DELETE', '/requests');
    expect(anthropic.sim.requests).toHaveLength(0);
  });
});

describe('streams that go wrong', () => {
  it('a cut stream makes the SDK stream reject', async () => {
    await admin('POST', '/faults', { rules: [{ streamCut: true, agent: 'backend' }] });
    await expect(
      anthropic.client.messages.stream(backendParams()).finalMessage(),
    ).rejects.toThrow();
    expect(anthropic.sim.requests.at(-1)).toMatchObject({ status: 200, fault: 'streamCut' });
    await expect(anthropic.client.messages.create(backendParams())).rejects.toThrow();
  });

  it('a hanging agent never finishes: the SDK times out or aborts; the simulator stays usable', async () => {
    await admin('POST', '/scenario', { agents: { backend: { hang: true } } });
    const timedOut = await caught(
      anthropic.client.messages.create(backendParams(), { timeout: 300 }),
    );
    expect(timedOut).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);

    const controller = new AbortController();
    const stream = anthropic.client.messages.stream(backendParams(), { signal: controller.signal });
    const events: string[] = [];
    stream.on('streamEvent', (e) => {
      events.push(e.type);
      if (events.length === 1) setTimeout(() => controller.abort(), 300);
    });
    await expect(stream.finalMessage()).rejects.toThrow();
    expect(events[0]).toBe('message_start');
    expect(events).not.toContain('message_stop');
    expect(anthropic.sim.requests.at(-1)).toMatchObject({ fault: 'hang', stream: true });

    await admin('DELETE', '/scenario');
    await expect(anthropic.client.messages.create(backendParams())).resolves.toMatchObject({
      type: 'message',
      stop_reason: 'tool_use',
    });
  });
});

describe('pacing', () => {
  it('waits ttftMs before the first delta and paces tokens', async () => {
    await admin('POST', '/latency', { ttftMs: 200, tokensPerSec: 2000 });
    const started = Date.now();
    let firstDelta = 0;
    const stream = anthropic.client.messages.stream(backendParams());
    stream.on('streamEvent', (e) => {
      if (e.type === 'content_block_delta' && firstDelta === 0) firstDelta = Date.now();
    });
    const reply = await stream.finalMessage();
    const total = Date.now() - started;
    expect(firstDelta - started).toBeGreaterThanOrEqual(190);
    const expected = 200 + (reply.usage.output_tokens / 2000) * 1000;
    expect(total).toBeGreaterThanOrEqual(expected - 20);
    expect(total).toBeLessThan(expected + 1000);
  });
});

describe('admin API', () => {
  it('rejects malformed knobs and reports its state', async () => {
    const bad = await admin('POST', '/scenario', { agents: { backedn: { hang: true } } });
    expect(bad.status).toBe(400);
    const unknownKnob = await admin('POST', '/scenario', { agents: { backend: { hnag: true } } });
    expect(unknownKnob.status).toBe(400);
    const rule = await admin('POST', '/faults', { rules: [{ rate: 0.5 }] });
    expect(rule.status).toBe(400);
    await admin('POST', '/latency', { ttftMs: 5 });
    const state = (await (await admin('GET', '/state')).json()) as { latency: unknown };
    expect(state.latency).toEqual({ ttftMs: 5, tokensPerSec: 0 });
    await admin('POST', '/reset');
    const after = (await (await admin('GET', '/state')).json()) as { latency: unknown };
    expect(after.latency).toEqual({ ttftMs: 0, tokensPerSec: 0 });
  });
});
