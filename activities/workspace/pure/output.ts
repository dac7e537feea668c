/**
 * A command's output kept within `max_output_bytes`: the head and the tail,
 * the middle cut with a marker that says how much was left out. Pure: the
 * sandbox runner feeds it chunks as they arrive; memory stays bounded however
 * much a command prints.
 */

export interface CappedOutput {
  /** The text kept (UTF-8; a character split at a cut shows as U+FFFD). */
  text: string;
  /** Bytes the command printed in all. */
  totalBytes: number;
  /** True when the middle was cut. */
  truncated: boolean;
}

/** The marker put where the middle was cut. */
export function cutMarker(omittedBytes: number): string {
  return `\n[... ${omittedBytes} bytes of output cut ...]\n`;
}

/** Collects output chunks, keeping at most `maxBytes`: the first half and the last half. */
export class OutputCap {
  private readonly headLimit: number;
  private readonly tailLimit: number;
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  /** The last bytes seen past the head, at most `tailLimit` once compacted. */
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;

  constructor(readonly maxBytes: number) {
    if (!Number.isInteger(maxBytes) || maxBytes < 2) throw new Error('maxBytes must be >= 2');
    this.headLimit = Math.ceil(maxBytes / 2);
    this.tailLimit = maxBytes - this.headLimit;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headBytes < this.headLimit) {
      const take = Math.min(this.headLimit - this.headBytes, rest.length);
      this.head.push(rest.subarray(0, take));
      this.headBytes += take;
      rest = rest.subarray(take);
    }
    if (rest.length === 0) return;
    this.tail.push(Buffer.from(rest));
    this.tailBytes += rest.length;
    // Compact once the tail holds twice its limit: amortised O(1) per byte.
    if (this.tailBytes > 2 * this.tailLimit) this.compactTail();
  }

  private compactTail(): void {
    const all = Buffer.concat(this.tail);
    const kept = all.subarray(Math.max(0, all.length - this.tailLimit));
    this.tail = [kept];
    this.tailBytes = kept.length;
  }

  result(): CappedOutput {
    this.compactTail();
    const head = Buffer.concat(this.head);
    const tail = Buffer.concat(this.tail);
    const omitted = this.total - head.length - tail.length;
    if (omitted <= 0) {
      return {
        text: Buffer.concat([head, tail]).toString('utf8'),
        totalBytes: this.total,
        truncated: false,
      };
    }
    return {
      text: head.toString('utf8') + cutMarker(omitted) + tail.toString('utf8'),
      totalBytes: this.total,
      truncated: true,
    };
  }
}

/** `text` cut to at most `maxBytes` of its own bytes, head and tail kept (see OutputCap). */
export function capOutput(text: string | Buffer, maxBytes: number): CappedOutput {
  const cap = new OutputCap(maxBytes);
  cap.push(typeof text === 'string' ? Buffer.from(text) : text);
  return cap.result();
}
