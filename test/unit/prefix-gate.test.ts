/**
 * The prefix gate: which requests wait for another's response to begin, for
 * how long, and the keys it tells prefixes apart by.
 */
import { describe, expect, it } from '@jest/globals';
import { CACHE_TTL_MS, PrefixGate, prefixKeys } from '../../activities/pure/prefix-gate.js';

const mark = { type: 'ephemeral' };
const text = (t: string, marked = false) => ({
  type: 'text',
  text: t,
  ...(marked && { cache_control: mark }),
});

/** A first-turn request: rules ◆, repository ◆, then issue ◆ and assignment ◆. */
const request = (repo: string, issue: string, agent: string) => ({
  model: 'claude-sonnet-5-5',
  tools: [{ name: 'read_file', input_schema: { type: 'object' } }],
  system: [text('crew rules', true), text(`Repository: ${repo}`, true)],
  messages: [{ role: 'user', content: [text(issue, true), text(`Agent: ${agent}`, true)] }],
});

/** Resolves after the microtasks and timers queued so far. */
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('prefixKeys', () => {
  it('gives one key per breakpoint, equal for equal prefixes and different after the first difference', () => {
    const a = prefixKeys(request('o/a', 'issue 1', 'backend'));
    const b = prefixKeys(request('o/a', 'issue 1', 'frontend'));
    const c = prefixKeys(request('o/b', 'issue 2', 'backend'));
    expect(a).toHaveLength(4);
    expect(b.slice(0, 3)).toEqual(a.slice(0, 3));
    expect(b[3]).not.toBe(a[3]);
    expect(c[0]).toBe(a[0]);
    expect(c.slice(1)).not.toContain(a[1]);
  });

  it('ignores the marks themselves but not the model, the tools or a block’s text', () => {
    const base = request('o/a', 'issue 1', 'backend');
    const [rules] = prefixKeys(base);
    const later = {
      ...base,
      messages: [{ role: 'user', content: [text('issue 1'), text('Agent: backend', true)] }],
    };
    expect(prefixKeys(later)[0]).toBe(rules);
    expect(prefixKeys({ ...base, model: 'claude-haiku-4-5' })[0]).not.toBe(rules);
    expect(prefixKeys({ ...base, tools: [] })[0]).not.toBe(rules);
    expect(prefixKeys({ ...base, system: [text('other rules', true)] })[0]).not.toBe(rules);
  });

  it('reads a message given as a string and returns no key without a breakpoint', () => {
    expect(prefixKeys({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).toEqual([]);
  });
});

describe('PrefixGate', () => {
  it('holds a request that shares a prefix being written until the writer’s response begins', async () => {
    const gate = new PrefixGate({ maxWaitMs: 60_000 });
    const first = await gate.enter(prefixKeys(request('o/a', 'issue 1', 'backend')));
    expect(first.waitedMs).toBe(0);
    let through = false;
    const second = gate.enter(prefixKeys(request('o/b', 'issue 2', 'backend'))).then((p) => {
      through = true;
      return p;
    });
    await tick(20);
    expect(through).toBe(false);
    first.started();
    const pass = await second;
    expect(pass.waitedMs).toBeGreaterThan(0);
    pass.started();
    pass.close();
    first.close();
  });

  it('lets the waiter go when the writer ends without a response', async () => {
    const gate = new PrefixGate({ maxWaitMs: 60_000 });
    const first = await gate.enter(prefixKeys(request('o/a', 'issue 1', 'backend')));
    const second = gate.enter(prefixKeys(request('o/a', 'issue 1', 'frontend')));
    first.close();
    const pass = await second;
    // Nothing was cached: the waiter writes the prefix itself, and the next one waits for it.
    expect(gate.cachedCount).toBe(0);
    let third = false;
    void gate.enter(prefixKeys(request('o/a', 'issue 1', 'devops'))).then((p) => {
      third = true;
      p.close();
    });
    await tick(20);
    expect(third).toBe(false);
    pass.started();
    await tick();
    expect(third).toBe(true);
  });

  it('never holds a request whose longest shared prefix is cached, nor one that shares nothing', async () => {
    const gate = new PrefixGate({ maxWaitMs: 60_000 });
    const first = await gate.enter(prefixKeys(request('o/a', 'issue 1', 'backend')));
    first.started();
    // Rules and repository are cached; another request writes the next issue's prefix.
    const writer = await gate.enter(prefixKeys(request('o/a', 'issue 9', 'backend')));
    const sameIssue = await gate.enter(prefixKeys(request('o/a', 'issue 1', 'devops')));
    expect(sameIssue.waitedMs).toBe(0);
    const unrelated = await gate.enter(prefixKeys({ ...request('o/a', 'x', 'y'), model: 'other' }));
    expect(unrelated.waitedMs).toBe(0);
    for (const p of [writer, sameIssue, unrelated]) p.close();
  });

  it('waits at most maxWaitMs, not at all when 0, and stops waiting when the call is cancelled', async () => {
    const keys = prefixKeys(request('o/a', 'issue 1', 'backend'));
    const slow = new PrefixGate({ maxWaitMs: 30 });
    const writer = await slow.enter(keys);
    const timedOut = await slow.enter(prefixKeys(request('o/a', 'issue 1', 'frontend')));
    expect(timedOut.waitedMs).toBeGreaterThanOrEqual(25);
    writer.close();
    timedOut.close();

    const never = new PrefixGate({ maxWaitMs: 0 });
    const w2 = await never.enter(keys);
    expect((await never.enter(prefixKeys(request('o/a', 'issue 1', 'x')))).waitedMs).toBe(0);
    w2.close();

    const gate = new PrefixGate({ maxWaitMs: 60_000 });
    const w3 = await gate.enter(keys);
    const abort = new AbortController();
    const waiting = gate.enter(prefixKeys(request('o/a', 'issue 1', 'frontend')), abort.signal);
    abort.abort();
    await expect(waiting).resolves.toMatchObject({ waitedMs: expect.any(Number) });
    w3.close();
  });

  it('forgets a cached prefix once the cache lifetime has passed since its last use', async () => {
    let now = 1_000;
    const gate = new PrefixGate({ maxWaitMs: 60_000, now: () => now });
    const keys = prefixKeys(request('o/a', 'issue 1', 'backend'));
    (await gate.enter(keys)).started();
    expect(gate.cachedCount).toBe(4);
    now += CACHE_TTL_MS - 1;
    // A use refreshes it.
    const reader = await gate.enter(keys);
    reader.started();
    now += CACHE_TTL_MS - 1;
    expect(gate.cachedCount).toBe(4);
    now += 1;
    expect(gate.cachedCount).toBe(0);
  });

  it('treats started and close as idempotent', async () => {
    const gate = new PrefixGate({ maxWaitMs: 60_000 });
    const p = await gate.enter(prefixKeys(request('o/a', 'issue 1', 'backend')));
    p.started();
    p.started();
    p.close();
    p.close();
    expect(gate.cachedCount).toBe(4);
  });
});
