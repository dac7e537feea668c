/** Injected failures: matching requests get an error reply instead of being served. */
import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { errorBody, type Reply } from './http.js';

const SECONDARY_RATE_LIMIT_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';
const SECONDARY_RATE_LIMIT_DOCS =
  'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits';
const PROTECTED_BRANCH_MESSAGE = 'Protected branch update failed for refs/heads/main.';
const PROTECTED_BRANCH_DOCS =
  'https://docs.github.com/repositories/configuring-branches-and-merges-in-your-repository/managing-protected-branches/about-protected-branches';

export const FaultRule = z
  .object({
    method: z.string().min(1).optional(),
    /** Regular expression matched against the URL path (no query). */
    path: z
      .string()
      .refine((p) => {
        try {
          new RegExp(p);
          return true;
        } catch {
          return false;
        }
      }, 'must be a valid regular expression')
      .optional(),
    status: z.number().int().min(400).max(599).optional(),
    count: z.number().int().positive().optional(),
    rate: z.number().min(0).max(1).optional(),
    retryAfter: z.number().int().nonnegative().optional(),
    /** GitHub's secondary rate limit: 403 naming it, `retry-after` only when `retryAfter` is given. */
    secondaryRateLimit: z.boolean().optional(),
    /** A branch protection refusal (422 by default, as the refs API answers). */
    branchProtection: z.boolean().optional(),
    message: z.string().optional(),
    /**
     * Serve the request normally (the write happens), then hold the response
     * back for this long: "the write succeeded, then the client died waiting".
     */
    holdMs: z.number().int().positive().max(600_000).optional(),
  })
  .refine(
    (r) =>
      r.status !== undefined ||
      r.secondaryRateLimit === true ||
      r.branchProtection === true ||
      r.holdMs !== undefined,
    {
      message: 'status is required unless secondaryRateLimit, branchProtection or holdMs is set',
      path: ['status'],
    },
  )
  .refine((r) => r.holdMs === undefined || r.status === undefined, {
    message: 'holdMs serves the request: it cannot also answer with a status',
    path: ['holdMs'],
  });
export type FaultRule = z.output<typeof FaultRule>;

interface ActiveFault {
  rule: FaultRule;
  pattern: RegExp | undefined;
  /** Injections left; undefined means unlimited. */
  remaining: number | undefined;
  hits: number;
}

function faultReply(rule: FaultRule): Reply {
  const secondary = rule.secondaryRateLimit === true;
  const protectedBranch = rule.branchProtection === true;
  const status = rule.status ?? (protectedBranch ? 422 : 403);
  const message =
    rule.message ??
    (secondary
      ? SECONDARY_RATE_LIMIT_MESSAGE
      : protectedBranch
        ? PROTECTED_BRANCH_MESSAGE
        : (STATUS_CODES[status] ?? 'Error'));
  const body = errorBody(status, message);
  if (secondary) body.documentation_url = SECONDARY_RATE_LIMIT_DOCS;
  if (protectedBranch) body.documentation_url = PROTECTED_BRANCH_DOCS;
  return {
    status,
    body,
    headers: rule.retryAfter !== undefined ? { 'retry-after': String(rule.retryAfter) } : {},
  };
}

export class Faults {
  private active: ActiveFault[] = [];

  add(rules: FaultRule[]): void {
    for (const rule of rules) {
      this.active.push({
        rule,
        pattern: rule.path === undefined ? undefined : new RegExp(rule.path),
        remaining: rule.count,
        hits: 0,
      });
    }
  }

  clear(): void {
    this.active = [];
  }

  list() {
    return this.active.map((f) => ({ ...f.rule, remaining: f.remaining ?? null, hits: f.hits }));
  }

  /** The first error rule that matches and fires; `random` decides rules with a `rate`. */
  match(method: string, path: string, random: () => number): Reply | undefined {
    const fault = this.fire(method, path, random, false);
    return fault ? faultReply(fault.rule) : undefined;
  }

  /** How long to hold back the response of a request that was served (0: not at all). */
  holdFor(method: string, path: string, random: () => number): number {
    return this.fire(method, path, random, true)?.rule.holdMs ?? 0;
  }

  private fire(
    method: string,
    path: string,
    random: () => number,
    hold: boolean,
  ): ActiveFault | undefined {
    for (const fault of this.active) {
      const { rule } = fault;
      if (fault.remaining === 0) continue;
      if ((rule.holdMs !== undefined) !== hold) continue;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue;
      if (fault.pattern && !fault.pattern.test(path)) continue;
      if (rule.rate !== undefined && random() >= rule.rate) continue;
      if (fault.remaining !== undefined) fault.remaining -= 1;
      fault.hits += 1;
      return fault;
    }
    return undefined;
  }
}
