/**
 * The router's trust rules (bots and the app's own account never trigger)
 * and the bridge's memory of recent delivery ids (a bounded LRU).
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { RecentDeliveries, routeWebhook } from '../../client/pure/webhook-router.js';

const repository = { name: 'r', owner: { login: 'o' } };
const issue = { number: 4, title: 't', body: 'b' };
const user = (login: string, type = 'User') => ({ login, type });

describe('who is never obeyed', () => {
  it('a bot sender, a [bot] login, and the app’s own (machine user) account', () => {
    const opened = (sender: { login: string; type: string }) =>
      routeWebhook('issues', { action: 'opened', issue, repository, sender }, 'blogtube', {
        selfLogin: 'blogtube-machine',
      });
    expect(opened(user('dependabot', 'Bot'))).toMatchObject({ kind: 'ignore' });
    expect(opened(user('renovate[bot]'))).toMatchObject({ kind: 'ignore' });
    expect(opened(user('BlogTube-Machine'))).toEqual({
      kind: 'ignore',
      reason: "sender BlogTube-Machine is this app's own account",
    });
    expect(opened(user('alice'))).toMatchObject({ kind: 'start', sender: 'alice' });
  });

  it('a comment whose author is the app’s own account, even if the sender field differs', () => {
    const d = routeWebhook(
      'issue_comment',
      {
        action: 'created',
        issue,
        repository,
        comment: { id: 1, body: '/blogtube approve', user: user('me') },
        sender: user('alice'),
      },
      'blogtube',
      { selfLogin: 'me' },
    );
    expect(d).toMatchObject({ kind: 'ignore', reason: expect.stringMatching(/own account/) });
  });

  it('the trigger label applied by a bot is ignored', () => {
    const d = routeWebhook(
      'issues',
      { action: 'labeled', issue, repository, label: { name: 'blogtube' }, sender: user('x[bot]') },
      'blogtube',
    );
    expect(d.kind).toBe('ignore');
  });
});

describe('edits', () => {
  it('carry the title and body cleaned of hidden content', () => {
    const d = routeWebhook(
      'issues',
      {
        action: 'edited',
        issue: { number: 4, title: 'Fix\u202e it<!-- x -->', body: 'a<div hidden>b</div>c' },
        repository,
        sender: user('alice'),
      },
      'blogtube',
    );
    expect(d).toMatchObject({ kind: 'edit', title: 'Fix it', body: 'ac' });
  });
});

describe('recent deliveries (bounded LRU)', () => {
  it('recognises a delivery id seen before', () => {
    const r = new RecentDeliveries(3);
    expect(r.seen('a')).toBe(false);
    expect(r.seen('a')).toBe(true);
    expect(r.seen('b')).toBe(false);
  });

  it('forgets the least recently seen id past its capacity, and forgets on request', () => {
    const r = new RecentDeliveries(2);
    r.seen('a');
    r.seen('b');
    r.seen('a'); // refreshes a
    r.seen('c'); // evicts b
    expect(r.size).toBe(2);
    expect(r.seen('a')).toBe(true);
    expect(r.seen('b')).toBe(false);
    r.forget('b');
    expect(r.seen('b')).toBe(false);
  });

  it('never holds more than its capacity, whatever the sequence', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.string({ maxLength: 3 })),
        (cap, ids) => {
          const r = new RecentDeliveries(cap);
          const last = new Map<string, number>();
          ids.forEach((id, i) => {
            r.seen(id);
            last.set(id, i);
            expect(r.size).toBeLessThanOrEqual(cap);
          });
          // The most recent id is always remembered.
          const newest = ids.at(-1);
          if (newest !== undefined) expect(r.seen(newest)).toBe(true);
        },
      ),
      { numRuns: 300, seed: 3 },
    );
  });

  it('refuses a capacity below one', () => {
    expect(() => new RecentDeliveries(0)).toThrow(/capacity/);
  });
});
