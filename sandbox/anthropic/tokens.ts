/**
 * Token accounting: ~4 bytes a token for prompts and output; prompt caching
 * (cache reads and writes as the API counts them) is in prompt-cache.ts.
 */
import type { OutputBlock, StopReason } from './protocol.js';

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
