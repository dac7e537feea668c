/** The worker bundles' build options (the built bundles themselves: test/processes/worker-bundles). */
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  BUNDLED_PACKAGES,
  CHUNK_PREFIX,
  externalPackages,
  WORKER_ENTRIES,
  workerBundleOptions,
} from '../../scripts/bundle-workers.js';

const DEPS = { zod: '^4', 'prom-client': '^15', '@temporalio/worker': '^1', pino: '^10' };

describe('externalPackages', () => {
  it('keeps every dependency but zod and prom-client external, subpaths included', () => {
    expect(externalPackages(DEPS)).toEqual([
      '@temporalio/worker',
      '@temporalio/worker/*',
      'pino',
      'pino/*',
    ]);
  });

  it('bundles only packages the project depends on', () => {
    expect(BUNDLED_PACKAGES).toEqual(['zod', 'prom-client']);
    expect(externalPackages({})).toEqual([]);
  });
});

describe('workerBundleOptions', () => {
  const o = workerBundleOptions('/p', DEPS);

  it('bundles each role from its TypeScript entry onto the compiled entry', () => {
    expect(WORKER_ENTRIES).toEqual(['orchestrator', 'model', 'workspace']);
    expect(o.entryPoints).toEqual(
      WORKER_ENTRIES.map((role) => ({ in: join('/p/workers', `${role}.ts`), out: role })),
    );
    expect(o.outdir).toBe('/p/dist/workers');
  });

  it('splits lazily imported groups and shared code into prefixed chunks beside the entries', () => {
    expect(o).toMatchObject({ splitting: true, format: 'esm', bundle: true, platform: 'node' });
    expect(o.chunkNames.startsWith(CHUNK_PREFIX)).toBe(true);
  });

  it('keeps names (errors and stack traces read as in the sources) and gives CommonJS a require', () => {
    expect(o.keepNames).toBe(true);
    expect(o.banner.js).toMatch(/createRequire.*\n.*const require = /s);
  });
});
