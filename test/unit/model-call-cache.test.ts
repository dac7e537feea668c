/**
 * The model-call activity marks the conversation for prompt caching at every
 * turn: run through the SDK's activity environment, the real Anthropic client
 * and the simulator; the request as sent on the wire is read from the
 * client's fetch. Within the API's 4 breakpoints, system prompt included; off
 * when `cacheConversation` is false. Parallel first turns of different issues
 * share the crew rules' prefix through the prefix gate.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createModelActivities } from '../../activities/claude.js';
import { MAX_CACHE_BREAKPOINTS } from '../../activities/pure/cache-marks.js';
import { PrefixGate } from '../../activities/pure/prefix-gate.js';
import type { ConversationMessage, ModelCallInput, ModelCallResult } from '../../common/schemas.js';
import { SANDBOX_API_KEY, startAnthropicSim } from '../../sandbox/anthropic/server.js';
import type { AnthropicSim } from '../../sandbox/anthropic/server.js';
import { promptContext } from '../sandbox/anthropic-sim-harness.js';

interface WireBlock {
  type: string;
  cache_control?: { type: string };
}
interface WireRequest {
  system: WireBlock[];
  messages: { role: string; content: WireBlock[] }[];
}

let sim: AnthropicSim;
let sent: WireRequest[] = [];

beforeAll(async () => {
  sim = await startAnthropicSim({ port: 0 });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset();
  sent = [];
});

function client(): Anthropic {
  return new Anthropic({
    apiKey: SANDBOX_API_KEY,
    baseURL: sim.url,
    maxRetries: 0,
    fetch: async (url, init) => {
      if (typeof init?.body === 'string') sent.push(JSON.parse(init.body) as WireRequest);
      return fetch(url, init);
    },
  });
}

const marks = (blocks: WireBlock[]): number => blocks.filter((b) => b.cache_control).length;

async function call(
  messages: ConversationMessage[],
  cacheConversation?: boolean,
): Promise<ModelCallResult> {
  const activities = createModelActivities({
    anthropic: client(),
    agentDocs: async () => '',
    ...(cacheConversation !== undefined && { cacheConversation }),
  });
  const input: ModelCallInput = {
    workflowId: 'blogtube-o-r-42/agent-backend',
    model: 'claude-sonnet-5-5',
    maxTokens: 1024,
    context: promptContext({ agent: 'backend' }),
    messages,
  };
  return (await new MockActivityEnvironment().run(activities.callModel, input)) as ModelCallResult;
}

const conversation = (turns: number): ConversationMessage[] => {
  const out: ConversationMessage[] = [
    { role: 'user', content: [{ type: 'text', text: 'Issue.' }] },
  ];
  for (let t = 0; t < turns; t++) {
    out.push({
      role: 'assistant',
      content: [
        { type: 'text', text: 'Reading.' },
        { type: 'tool_use', id: `toolu_${t}`, name: 'read_file', input: { path: 'api/x.js' } },
      ],
    });
    out.push({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: `toolu_${t}`, content: 'x'.repeat(3000) }],
    });
  }
  return out;
};

describe('the model call marks the conversation for prompt caching', () => {
  it('puts a breakpoint on the last block of the latest message, within the limit', async () => {
    const history = conversation(3);
    await call(conversation(0));
    await call(history);
    expect(sent).toHaveLength(2);
    for (const req of sent) {
      const last = req.messages.at(-1)?.content.at(-1);
      expect(last?.cache_control).toEqual({ type: 'ephemeral' });
      expect(marks(req.messages.flatMap((m) => m.content))).toBe(1);
      expect(marks(req.system) + 1).toBeLessThanOrEqual(MAX_CACHE_BREAKPOINTS);
    }
    // The history carried in the workflow is not changed, only the request.
    expect(history.at(-1)?.content.at(-1)).not.toHaveProperty('cache_control');
  });

  it('turns the growing prefix into cache reads turn after turn', async () => {
    const usages = [];
    for (let turns = 0; turns <= 4; turns++) usages.push((await call(conversation(turns))).usage);
    // Once the conversation is past the model's minimum cacheable length, each
    // turn reads what the previous one wrote, and pays full price only for the new part.
    const cached = usages.filter((u) => u.cacheRead > 0);
    expect(cached.length).toBeGreaterThan(0);
    for (const [i, u] of usages.entries()) {
      if (i === 0 || u.cacheRead === 0) continue;
      const prev = usages[i - 1]!;
      expect(u.cacheRead).toBe(prev.cacheRead + prev.cacheWrite + prev.input);
      expect(u.input).toBe(0);
    }
  });

  it('sends no conversation breakpoint when turned off, and then reads nothing back', async () => {
    const usages = [];
    for (let turns = 0; turns <= 4; turns++)
      usages.push((await call(conversation(turns), false)).usage);
    for (const req of sent) expect(marks(req.messages.flatMap((m) => m.content))).toBe(0);
    expect(usages.every((u) => u.cacheRead === 0)).toBe(true);
  });
});

describe('parallel first turns and the prefix gate', () => {
  let slow: AnthropicSim;
  beforeAll(async () => {
    // A cache entry is readable only once its writer's first token is out (300 ms here).
    slow = await startAnthropicSim({ port: 0, ttftMs: 300, minCacheableTokens: 0 });
  });
  afterAll(() => slow.close());
  beforeEach(() => slow.reset());

  /** Three first turns of three issues (other repositories), sent at once. */
  async function burst(prefixGate?: PrefixGate): Promise<ModelCallResult['usage'][]> {
    const anthropic = new Anthropic({ apiKey: SANDBOX_API_KEY, baseURL: slow.url, maxRetries: 0 });
    const waits: number[] = [];
    const activities = createModelActivities({
      anthropic,
      agentDocs: async () => '',
      ...(prefixGate && { prefixGate, onPrefixWait: (ms: number) => waits.push(ms) }),
    });
    const results = await Promise.all(
      [1, 2, 3].map((n) => {
        const context = {
          ...promptContext({ agent: 'backend' }),
          repo: `o/repo-${n}`,
          issue: { number: n, title: `Issue ${n}`, body: `Body of issue ${n}.` },
        };
        const input: ModelCallInput = {
          workflowId: `blogtube-o-repo-${n}-${n}/agent-backend`,
          model: 'claude-sonnet-5-5',
          maxTokens: 1024,
          context,
          messages: [{ role: 'user', content: [{ type: 'text', text: `Issue ${n}.` }] }],
        };
        return new MockActivityEnvironment().run(activities.callModel, input);
      }),
    );
    if (prefixGate) expect(waits).toHaveLength(2);
    return (results as ModelCallResult[]).map((r) => r.usage);
  }

  it('without the gate, every call writes the crew rules again', async () => {
    const usages = await burst();
    expect(usages.every((u) => u.cacheRead === 0 && u.cacheWrite > 0)).toBe(true);
  });

  it('with the gate, the first call writes the rules and the two others read them', async () => {
    const usages = await burst(new PrefixGate({ maxWaitMs: 10_000 }));
    const [first, ...others] = usages.sort((a, b) => a.cacheRead - b.cacheRead);
    expect(first?.cacheRead).toBe(0);
    for (const u of others) {
      expect(u.cacheRead).toBeGreaterThan(0);
      // What the others read, the first wrote: only their own part is new.
      expect(u.cacheRead).toBeLessThan(first!.cacheWrite);
      expect(u.cacheWrite).toBe(first!.cacheWrite - u.cacheRead);
    }
  });
});
