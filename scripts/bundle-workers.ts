/**
 * `npm run build`'s last step: each worker process's entry
 * (`dist/workers/{orchestrator,model,workspace}.js`) becomes one ESM bundle of
 * BlogTube's own code with zod and prom-client (esbuild, from the TypeScript
 * sources), its lazily imported activity groups split into chunks beside it.
 *
 * Why: zod's ESM build is 229 modules (60 of them locales), and every module
 * Node loads costs resident memory beyond its heap: an idle orchestrator held
 * ~8 MiB for zod alone, ~4 MiB once bundled (docs/scaling.md). The Temporal
 * SDK stays external (the workflow bundle and the native core must be the
 * very package the worker loads), and so does every other dependency: pino
 * (its transports resolve files of their own), and the libraries the activity
 * groups import on their first call.
 *
 * The bundles sit in `dist/workers/`, where the compiled entries were, so the
 * files the workers look up next to themselves (`../workflow-bundle.js`,
 * `../workflows/`, `../common/failure-converter.js`) are where they were.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { BuildOptions } from 'esbuild';
import { ROOT } from './issue-data.js';

/** The worker roles whose entries are bundled. */
export const WORKER_ENTRIES = ['orchestrator', 'model', 'workspace'] as const;

/** Dependencies bundled in: loaded by every worker at start, pure JavaScript, many modules. */
export const BUNDLED_PACKAGES = ['zod', 'prom-client'] as const;

/** Chunks are named with this prefix, so a build removes the last build's. */
export const CHUNK_PREFIX = 'bundle-';

/** Every dependency but the bundled ones, with its subpaths: imported from node_modules at run time. */
export function externalPackages(dependencies: Record<string, string>): string[] {
  const bundled = new Set<string>(BUNDLED_PACKAGES);
  return Object.keys(dependencies)
    .filter((name) => !bundled.has(name))
    .flatMap((name) => [name, `${name}/*`]);
}

/**
 * prom-client is CommonJS and `require`s Node's modules: an ESM bundle needs
 * a `require` of its own (esbuild's shim throws on a dynamic require).
 */
const REQUIRE_SHIM =
  "import { createRequire as __blogtubeCreateRequire } from 'node:module';\n" +
  'const require = __blogtubeCreateRequire(import.meta.url);';

export function workerBundleOptions(root: string, dependencies: Record<string, string>) {
  return {
    absWorkingDir: root,
    entryPoints: WORKER_ENTRIES.map((role) => ({
      in: join(root, 'workers', `${role}.ts`),
      out: role,
    })),
    outdir: join(root, 'dist', 'workers'),
    chunkNames: `${CHUNK_PREFIX}[name]-[hash]`,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Class and function names as written: error names and stack traces read as in the sources.
    keepNames: true,
    sourcemap: 'linked',
    banner: { js: REQUIRE_SHIM },
    external: externalPackages(dependencies),
    logLevel: 'warning',
    metafile: true,
  } satisfies BuildOptions;
}

/** Removes the chunks of the last build (the entries are overwritten). */
function removeOldChunks(outdir: string): void {
  for (const name of readdirSync(outdir)) {
    if (name.startsWith(CHUNK_PREFIX)) rmSync(join(outdir, name));
  }
}

export async function bundleWorkers(
  root: string = ROOT,
): Promise<{ files: number; bytes: number; ms: number }> {
  const started = Date.now();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const options = workerBundleOptions(root, pkg.dependencies);
  removeOldChunks(options.outdir);
  const { metafile } = await build(options);
  const outputs = Object.entries(metafile.outputs).filter(([file]) => file.endsWith('.js'));
  return {
    files: outputs.length,
    bytes: outputs.reduce((sum, [, o]) => sum + o.bytes, 0),
    ms: Date.now() - started,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  bundleWorkers().then(
    ({ files, bytes, ms }) =>
      process.stdout.write(
        `worker bundles: dist/workers/{${WORKER_ENTRIES.join(',')}}.js and chunks (${files} files, ${(bytes / 1024).toFixed(0)} KiB, ${(ms / 1000).toFixed(1)} s)\n`,
      ),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
