/**
 * The production benchmark's measuring parts, on real inputs: the workflow
 * bundle `npm run build` makes is split by package (no byte lost), and CPU
 * time is read from /proc for this very process while it burns some.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { cpuMeter, cpuSeconds, machineTicks, treeCpuSeconds } from '../../bench/cpu.js';
import { bundleComposition } from '../../bench/prod.js';

describe('bundle composition', () => {
  it('splits a webpack bundle by package and keeps every byte', () => {
    const code = [
      'var x; /* runtime */',
      '/***/ "./node_modules/zod/v4/core/util.js"',
      'zod code',
      '/***/ "./node_modules/@temporalio/workflow/lib/index.js"',
      'workflow code',
      '/***/ "./dist/workflows/agent.js"',
      'ours',
      '//# sourceMappingURL=data:application/json;base64,AAAA',
    ].join('\n');
    const parts = bundleComposition(code);
    expect(Object.keys(parts).sort()).toEqual([
      '@temporalio/workflow',
      'blogtube',
      'inline source map',
      'webpack runtime',
      'zod',
    ]);
    expect(Object.values(parts).reduce((a, b) => a + b, 0)).toBe(code.length);
  });

  const bundle = fileURLToPath(new URL('../../dist/workflow-bundle.js', import.meta.url));
  // Every open workflow instantiates the bundle's modules anew (docs/scaling.md, "Memory"):
  // the SDK's own, picomatch (the path guard's globs) and ours, nothing else (no zod).
  (existsSync(bundle) ? it : it.skip)(
    'finds only the SDK, picomatch and BlogTube in the built bundle',
    () => {
      const parts = bundleComposition(readFileSync(bundle, 'utf8'));
      expect(parts.blogtube).toBeGreaterThan(0);
      expect(parts.zod).toBeUndefined();
      const packages = Object.keys(parts).filter(
        (k) => !['blogtube', 'inline source map', 'webpack runtime', 'other'].includes(k),
      );
      expect(packages.sort()).toEqual([
        '@temporalio/common',
        '@temporalio/workflow',
        'long',
        'ms',
        'nexus-rpc',
        'picomatch',
      ]);
    },
  );
});

describe('CPU from /proc', () => {
  it('sees this process use CPU while it computes', () => {
    const before = cpuSeconds(process.pid);
    const meter = cpuMeter([{ name: 'me', read: () => cpuSeconds(process.pid) }]);
    const until = Date.now() + 300;
    let x = 0;
    while (Date.now() < until) x += Math.sqrt(x + 1);
    const usage = meter.stop();
    expect(x).toBeGreaterThan(0);
    expect(cpuSeconds(process.pid)).toBeGreaterThan(before);
    expect(usage.cores.me).toBeGreaterThan(0);
    expect(usage.machineBusy).toBeGreaterThan(0);
    // The tree (this process and its children) counts at least the process, read before it.
    const own = cpuSeconds(process.pid);
    expect(treeCpuSeconds(process.pid)).toBeGreaterThanOrEqual(own);
    const m = machineTicks();
    expect(m.total).toBeGreaterThan(m.busy);
  });

  it('answers NaN for a process that is gone', () => {
    expect(cpuSeconds(2 ** 22 + 12345)).toBeNaN();
  });
});
