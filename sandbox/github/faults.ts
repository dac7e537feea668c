/** Injected failures: matching requests get an error reply instead of being served. */
import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { errorBody, type Reply } from './http.js';

const SECONDARY_RATE_LIMIT_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';

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
    secondaryRateLimit: z.boolean().optional(),
    message: z.string().optional(),
  })
  .refine((r) => r.status !== undefined || r.secondaryRateLimit === true, {
    message: 'status is required unless secondaryRateLimit is set',
    path: ['status'],
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
  const status = rule.status ?? 403;
  const message =
    rule.message ?? (secondary ? SECONDARY_RATE_LIMIT_MESSAGE : (STATUS_CODES[status] ?? 'Error'));
  const retryAfter = rule.retryAfter ?? (secondary ? 60 : undefined);
  return {
    status,
    body: errorBody(status, message),
    headers: {
      ...(retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {}),
      ...(secondary ? { 'x-ratelimit-remaining': '0' } : {}),
    },
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

  /** The first rule that matches and fires; `random` decides rules with a `rate`. */
  match(method: string, path: string, random: () => number): Reply | undefined {
    for (const fault of this.active) {
      const { rule } = fault;
      if (fault.remaining === 0) continue;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue;
      if (fault.pattern && !fault.pattern.test(path)) continue;
      if (rule.rate !== undefined && random() >= rule.rate) continue;
      if (fault.remaining !== undefined) fault.remaining -= 1;
      fault.hits += 1;
      return faultReply(rule);
    }
    return undefined;
  }
}
