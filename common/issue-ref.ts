/** The `owner/repo#n` notation read back, validated by the IssueRef schema. Pure. */
import { IssueRef } from './schemas.js';

/** Parse `owner/repo#12` (or `issue:owner/repo#12`); throws a readable error otherwise. */
export function parseIssueRef(text: string): IssueRef {
  const m = /^(?:issue:)?([^/\s#]+)\/([^/\s#]+)#(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`expected <owner>/<repo>#<number>, got "${text}"`);
  const parsed = IssueRef.safeParse({ owner: m[1], repo: m[2], number: Number(m[3]) });
  if (!parsed.success) {
    throw new Error(`invalid issue reference "${text}": ${parsed.error.issues[0]?.message}`);
  }
  return parsed.data;
}
