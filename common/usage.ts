/**
 * Token counts added up. Pure and free of zod: the workflow bundle imports it
 * (every open workflow instantiates its modules; see docs/scaling.md, "Memory").
 */
import type { TokenUsage } from './schemas.js';

export const ZERO_USAGE: TokenUsage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cacheRead: a.cacheRead + b.cacheRead,
    cacheWrite: a.cacheWrite + b.cacheWrite,
  };
}

export function totalTokens(u: TokenUsage): number {
  return u.input + u.output + u.cacheRead + u.cacheWrite;
}

/** Of all input tokens (uncached + read + written), the share read from the prompt cache. */
export function cacheReadShare(u: TokenUsage): number {
  return u.cacheRead / Math.max(1, u.input + u.cacheRead + u.cacheWrite);
}
