/**
 * The workers' V8 heap growing factor (common/heap-tuning.ts): the setting's
 * default and bounds, and its effect on a real V8 heap: a child process that
 * keeps 30 MiB alive and turns over 1 MiB arrays peaks far lower with it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { loadSettings } from '../../common/env.js';
import { applyHeapGrowing, DEFAULT_HEAP_GROWING_PERCENT } from '../../common/heap-tuning.js';

describe('WORKER_HEAP_GROWING_PERCENT', () => {
  it('defaults to the tuned factor; 0 leaves V8 its own; nonsense is refused', () => {
    expect(DEFAULT_HEAP_GROWING_PERCENT).toBe(20);
    expect(loadSettings({}).WORKER_HEAP_GROWING_PERCENT).toBe(20);
    expect(loadSettings({ WORKER_HEAP_GROWING_PERCENT: '0' }).WORKER_HEAP_GROWING_PERCENT).toBe(0);
    // compose's `${VAR:-}`: empty means unset, not 0.
    expect(loadSettings({ WORKER_HEAP_GROWING_PERCENT: '' }).WORKER_HEAP_GROWING_PERCENT).toBe(20);
    expect(() => loadSettings({ WORKER_HEAP_GROWING_PERCENT: 'fast' })).toThrow(
      /WORKER_HEAP_GROWING_PERCENT/,
    );
    expect(() => loadSettings({ WORKER_HEAP_GROWING_PERCENT: '-5' })).toThrow(
      /WORKER_HEAP_GROWING_PERCENT/,
    );
  });

  it('refuses a factor V8 would not take', () => {
    for (const bad of [-1, 1.5, 301, Number.NaN]) {
      expect(() => applyHeapGrowing(bad)).toThrow(/from 0 to 300/);
    }
  });

  const built = fileURLToPath(new URL('../../dist/common/heap-tuning.js', import.meta.url));
  // The compiled module, in a process of its own (the factor is process-wide).
  (existsSync(built) ? it : it.skip)('keeps a churning heap much smaller', () => {
    const script = `
      import { applyHeapGrowing } from ${JSON.stringify(pathToFileURL(built).href)};
      applyHeapGrowing(Number(process.argv[1]));
      const live = Array.from({ length: 30 }, (_, i) => new Array(131072).fill(i + 0.5));
      let peak = 0;
      for (let r = 0; r < 2000; r++) {
        const garbage = new Array(131072).fill(r + 0.5);
        if (garbage.length !== live[0].length) throw new Error('unreachable');
        peak = Math.max(peak, process.memoryUsage().heapTotal);
      }
      process.stdout.write(String(peak));`;
    const peak = (percent: number): number =>
      Number(
        execFileSync(process.execPath, ['--input-type=module', '-e', script, String(percent)], {
          encoding: 'utf8',
        }),
      );
    const untuned = peak(0);
    const tuned = peak(DEFAULT_HEAP_GROWING_PERCENT);
    expect(untuned).toBeGreaterThan(40 * 2 ** 20);
    expect(tuned).toBeLessThan(untuned * 0.75);
  });
});
