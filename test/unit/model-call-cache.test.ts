/**
 * The model-call activity marks the conversation for prompt caching at every
 * turn: run through the SDK's activity environment, the real Anthropic client
 * and the simulator; the request as sent on the wire is read from the
 * client's fetch. Within the API's 4 breakpoints, system prompt included; off
 * when `cacheConversation` is false.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createModelActivities } from '../../activities/claude.js';
import { MAX_CACHE_BREAKPOINTS } from '../../activities/pure/cache-marks.js';
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
