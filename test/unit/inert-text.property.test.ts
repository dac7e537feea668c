/**
 * Agent-written text published on GitHub is inert (issue 16, property 13).
 * What GitHub would act on is read from the text as GitHub's renderer would
 * see it (entities decoded): no closing keyword, no mention, no issue or pull
 * request reference survives, for any text built from GitHub's keywords, every
 * reference form, mentions and markdown tricks; the bot's own `Fixes #<issue>`
 * line is the only closer in a PR body.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { commitMessage, inertMarkdown, inertPlain } from '../../common/inert-text.js';
import type { IssueStatus } from '../../common/schemas.js';
import { renderProgress, renderPullRequest } from '../../workflows/pure/report.js';

const RUNS = { numRuns: 1000, seed: 1613 };

/** What a markdown renderer's text nodes hold: entities decoded (the ones an attacker might use too). */
function rendered(markdown: string): string {
  return markdown
    .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#([0-9]+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\\([!-/:-@[-`{-~])/g, '$1'); // markdown backslash escapes
}

const KEYWORDS = [
  'close',
  'closes',
  'closed',
  'fix',
  'fixes',
  'fixed',
  'resolve',
  'resolves',
  'resolved',
];
/** GitHub's closing syntax: keyword, optional colon, spaces, then a reference in any form. */
const CLOSES =
  /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s+(?:#\d|[\w.-]+\/[\w.-]+#\d|gh-\d|https?:\/\/github\.com\/[\w.-]+\/[\w.-]+\/(?:issues|pull)\/\d)/i;
const MENTION = /(?:^|[^\w`])@[A-Za-z0-9][\w-]*(?:\/[\w-]+)?/;
const REFERENCE = /(?:^|[^&\w])#\d|\bgh-\d|\/(?:issues|pulls?|discussions)\/\d/i;

const anyCase = (s: string) =>
  fc
    .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
    .map((f) => [...s].map((c, i) => (f[i] ? c.toUpperCase() : c)).join(''));
const piece = fc.oneof(
  fc.constantFrom(...KEYWORDS).chain(anyCase),
  fc.constantFrom(' ', '  ', ':', ': ', '\n', '\t', ',', '.', '(', ')', '*', '**', '_', '`', '\\'),
  fc.constantFrom('#2', '#12', 'blogtube/blogtube#3', 'other/repo#4', 'GH-5', 'gh-6'),
  fc.constantFrom(
    'https://github.com/blogtube/blogtube/issues/7',
    'https://github.com/o/r/pull/8',
    'github.com/o/r/discussions/9',
  ),
  fc.constantFrom('@sandbox-maintainer', '@blogtube/core', '@a', 'me@example.com'),
  fc.constantFrom(
    '&#35;2',
    '&#x23;2',
    '&#64;admin',
    'F&#105;xes',
    '&amp;',
    '&#8203;',
    '<b>',
    '</b>',
  ),
  fc.stringMatching(/^[a-z ]{0,6}$/),
  fc.string({ maxLength: 4 }),
);
const hostile = fc.array(piece, { maxLength: 24 }).map((ps) => ps.join(''));

describe('inert text', () => {
  it('markdown: nothing closes, mentions or references after rendering', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const markdown = inertMarkdown(text);
        expect(markdown).not.toContain('<'); // no raw HTML
        const out = rendered(markdown);
        expect(out).not.toMatch(CLOSES);
        expect(out).not.toMatch(MENTION);
        expect(out).not.toMatch(REFERENCE);
      }),
      RUNS,
    );
  });

  it('plain text (commit messages, titles): nothing closes, mentions or references', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const out = inertPlain(text);
        expect(out).not.toMatch(CLOSES);
        expect(out).not.toMatch(MENTION);
        expect(out).not.toMatch(REFERENCE);
      }),
      RUNS,
    );
  });

  it('reads the same: removing the breaks gives the text back', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        expect(inertPlain(text).replaceAll('\u200b', '')).toBe(text);
        expect(rendered(inertMarkdown(text).replaceAll('&#8203;', ''))).toBe(
          rendered(text.replace(/&/g, '&amp;').replace(/</g, '&lt;')),
        );
      }),
      RUNS,
    );
  });

  it('is linear: one pass, no backtracking blow-up on long hostile text', () => {
    const long = 'fixes #1 @x '.repeat(20_000);
    expect(inertMarkdown(long).length).toBeGreaterThan(long.length);
  });
});

const status = (summary: string, title: string): IssueStatus =>
  ({
    workflowId: 'issue:blogtube/blogtube#1',
    repo: 'blogtube/blogtube',
    issue: 1,
    title,
    phase: 'done',
    agents: [
      {
        agent: 'backend',
        state: 'done',
        attempts: 1,
        turns: 3,
        files: ['api/fixes #2.js'],
        tokens: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 },
        summary,
      },
    ],
  }) as unknown as IssueStatus;

describe('what the run publishes', () => {
  it('the PR body closes only the run’s own issue; the comment and commit mention nobody', () => {
    fc.assert(
      fc.property(hostile, hostile, (summary, title) => {
        const s = status(summary, title);
        const pr = renderPullRequest(s);
        const lines = rendered(pr.body).split('\n');
        expect(lines[0]).toBe('Fixes #1');
        for (const line of lines.slice(1)) {
          expect(line).not.toMatch(CLOSES);
          expect(line).not.toMatch(MENTION);
        }
        expect(pr.title).not.toMatch(CLOSES);
        expect(pr.title).not.toMatch(MENTION);
        const comment = rendered(renderProgress(s));
        expect(comment).not.toMatch(CLOSES);
        expect(comment).not.toMatch(MENTION);
        const commit = commitMessage('backend', summary, 1, 'BlogTube-Run: x');
        expect(commit).not.toMatch(CLOSES);
        expect(commit).not.toMatch(MENTION);
        expect(commit).toContain('\nRefs #1\n');
      }),
      { numRuns: 300, seed: 16 },
    );
  });
});
