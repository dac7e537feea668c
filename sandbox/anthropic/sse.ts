/**
 * Server-sent events as the Messages API streams them: the event sequence
 * for a finished message (text in `text_delta`s, tool input in
 * `input_json_delta` chunks of a few tokens), the wire format, and paced
 * writing (time to first token, then tokens per second).
 */
import type { ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { MessageResponse, OutputBlock } from './protocol.js';
import { BYTES_PER_TOKEN, tokensForText } from './tokens.js';

export interface StreamEvent {
  type: string;
  [key: string]: unknown;
}

/** An event and the output tokens it carries (0 for framing events). */
export interface PacedEvent {
  event: StreamEvent;
  tokens: number;
}

/** Splits text into chunks of 1..5 tokens' worth of characters. */
export type Chunker = (text: string) => string[];

export function chunker(random: () => number): Chunker {
  return (text) => {
    const chars = Array.from(text); // never split a surrogate pair
    const chunks: string[] = [];
    for (let i = 0; i < chars.length;) {
      const size = (1 + Math.floor(random() * 5)) * BYTES_PER_TOKEN;
      chunks.push(chars.slice(i, i + size).join(''));
      i += size;
    }
    return chunks;
  };
}

export function formatSse(event: StreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

function emptyBlock(block: OutputBlock): OutputBlock {
  return block.type === 'text' ? { type: 'text', text: '' } : { ...block, input: {} };
}

function deltas(block: OutputBlock, index: number, chunk: Chunker): PacedEvent[] {
  const delta = (d: Record<string, unknown>, text: string): PacedEvent => ({
    event: { type: 'content_block_delta', index, delta: d },
    tokens: text === '' ? 0 : tokensForText(text),
  });
  if (block.type === 'text') {
    return chunk(block.text).map((text) => delta({ type: 'text_delta', text }, text));
  }
  const json = JSON.stringify(block.input);
  return [
    delta({ type: 'input_json_delta', partial_json: '' }, ''),
    ...chunk(json).map((part) => delta({ type: 'input_json_delta', partial_json: part }, part)),
  ];
}

/** The full event sequence of a message, as the API sends it. */
export function messageEvents(message: MessageResponse, chunk: Chunker): PacedEvent[] {
  const framing = (event: StreamEvent): PacedEvent => ({ event, tokens: 0 });
  const { usage } = message;
  const events: PacedEvent[] = [
    framing({
      type: 'message_start',
      message: {
        ...message,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    }),
  ];
  message.content.forEach((block, index) => {
    events.push(framing({ type: 'content_block_start', index, content_block: emptyBlock(block) }));
    if (index === 0) events.push(framing({ type: 'ping' }));
    events.push(...deltas(block, index, chunk));
    events.push(framing({ type: 'content_block_stop', index }));
  });
  if (message.content.length === 0) events.push(framing({ type: 'ping' }));
  events.push(
    framing({
      type: 'message_delta',
      delta: { stop_reason: message.stop_reason, stop_sequence: null },
      usage,
    }),
    framing({ type: 'message_stop' }),
  );
  return events;
}

export interface Pace {
  ttftMs: number;
  /** 0 = instant. */
  tokensPerSec: number;
}

/** Milliseconds until the whole output is out: ttft, then tokens at the pace. */
export function generationMs(pace: Pace, outputTokens: number): number {
  const streaming = pace.tokensPerSec > 0 ? (outputTokens / pace.tokensPerSec) * 1000 : 0;
  return pace.ttftMs + streaming;
}

/** Resolves after `ms`, or false at once when `signal` aborts. */
export async function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  if (ms <= 0) return true;
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

export interface WriteOptions {
  pace: Pace;
  signal: AbortSignal;
  /** Stop after this many events (stream cut / hang). */
  stopAfter?: number;
}

export function startSse(res: ServerResponse, headers: Record<string, string>): void {
  res.socket?.setNoDelay(true);
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.flushHeaders();
}

/**
 * Writes `events` paced: framing at once, the first content delta after
 * `ttftMs`, every later event once the tokens before it have had their
 * time at `tokensPerSec`.
 * Returns how many events went out (fewer when aborted or stopped).
 */
export async function writeEvents(
  res: ServerResponse,
  events: readonly PacedEvent[],
  opts: WriteOptions,
): Promise<number> {
  const { pace, signal } = opts;
  const limit = Math.min(events.length, opts.stopAfter ?? events.length);
  let firstDeltaAt: number | undefined;
  let tokensOut = 0;
  for (let i = 0; i < limit; i++) {
    const { event, tokens } = events[i]!;
    const isDelta = event.type === 'content_block_delta';
    if (isDelta && firstDeltaAt === undefined) {
      if (!(await sleep(pace.ttftMs, signal))) return i;
      firstDeltaAt = Date.now();
    } else if (firstDeltaAt !== undefined && pace.tokensPerSec > 0) {
      const due = firstDeltaAt + (tokensOut / pace.tokensPerSec) * 1000;
      if (!(await sleep(due - Date.now(), signal))) return i;
    }
    tokensOut += tokens;
    if (signal.aborted || res.destroyed) return i;
    res.write(formatSse(event));
  }
  return limit;
}
