/**
 * What one more open workflow costs in module instances: in a reusable V8
 * context the SDK gives every workflow its own webpack module cache, so each
 * workflow runs every module of the bundle anew (module-level objects, zod
 * schemas, closures). This loads a bundle into one `vm` context the same way
 * and reports the heap each further instantiation keeps.
 *
 *   node --expose-gc dist/bench/module-cost.js <bundle.js>... [--n 100]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import vm from 'node:vm';

/** Heap bytes one instantiation of every module of `code` keeps (mean over `n`). */
export function moduleInstanceBytes(code: string, n = 100): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run node with --expose-gc');
  let cache = new Map<string | symbol, unknown>();
  const context = vm.createContext({});
  const modules = new Proxy(
    {},
    {
      get: (_, p) => cache.get(p),
      set: (_, p, v) => (cache.set(p, v), true),
    },
  );
  Object.defineProperty(context, '__webpack_module_cache__', { value: modules });
  new vm.Script(code).runInContext(context);
  const load = new vm.Script('__TEMPORAL__.importWorkflows(); __TEMPORAL__.importInterceptors()');
  const kept: unknown[] = [];
  const instantiate = (): void => {
    cache = new Map();
    load.runInContext(context);
    kept.push(cache);
  };
  const heap = (): number => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  instantiate(); // compiled code and the first instances are not the per-workflow part
  const before = heap();
  for (let i = 0; i < n; i++) instantiate();
  return (heap() - before) / n;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { n: { type: 'string', default: '100' } },
  });
  for (const file of positionals) {
    const kib = moduleInstanceBytes(readFileSync(file, 'utf8'), Number(values.n)) / 1024;
    process.stdout.write(`${file}: ${kib.toFixed(0)} KiB of module instances per workflow\n`);
  }
}
