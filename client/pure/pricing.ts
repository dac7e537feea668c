/**
 * Estimated cost of a run's tokens. Prices are Anthropic's list prices in US
 * dollars per million tokens (as published when this table was written; edit
 * it when they change). Prompt-cache writes cost 1.25 × input (5-minute
 * cache), cache reads 0.1 × input. Pure.
 */
import type { TokenUsage } from '../../common/schemas.js';

export interface ModelPrice {
  /** Model-name pattern, matched in order; the first match prices the model. */
  pattern: RegExp;
  family: string;
  inputPerMTok: number;
  outputPerMTok: number;
}

export const PRICE_TABLE: readonly ModelPrice[] = [
  {
    pattern: /^claude-(3-opus|opus-4-0|opus-4-1|opus-4$)/,
    family: 'Opus 3/4/4.1',
    inputPerMTok: 15,
    outputPerMTok: 75,
  },
  { pattern: /opus/, family: 'Opus 4.5+', inputPerMTok: 5, outputPerMTok: 25 },
  {
    pattern: /^claude-3-5-haiku|^claude-3-haiku/,
    family: 'Haiku 3.x',
    inputPerMTok: 0.8,
    outputPerMTok: 4,
  },
  { pattern: /haiku/, family: 'Haiku 4.5+', inputPerMTok: 1, outputPerMTok: 5 },
  { pattern: /sonnet/, family: 'Sonnet', inputPerMTok: 3, outputPerMTok: 15 },
];

/** Unknown models are priced as Sonnet, and the estimate says so. */
const FALLBACK: ModelPrice = PRICE_TABLE[PRICE_TABLE.length - 1] as ModelPrice;
const CACHE_WRITE_FACTOR = 1.25;
const CACHE_READ_FACTOR = 0.1;

export interface CostEstimate {
  usd: number;
  family: string;
  /** Set when the model is not in the table (priced as Sonnet). */
  note?: string;
}

export function priceFor(model: string | undefined): { price: ModelPrice; known: boolean } {
  const found = model ? PRICE_TABLE.find((p) => p.pattern.test(model)) : undefined;
  return { price: found ?? FALLBACK, known: found !== undefined };
}

export function estimateCost(model: string | undefined, usage: TokenUsage): CostEstimate {
  const { price, known } = priceFor(model);
  const perToken = price.inputPerMTok / 1e6;
  const usd =
    usage.input * perToken +
    usage.cacheWrite * perToken * CACHE_WRITE_FACTOR +
    usage.cacheRead * perToken * CACHE_READ_FACTOR +
    usage.output * (price.outputPerMTok / 1e6);
  return {
    usd,
    family: price.family,
    ...(known ? {} : { note: `unknown model ${model ?? '(none)'}: priced as ${price.family}` }),
  };
}

/** `$0.0123`, `$1.23`. */
export function formatUsd(usd: number): string {
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}
