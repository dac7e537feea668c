/**
 * What the bridge does with a verified webhook: a pure decision from the event
 * name and payload. Anything unexpected is ignored with a reason, never a crash.
 */
import { z } from 'zod';
import { IssueRef } from '../../common/schemas.js';
import type { IssueText } from '../../common/schemas.js';
import { issueText } from '../../common/text/issue-text.js';

const User = z.object({ login: z.string(), type: z.string().optional() });
const Repo = z.object({ name: z.string(), owner: z.object({ login: z.string() }) });
const IssuePayload = z.object({
  action: z.string(),
  issue: z.object({
    number: z.number().int().positive(),
    title: z.string(),
    body: z.string().nullable().optional(),
    pull_request: z.unknown().optional(),
  }),
  label: z.object({ name: z.string() }).optional(),
  comment: z
    .object({ id: z.number(), body: z.string().nullable().optional(), user: User })
    .optional(),
  repository: Repo,
  sender: User,
});

export type Decision =
  | { kind: 'pong' }
  | { kind: 'ignore'; reason: string }
  | { kind: 'start'; ref: IssueRef; sender: string; issue: IssueText }
  | { kind: 'edit'; ref: IssueRef; title: string; body: string; sender: string }
  | { kind: 'stop'; ref: IssueRef; sender: string; reason: string }
  | { kind: 'comment'; ref: IssueRef; id: number; author: string; body: string; command?: Command };

/** A maintainer's comment command: `/blogtube approve | reject <reason> | cancel | run`. */
export interface Command {
  name: 'approve' | 'reject' | 'cancel' | 'run';
  arg: string;
}

const COMMAND = /^\s*\/blogtube\s+(approve|reject|cancel|run)\b[ \t]*(.*)$/im;

export function parseCommand(body: string): Command | undefined {
  const m = COMMAND.exec(body);
  if (!m) return undefined;
  return { name: m[1]?.toLowerCase() as Command['name'], arg: (m[2] ?? '').trim().slice(0, 500) };
}

export function isBot(user: { login: string; type?: string }): boolean {
  return user.type === 'Bot' || user.login.endsWith('[bot]');
}

/**
 * Who is never obeyed whatever their permission: bots (GitHub Apps, `[bot]`
 * logins) and this installation's own account, which may be a plain user
 * account (a machine user holding a personal access token).
 */
function ignoredSender(
  users: readonly { login: string; type?: string }[],
  selfLogin: string | undefined,
): string | undefined {
  for (const u of users) {
    if (isBot(u)) return `sender ${u.login} is a bot`;
    if (selfLogin && u.login.toLowerCase() === selfLogin.toLowerCase()) {
      return `sender ${u.login} is this app's own account`;
    }
  }
  return undefined;
}

export interface RouteOptions {
  /** The login of the account the bridge's token belongs to: its own events never trigger. */
  selfLogin?: string;
}

export function routeWebhook(
  event: string,
  payload: unknown,
  triggerLabel: string,
  opts: RouteOptions = {},
): Decision {
  if (event === 'ping') return { kind: 'pong' };
  if (event !== 'issues' && event !== 'issue_comment') {
    return { kind: 'ignore', reason: `event ${event} is not handled` };
  }
  const parsed = IssuePayload.safeParse(payload);
  if (!parsed.success) return { kind: 'ignore', reason: `unexpected ${event} payload` };
  const p = parsed.data;
  if (p.issue.pull_request !== undefined)
    return { kind: 'ignore', reason: 'pull request, not an issue' };
  const refParsed = IssueRef.safeParse({
    owner: p.repository.owner.login,
    repo: p.repository.name,
    number: p.issue.number,
  });
  if (!refParsed.success) return { kind: 'ignore', reason: 'invalid repository or issue' };
  const ref = refParsed.data;
  const senders = p.comment ? [p.sender, p.comment.user] : [p.sender];
  const notObeyed = ignoredSender(senders, opts.selfLogin);
  if (notObeyed) return { kind: 'ignore', reason: notObeyed };

  if (event === 'issues') {
    const text = issueText(p.issue.title, p.issue.body);
    switch (p.action) {
      case 'opened':
        return { kind: 'start', ref, sender: p.sender.login, issue: text };
      case 'labeled':
        if (p.label?.name !== triggerLabel) {
          return {
            kind: 'ignore',
            reason: `label ${p.label?.name ?? '?'} is not the trigger label`,
          };
        }
        return { kind: 'start', ref, sender: p.sender.login, issue: text };
      case 'edited':
        return { kind: 'edit', ref, ...text, sender: p.sender.login };
      // The issue is gone from under the run: it stops politely (work saved as a draft PR).
      case 'closed':
      case 'transferred':
      case 'deleted':
        return {
          kind: 'stop',
          ref,
          sender: p.sender.login,
          reason: `the issue was ${p.action} by ${p.sender.login}`,
        };
      default:
        return { kind: 'ignore', reason: `issues.${p.action} is not handled` };
    }
  }
  if (p.action !== 'created' || !p.comment) {
    return { kind: 'ignore', reason: `issue_comment.${p.action} is not handled` };
  }
  const body = p.comment.body ?? '';
  const command = parseCommand(body);
  return {
    kind: 'comment',
    ref,
    id: p.comment.id,
    author: p.comment.user.login,
    body,
    ...(command ? { command } : {}),
  };
}

/**
 * The delivery ids (`X-GitHub-Delivery`) the bridge answered recently, so a
 * redelivery is recognised: a bounded LRU in the bridge's memory. (A
 * redelivery after a restart still cannot start a second run: the workflow id
 * reuse policy refuses it.) A delivery that failed with a 5xx is forgotten,
 * so GitHub's redelivery of it is processed.
 */
export class RecentDeliveries {
  private readonly ids = new Map<string, true>();

  constructor(readonly capacity: number = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('capacity must be ≥ 1');
  }

  /** True if `id` was seen (and refreshes it); otherwise records it and returns false. */
  seen(id: string): boolean {
    if (this.ids.has(id)) {
      this.ids.delete(id);
      this.ids.set(id, true);
      return true;
    }
    this.ids.set(id, true);
    while (this.ids.size > this.capacity) {
      const oldest = this.ids.keys().next().value;
      if (oldest === undefined) break;
      this.ids.delete(oldest);
    }
    return false;
  }

  forget(id: string): void {
    this.ids.delete(id);
  }

  get size(): number {
    return this.ids.size;
  }
}
