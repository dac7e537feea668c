/**
 * Prompt-caching accounting of the Anthropic simulator, through the real SDK
 * client: minimum cacheable length per model, the breakpoint's look-back for
 * an earlier prefix (incremental caching of an agent loop), the 20-block
 * window, and (on the cache itself, with a clock) the 5-minute TTL refreshed
 * by each use and an entry readable only once its writer's response began.
 */
import type { MessageParam, TextBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from '@jest/globals';
import { markConversation } from '../../activities/pure/cache-marks.js';
import {
  LOOKBACK_BLOCKS,
  minCacheableTokens,
  PromptCache,
} from '../../sandbox/anthropic/prompt-cache.js';
import type { MessagesRequest } from '../../sandbox/anthropic/protocol.js';
import { useAnthropicSim } from '../support/sims.js';

const MODEL = 'claude-sonnet-5-5';
const MIN = minCacheableTokens(MODEL);
const mark = { type: 'ephemeral' } as const;
/** `tokens` tokens of text (the simulator counts 4 bytes a token). */
const text = (tokens: number, seed: string): string => seed.padEnd(tokens * 4, '.');
const SYSTEM: TextBlockParam[] = [
  { type: 'text', text: text(300, 'You are an agent.'), cache_control: mark },
];

const anthropic = useAnthropicSim();

async function usage(messages: MessageParam[], system = SYSTEM) {
  const reply = await anthropic.client.messages.create({
    model: MODEL,
    max_tokens: 64,
    system,
    messages,
  });
  const counted = await anthropic.client.messages.countTokens({ model: MODEL, system, messages });
  const u = {
    input: reply.usage.input_tokens,
    read: reply.usage.cache_read_input_tokens ?? 0,
    write: reply.usage.cache_creation_input_tokens ?? 0,
  };
  // Every prompt token is counted once: uncached, read or written.
  expect(u.input + u.read + u.write).toBe(counted.input_tokens);
  return { ...u, total: counted.input_tokens };
}

/** A message with block content (what the activity sends). */
type Msg = { role: 'user' | 'assistant'; content: TextBlockParam[] };

const user = (t: string): Msg => ({ role: 'user', content: [{ type: 'text', text: t }] });
const assistant = (t: string): Msg => ({
  role: 'assistant',
  content: [{ type: 'text', text: t }],
});

describe('prompt cache accounting', () => {
  it('knows the minimum cacheable length of the models', () => {
    expect(minCacheableTokens('claude-sonnet-4-5')).toBe(1024);
    expect(minCacheableTokens('claude-3-5-haiku-latest')).toBe(2048);
    expect(minCacheableTokens('claude-haiku-4-5')).toBe(4096);
    expect(minCacheableTokens('claude-opus-4-1')).toBe(1024);
    expect(minCacheableTokens('claude-opus-4-5')).toBe(4096);
    expect(MIN).toBe(2048);
  });

  it('does not cache a marked prefix shorter than the minimum', async () => {
    const messages = [user('Fix the typo in docs/api.md.')];
    const a = await usage(messages);
    const b = await usage(messages);
    for (const u of [a, b]) expect([u.read, u.write]).toEqual([0, 0]);
    expect(b.input).toBe(a.total);
  });

  it('writes the growing conversation at each turn and reads the previous turn back', async () => {
    const turn1 = [user(text(MIN, 'Issue: add chapters.'))];
    const a = await usage(markConversation(turn1, 1));
    expect(a).toMatchObject({ input: 0, read: 0, write: a.total });

    const turn2 = [...turn1, assistant(text(50, 'Reading files.')), user(text(400, 'file text'))];
    const b = await usage(markConversation(turn2, 1));
    expect(b).toEqual({ input: 0, read: a.total, write: b.total - a.total, total: b.total });

    // The same turn again (a retried call): all of it is read.
    const again = await usage(markConversation(turn2, 1));
    expect(again).toMatchObject({ input: 0, read: b.total, write: 0 });

    // Once the cache is emptied (DELETE /_sim/cache: a cold start), it is written again.
    const emptied = await fetch(`${anthropic.sim.url}/_sim/cache`, { method: 'DELETE' });
    expect(emptied.status).toBe(200);
    const cold = await usage(markConversation(turn2, 1));
    expect(cold).toMatchObject({ input: 0, read: 0, write: b.total });

    // Without the conversation marked only the system prompt is marked, and it is
    // below the minimum: nothing is read, everything is input.
    const plain = await usage([...turn2, assistant('ok'), user('more')]);
    expect(plain).toMatchObject({ read: 0, write: 0 });
  });

  it('finds an earlier prefix only within the look-back window of a breakpoint', async () => {
    const turn1 = [user(text(MIN, 'Issue: add chapters.'))];
    const a = await usage(markConversation(turn1, 1));
    const blocks = (n: number): Msg => ({
      role: 'user',
      content: Array.from({ length: n }, (_, i) => ({ type: 'text' as const, text: `r${i}` })),
    });
    // LOOKBACK_BLOCKS blocks after the cached one: still found (window includes it).
    const near = [...turn1, assistant('x'), blocks(LOOKBACK_BLOCKS - 1)];
    const b = await usage([
      ...near.slice(0, -1),
      { ...blocks(LOOKBACK_BLOCKS - 1), content: markLast(near.at(-1) as Msg) },
    ]);
    expect(b.read).toBe(a.total);
    // One block more: out of reach of the only breakpoint.
    anthropic.sim.reset();
    await usage(markConversation(turn1, 1));
    const far = [...turn1, assistant('x'), blocks(LOOKBACK_BLOCKS)];
    const c = await usage([
      ...far.slice(0, -1),
      { ...blocks(LOOKBACK_BLOCKS), content: markLast(far.at(-1) as Msg) },
    ]);
    expect(c.read).toBe(0);
    expect(c.write).toBe(c.total);
    // markConversation marks the previous user message too when a turn adds that many blocks.
    anthropic.sim.reset();
    await usage(markConversation(turn1, 1));
    const d = await usage(markConversation(far, 1));
    expect(d.read).toBe(a.total);
  });
});

function markLast(m: Msg): TextBlockParam[] {
  const content = [...m.content];
  content[content.length - 1] = { ...(content.at(-1) as TextBlockParam), cache_control: mark };
  return content;
}

describe('prompt cache TTL', () => {
  const request = (tokens: number): MessagesRequest => ({
    model: MODEL,
    max_tokens: 1,
    stream: false,
    tools: [],
    system: [{ type: 'text', text: text(tokens, 'system'), cache_control: { type: 'ephemeral' } }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
  });

  it('expires 5 minutes after the last use, and each read refreshes it', () => {
    let now = 0;
    const cache = new PromptCache({ now: () => now });
    const req = request(MIN);
    expect(cache.account(req).cacheWrite).toBe(MIN);
    now = 4 * 60_000;
    expect(cache.account(req).cacheRead).toBe(MIN);
    now = 8 * 60_000; // 4 min after the read: still there
    expect(cache.account(req).cacheRead).toBe(MIN);
    now = 13 * 60_000 + 1; // 5 min and 1 ms after the last use: gone, written again
    expect(cache.account(req)).toMatchObject({ cacheRead: 0, cacheWrite: MIN });
  });

  it('keeps a 1-hour entry for an hour', () => {
    let now = 0;
    const cache = new PromptCache({ now: () => now });
    const req = request(MIN);
    req.system[0] = {
      ...(req.system[0] as MessagesRequest['system'][0]),
      cache_control: { type: 'ephemeral', ttl: '1h' },
    };
    cache.account(req);
    now = 59 * 60_000;
    expect(cache.account(req).cacheRead).toBe(MIN);
  });

  it('lets a new entry be read only once the response that wrote it has begun', () => {
    let now = 0;
    const cache = new PromptCache({ now: () => now });
    const req = request(MIN);
    expect(cache.account(req, 600)).toMatchObject({ cacheRead: 0, cacheWrite: MIN });
    // Sent at the same moment (or before the first response's first token): written again.
    now = 599;
    expect(cache.account(req, 600)).toMatchObject({ cacheRead: 0, cacheWrite: MIN });
    // The second write does not push the first one's readiness back.
    now = 600;
    expect(cache.account(req, 600)).toMatchObject({ cacheRead: MIN, cacheWrite: 0 });
  });
});

describe('conversation marks', () => {
  const blocks = (n: number): TextBlockParam[] =>
    Array.from({ length: n }, (_, i) => ({ type: 'text' as const, text: `block ${i}` }));
  const marked = (msgs: { content: TextBlockParam[] }[]) =>
    msgs.flatMap((m, mi) => m.content.flatMap((b, bi) => (b.cache_control ? [[mi, bi]] : [])));

  it("marks a first turn's first block (the issue) and its last, then only the latest", () => {
    const first: Msg = { role: 'user', content: blocks(3) };
    expect(marked(markConversation([first], 2))).toEqual([
      [0, 0],
      [0, 2],
    ]);
    // One breakpoint left: the last block has it.
    expect(marked(markConversation([first], 3))).toEqual([[0, 2]]);
    // A one-block first message: one mark.
    expect(marked(markConversation([user('x')], 2))).toEqual([[0, 0]]);
    expect(marked(markConversation([first, assistant('a'), user('b')], 2))).toEqual([[2, 0]]);
  });
});
