/** Line splitting for child-process output. */
import type { Readable } from 'node:stream';

/** Calls `onLine` for every complete line of `stream` (and the unterminated rest at its end). */
export function onLines(stream: Readable, onLine: (line: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    rest += chunk;
    let i: number;
    while ((i = rest.indexOf('\n')) >= 0) {
      onLine(rest.slice(0, i).replace(/\r$/, ''));
      rest = rest.slice(i + 1);
    }
  });
  stream.on('end', () => {
    if (rest) onLine(rest);
    rest = '';
  });
}

/** Keeps the last `size` lines. */
export class Tail {
  readonly #lines: string[] = [];
  constructor(private readonly size = 40) {}
  push(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > this.size) this.#lines.shift();
  }
  toString(): string {
    return this.#lines.join('\n');
  }
}
