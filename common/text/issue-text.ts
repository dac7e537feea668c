/**
 * An issue's title and body as a run uses them: cleaned of what a reader of
 * the rendered issue would not see, and bounded. The same whether the text
 * comes from the trigger's event, a maintainer's edit or GitHub's API. Pure.
 */
import type { IssueText } from '../schemas.js';
import { sanitizeUntrusted, truncate } from './sanitize.js';

export const MAX_TITLE_CHARS = 256;
export const MAX_BODY_CHARS = 20_000;

export function issueText(title: string, body: string | null | undefined): IssueText {
  return {
    title: sanitizeUntrusted(title).slice(0, MAX_TITLE_CHARS),
    body: truncate(sanitizeUntrusted(body ?? ''), MAX_BODY_CHARS),
  };
}
