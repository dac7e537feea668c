/**
 * Text that others wrote (an agent's summary, an error, an issue title) made
 * inert before BlogTube publishes it on GitHub: it closes no issue, mentions
 * nobody, and references no issue or pull request, here or in another
 * repository. Only the bot's own words (`Fixes #<issue>` in the PR body) act.
 *
 * Each trigger is broken by a zero-width space right after its first
 * character, so the text still reads the same:
 *
 * - closing keywords (close, closes, closed, fix, fixes, fixed, resolve,
 *   resolves, resolved: any case), whatever follows them (`#2`, `o/r#2`,
 *   `GH-2`, an issue URL);
 * - references: `#2`, `owner/repo#2`, `GH-2`, `github.com/…/issues/2`,
 *   `…/pull/2`, `…/discussions/2`;
 * - mentions: `@user`, `@org/team`.
 *
 * In markdown (PR bodies, comments) the space is written `&#8203;`, after `&`
 * and `<` are escaped, so the agent's text can neither carry an entity of its
 * own that decodes into a trigger nor raw HTML. In plain text (commit
 * messages, titles) it is the character itself. Each pattern is a single pass
 * without nested quantifiers: linear in the text. Pure.
 */

const ZWSP = '\u200b';
const BREAK_ENTITY = '&#8203;';

/**
 * One pass over every trigger: a closing keyword (a whole word, any case), a
 * mention (`@name`, `@org/team`), a reference (`#12`, `GH-12`, `/issues/12`,
 * `/pull/12`, `/pulls/12`, `/discussions/12`). One pass, so that the breaks
 * themselves (`&#8203;`) are never taken for a reference.
 */
const TRIGGER =
  /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b|@(?=[A-Za-z0-9])|#(?=[0-9])|\bGH-(?=[0-9])|\/(?:issues|pulls?|discussions)\/(?=[0-9])/gi;

function breakTriggers(text: string, mark: string): string {
  return text.replace(TRIGGER, (m: string) =>
    /^[cfr]/i.test(m) ? m[0] + mark + m.slice(1) : m + mark,
  );
}

/** Others' text for a markdown body: no HTML, no entities of its own, no triggers. */
export function inertMarkdown(text: string): string {
  return breakTriggers(text.replace(/&/g, '&amp;').replace(/</g, '&lt;'), BREAK_ENTITY);
}

/** Others' text for plain text (a commit message, a title): no triggers. */
export function inertPlain(text: string): string {
  return breakTriggers(text, ZWSP);
}

/**
 * An agent's commit message: its summary's first line, inert, then the bot's
 * own reference to the issue (`Refs`, never a closing keyword: only the PR body
 * closes) and the run's trailer.
 */
export function commitMessage(
  agent: string,
  summary: string,
  issueNumber: number,
  trailer: string,
): string {
  const subject = inertPlain(summary.split('\n')[0]?.slice(0, 72) ?? '');
  return `${agent}: ${subject}\n\nRefs #${issueNumber}\n\n${trailer}\n`;
}
