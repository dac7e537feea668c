/**
 * Prompt-caching marks for an agent loop (Anthropic's incremental caching):
 * the conversation's last block carries a `cache_control` breakpoint, so the
 * whole prompt up to it is written to the cache, and the next turn, which
 * re-sends that prefix and appends to it, reads it back. The API allows four
 * breakpoints per request, the system prompt's included; it looks for hits
 * about 20 blocks before each breakpoint, so when a turn appends more than
 * that, the previous user message's last block is marked too (if a
 * breakpoint is left). On a conversation's first turn, when the first message
 * has several blocks, its first block (the issue, which every agent of the
 * issue sends alike) is marked too, so that the agents after the first read
 * it. Pure; the input is not changed.
 */
export const MAX_CACHE_BREAKPOINTS = 4;
/** How far back (in blocks) the API looks for an earlier cached prefix. */
export const CACHE_LOOKBACK_BLOCKS = 20;

export interface CacheMark {
  type: 'ephemeral';
}

interface Block {
  cache_control?: CacheMark | null;
}

interface Message {
  role: 'user' | 'assistant';
  content: object[];
}

/** Number of blocks carrying a breakpoint. */
export function countMarks(blocks: readonly Block[]): number {
  return blocks.filter((b) => b.cache_control).length;
}

/**
 * `messages` with breakpoints added on the last block of the last message and,
 * when more than {@link CACHE_LOOKBACK_BLOCKS} blocks follow it, on the last
 * block of the previous user message, and on a first turn on its first block;
 * `used` breakpoints are already spent (system prompt, tools). Never exceeds
 * {@link MAX_CACHE_BREAKPOINTS}.
 */
export function markConversation<M extends Message>(messages: readonly M[], used: number): M[] {
  const out = messages.map((m) => ({ ...m, content: [...m.content] }));
  let left = MAX_CACHE_BREAKPOINTS - used;
  /** Marks message `mi`'s block `bi` (its last by default) while breakpoints are left. */
  const mark = (mi: number, bi = (out[mi]?.content.length ?? 0) - 1): void => {
    const m = out[mi];
    const block = m?.content[bi] as Block | undefined;
    if (!m || !block || left <= 0 || block.cache_control) return;
    m.content[bi] = { ...block, cache_control: { type: 'ephemeral' } };
    left--;
  };
  const last = out.length - 1;
  mark(last);
  // The first turn: the first block is the prefix shared with the other agents.
  if (last === 0 && (out[0]?.content.length ?? 0) > 1) mark(0, 0);
  // The previous turn's breakpoint: the last earlier user message.
  let prev = last - 1;
  while (prev >= 0 && out[prev]?.role !== 'user') prev--;
  if (prev >= 0) {
    const after = out.slice(prev + 1).reduce((n, m) => n + m.content.length, 0);
    if (after >= CACHE_LOOKBACK_BLOCKS) mark(prev);
  }
  return out;
}
