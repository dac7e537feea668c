/**
 * The sanitizer's time on adversarial input (issue 16, property 5): each
 * pattern repeated to 16, 64 and 256 KiB; a linear sanitizer takes about 4×
 * as long for 4× the input. Run by hand: `npm run build && node dist/bench/sanitizer.js`.
 */
import { sanitizeUntrusted } from '../common/text/sanitize.js';

const UNITS = ['<a', '](', '![', '<a x="', "<a href='", '<a b ', ']( ', '[x](y "', '<div hidden>'];
const SIZES = [16, 64, 256].map((k) => k * 1024);

function timeOf(text: string): number {
  const started = performance.now();
  sanitizeUntrusted(text);
  return performance.now() - started;
}

export function benchSanitizer(): { unit: string; ms: number[] }[] {
  timeOf(UNITS.join('').repeat(1000)); // warm up the JIT
  return UNITS.map((unit) => ({
    unit,
    ms: SIZES.map((size) => timeOf(unit.repeat(Math.floor(size / unit.length)))),
  }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log('| input | 16 KiB | 64 KiB | 256 KiB |\n|---|---|---|---|');
  for (const r of benchSanitizer())
    console.log(
      `| \`${r.unit}\` repeated | ${r.ms.map((m) => `${m.toFixed(1)} ms`).join(' | ')} |`,
    );
}
