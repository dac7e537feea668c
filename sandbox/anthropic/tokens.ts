/**
 * Token accounting: ~4 bytes a token for prompts and output, and prompt
 * caching as the API does it (the prompt is tools, then system, then
 * messages; a `cache_control` block ends a cacheable prefix; a prefix seen
 * before within its TTL is read from the cache, a new one is written).
 */
import { createHash, type Hash } from 'node:crypto';
import type {
  CacheControl,
  MessagesRequest,
  OutputBlock,
  RequestBlock,
  StopReason,
} from './protocol.js';
import { BUILTIN_TOOLS, toolResultText } from './protocol.js';

export const BYTES_PER_TOKEN = 4;

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export function tokensForBytes(bytes: number): number {
  return Math.ceil(bytes / BYTES_PER_TOKEN);
}

export function tokensForText(text: string): number {
  return tokensForBytes(byteLength(text));
}

/** One piece of the prompt, in the order the API caches it. */
interface Segment {
  /** What the hash covers (kind, role and content). */
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

function promptSegments(req: MessagesRequest): Segment[] {
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

export interface PromptUsage {
  input: number;
  cacheRead: number;
  cacheWrite: number;
}

interface Breakpoint {
  hash: string;
  tokens: number;
  ttlMs: number;
}

const TTL_MS = { '5m': 5 * 60_000, '1h': 60 * 60_000 } as const;

/** The cacheable prefixes of a prompt; caches are per model, as in the API. */
function breakpoints(model: string, segments: readonly Segment[]): Breakpoint[] {
  const out: Breakpoint[] = [];
  const hash: Hash = createHash('sha256').update(`model:${model}\u0000`);
  let bytes = 0;
  for (const s of segments) {
    hash.update(s.key);
    hash.update('\u0000');
    bytes += s.bytes;
    if (s.cache) {
      out.push({
        hash: hash.copy().digest('hex'),
        tokens: tokensForBytes(bytes),
        ttlMs: TTL_MS[s.cache.ttl ?? '5m'],
      });
    }
  }
  return out;
}

/** The simulator's prompt cache: prefix hash → expiry time. */
export class PromptCache {
  private readonly entries = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  clear(): void {
    this.entries.clear();
  }

  /** Splits a request's input tokens into uncached, cache-read and cache-written. */
  account(req: MessagesRequest): PromptUsage {
    const segments = promptSegments(req);
    const total = countInputTokens(req);
    const points = breakpoints(req.model, segments);
    const now = this.now();
    let read = 0;
    for (const p of points) {
      const expires = this.entries.get(p.hash);
      if (expires !== undefined && expires > now) read = Math.max(read, p.tokens);
    }
    const last = points.at(-1);
    const write = last && last.tokens > read ? last.tokens - read : 0;
    for (const p of points) this.entries.set(p.hash, now + p.ttlMs);
    return { input: Math.max(0, total - read - write), cacheRead: read, cacheWrite: write };
  }
}

export function outputBlockTokens(block: OutputBlock): number {
  return block.type === 'text'
    ? tokensForText(block.text)
    : tokensForText(block.name + JSON.stringify(block.input));
}

export interface FittedOutput {
  content: OutputBlock[];
  stopReason: StopReason;
  outputTokens: number;
}

/**
 * Cuts the produced content at `maxTokens` as the API does: a text block is
 * truncated, a tool call that does not fit is dropped, and the stop reason
 * becomes `max_tokens`.
 */
export function fitToMaxTokens(
  content: readonly OutputBlock[],
  stopReason: StopReason,
  maxTokens: number,
): FittedOutput {
  const out: OutputBlock[] = [];
  let used = 0;
  for (const block of content) {
    const tokens = outputBlockTokens(block);
    if (used + tokens <= maxTokens) {
      out.push(block);
      used += tokens;
      continue;
    }
    const room = maxTokens - used;
    if (block.type === 'text' && room > 0) {
      const text = truncateToBytes(block.text, room * BYTES_PER_TOKEN);
      if (text) {
        out.push({ type: 'text', text });
        used += tokensForText(text);
      }
    }
    return { content: out, stopReason: 'max_tokens', outputTokens: Math.max(used, 1) };
  }
  return { content: out, stopReason, outputTokens: Math.max(used, 1) };
}

function truncateToBytes(text: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const n = byteLength(ch);
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}
