/**
 * Issue 16, property 6, over the input space: whatever title and body an
 * event carries, the run is started with exactly the text a reader of that
 * event saw (cleaned and bounded as the issue activity cleans GitHub's text),
 * an edit is forwarded the same way, and nothing from a later state of the
 * issue can be in it (the start decision depends on the event only).
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { routeWebhook } from '../../client/pure/webhook-router.js';
import { issueText, MAX_BODY_CHARS, MAX_TITLE_CHARS } from '../../common/text/issue-text.js';

const RUNS = { numRuns: 300, seed: 16 };
const text = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc
    .array(fc.constantFrom('<!-- x -->', '\u200b', '\u202e', '<div hidden>y</div>', 'a', ' ', '\n'))
    .map((parts) => parts.join('')),
);
const event = (action: string, title: string, body: string | null) => ({
  action,
  issue: { number: 7, title, body },
  label: { name: 'blogtube' },
  repository: { name: 'r', owner: { login: 'o' } },
  sender: { login: 'sandbox-maintainer', type: 'User' },
});

describe('pinned issue text', () => {
  it('a start carries the event’s own text, cleaned as loaded; an edit carries the same', () => {
    fc.assert(
      fc.property(
        text,
        fc.option(text, { nil: null }),
        fc.constantFrom('opened', 'labeled'),
        (title, body, action) => {
          const start = routeWebhook('issues', event(action, title, body), 'blogtube');
          expect(start.kind).toBe('start');
          if (start.kind !== 'start') return;
          expect(start.issue).toEqual(issueText(title, body));
          expect(start.issue.title.length).toBeLessThanOrEqual(MAX_TITLE_CHARS);
          expect(start.issue.body.length).toBeLessThanOrEqual(MAX_BODY_CHARS + 100);
          expect(start.issue.body).not.toMatch(/[\u200b\u202e]|<!--/);
          const edit = routeWebhook('issues', event('edited', title, body), 'blogtube');
          expect(edit).toMatchObject({ kind: 'edit', ...issueText(title, body) });
        },
      ),
      RUNS,
    );
  });

  it('cleaning is stable: text already pinned is pinned unchanged', () => {
    fc.assert(
      fc.property(text, text, (title, body) => {
        const once = issueText(title, body);
        expect(issueText(once.title, once.body)).toEqual(once);
      }),
      RUNS,
    );
  });
});
