/**
 * The simulator's prompt cache, accounted as the Messages API does it:
 * - the prompt is tools, then system, then messages, block by block; a block
 *   with `cache_control` is a breakpoint and ends a cacheable prefix;
 * - a breakpoint's prefix is written to the cache only when it is at least
 *   the model's minimum cacheable length (shorter prefixes are plain input);
 * - each breakpoint looks for an earlier cached prefix at its own position
 *   and at the block boundaries up to {@link LOOKBACK_BLOCKS} blocks before
 *   it; the longest prefix found is read (`cache_read_input_tokens`), the rest
 *   up to the last cacheable breakpoint is written (`cache_creation_input_tokens`),
 *   what follows is `input_tokens`;
 * - an entry lives for its TTL (5 minutes, or 1 hour with `ttl: '1h'`) from
 *   its last use: a read or a write refreshes it. Caches are per model;
 * - a new entry can be read only once the response that wrote it has begun
 *   (the caller says when: the simulator's time to first token), so requests
 *   sent at the same moment with the same new prefix each write it.
 */
import { createHash, type Hash } from 'node:crypto';
import type { CacheControl, MessagesRequest, RequestBlock } from './protocol.js';
import { BUILTIN_TOOLS, toolResultText } from './protocol.js';
import { BYTES_PER_TOKEN, byteLength, tokensForBytes } from './tokens.js';

/** How many blocks before a breakpoint the API checks for an earlier cached prefix. */
export const LOOKBACK_BLOCKS = 20;

const TTL_MS = { '5m': 5 * 60_000, '1h': 60 * 60_000 } as const;

/**
 * Minimum cacheable prompt length by model, from Anthropic's prompt-caching
 * documentation (first match wins; names not listed get the last row).
 */
export const MIN_CACHEABLE_TOKENS: readonly { pattern: RegExp; tokens: number }[] = [
  { pattern: /claude-3-(5-)?haiku|claude-haiku-3/, tokens: 2048 },
  { pattern: /haiku/, tokens: 4096 }, // Haiku 4.5 and later
  { pattern: /claude-(3-opus|opus-4-0|opus-4-1|opus-4$)/, tokens: 1024 },
  { pattern: /opus/, tokens: 4096 }, // Opus 4.5 and later
  { pattern: /claude-(3-5-sonnet|3-7-sonnet|sonnet-4-0|sonnet-4-5|sonnet-4$)/, tokens: 1024 },
  { pattern: /sonnet/, tokens: 2048 }, // Sonnet 4.6 and later
  { pattern: /./, tokens: 1024 },
];

export function minCacheableTokens(model: string): number {
  return MIN_CACHEABLE_TOKENS.find((m) => m.pattern.test(model))?.tokens ?? 1024;
}

export interface PromptUsage {
  input: number;
  cacheRead: number;
  cacheWrite: number;
}

/** One block of the prompt, in the order the API caches it. */
interface Segment {
  /** What the hash covers (kind, role and content, without the mark). */
  key: string;
  bytes: number;
  cache?: CacheControl;
}

function blockSegment(role: string, block: RequestBlock): Segment {
  let text: string;
  switch (block.type) {
    case 'text':
      text = block.text;
      break;
    case 'tool_use':
      text = block.name + JSON.stringify(block.input);
      break;
    case 'tool_result':
      text = toolResultText(block);
      break;
  }
  const { cache_control: cache, ...rest } = block;
  return { key: `${role}:${JSON.stringify(rest)}`, bytes: byteLength(text), cache };
}

export function promptSegments(req: MessagesRequest): Segment[] {
  const segments: Segment[] = [];
  for (const { cache_control: cache, kind: _kind, ...tool } of req.tools) {
    const key = `tool:${JSON.stringify(tool)}`;
    // A built-in tool costs what its definition (written by Anthropic) costs.
    const bytes =
      'type' in tool
        ? (BUILTIN_TOOLS[tool.type]?.tokens ?? 0) * BYTES_PER_TOKEN
        : byteLength(JSON.stringify(tool));
    segments.push({ key, bytes, cache });
  }
  for (const { cache_control: cache, text } of req.system) {
    segments.push({ key: `system:${text}`, bytes: byteLength(text), cache });
  }
  for (const m of req.messages) {
    for (const block of m.content) segments.push(blockSegment(m.role, block));
  }
  return segments;
}

/** Input tokens of a request, ignoring caching (what count_tokens answers). */
export function countInputTokens(req: MessagesRequest): number {
  const bytes = promptSegments(req).reduce((n, s) => n + s.bytes, 0);
  return Math.max(1, tokensForBytes(bytes));
}

/** The prefix ending after each block: its hash and length. */
interface Boundary {
  hash: string;
  tokens: number;
  cache?: CacheControl;
}

function boundaries(model: string, segments: readonly Segment[]): Boundary[] {
  const out: Boundary[] = [];
  const hash: Hash = createHash('sha256').update(`model:${model}\u0000`);
  let bytes = 0;
  for (const s of segments) {
    hash.update(s.key);
    hash.update('\u0000');
    bytes += s.bytes;
    out.push({ hash: hash.copy().digest('hex'), tokens: tokensForBytes(bytes), cache: s.cache });
  }
  return out;
}

export interface PromptCacheOptions {
  now?: () => number;
  /** Overrides the per-model minimum cacheable length (tests of other parts). */
  minTokens?: number;
}

interface Entry {
  expires: number;
  ttlMs: number;
  /** When it can first be read. */
  readyAt: number;
}

/** Prefix hash → expiry time, TTL and when it became readable. */
export class PromptCache {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(private readonly opts: PromptCacheOptions = {}) {
    this.now = opts.now ?? Date.now;
  }

  clear(): void {
    this.entries.clear();
  }

  /**
   * Splits a request's input tokens into uncached, cache-read and
   * cache-written; what it writes can be read `readyInMs` from now (when its
   * response begins).
   */
  account(req: MessagesRequest, readyInMs = 0): PromptUsage {
    const total = countInputTokens(req);
    const points = boundaries(req.model, promptSegments(req));
    const min = this.opts.minTokens ?? minCacheableTokens(req.model);
    const now = this.now();
    let read: Boundary | undefined;
    for (const [i, p] of points.entries()) {
      if (!p.cache) continue;
      for (let j = i; j >= Math.max(0, i - LOOKBACK_BLOCKS); j--) {
        const b = points[j] as Boundary;
        const e = this.entries.get(b.hash);
        if (e && e.expires > now && e.readyAt <= now) {
          if (!read || b.tokens > read.tokens) read = b;
          break;
        }
      }
    }
    if (read) {
      const e = this.entries.get(read.hash);
      if (e) e.expires = now + e.ttlMs;
    }
    const readTokens = read?.tokens ?? 0;
    let written = readTokens;
    for (const p of points) {
      if (!p.cache || p.tokens < min) continue;
      const ttlMs = TTL_MS[p.cache.ttl ?? '5m'];
      const live = this.entries.get(p.hash);
      const readyAt = live && live.expires > now ? live.readyAt : now + readyInMs;
      this.entries.set(p.hash, { expires: now + ttlMs, ttlMs, readyAt });
      written = Math.max(written, p.tokens);
    }
    const write = written - readTokens;
    return {
      input: Math.max(0, total - readTokens - write),
      cacheRead: readTokens,
      cacheWrite: write,
    };
  }
}
