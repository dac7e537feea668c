/**
 * `npm run build`'s last step: bundles the compiled workflow code once, with
 * its interceptor module, into `dist/workflow-bundle.js` (webpack, through the
 * SDK's `bundleWorkflowCode`). Workers load it (`workflowBundle`) instead of
 * bundling at every start; the SDK that loads it must be the one that made it.
 */
import { writeFile, rename } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { BundleOptions } from '@temporalio/worker';
import { workflowsPath } from '../workers/create.js';
import { workflowInterceptorsPath } from '../workers/instrumentation.js';
import { workflowBundlePath } from '../workers/workflow-bundle.js';

/**
 * The bundle's inline source map without the sources' text (webpack's
 * `inline-nosources-source-map`): stack traces still map to the original
 * files and lines, but the workers no longer hold every source file's text
 * in both threads (the SDK parses the map in the main thread and again in the
 * workflow thread). The SDK reads the text only to answer an enhanced stack
 * trace query with `showStackTraceSources`, which no worker sets. Measured:
 * an idle worker's RSS 15 MiB lower with BlogTube's bundle (docs/scaling.md).
 */
export const leanSourceMap: NonNullable<BundleOptions['webpackConfigHook']> = (config) => ({
  ...config,
  devtool: 'inline-nosources-source-map',
});

export async function bundleWorkflows(): Promise<{ path: string; bytes: number; ms: number }> {
  const started = Date.now();
  const { code } = await bundleWorkflowCode({
    workflowsPath: workflowsPath(),
    workflowInterceptorModules: [workflowInterceptorsPath()],
    webpackConfigHook: leanSourceMap,
    logger: new DefaultLogger('WARN'),
  });
  const path = workflowBundlePath();
  // Written aside then renamed: a worker never reads half a bundle.
  await writeFile(`${path}.tmp`, code);
  await rename(`${path}.tmp`, path);
  return { path, bytes: Buffer.byteLength(code), ms: Date.now() - started };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  bundleWorkflows().then(
    ({ path, bytes, ms }) =>
      process.stdout.write(
        `workflow bundle: ${path} (${(bytes / 1024).toFixed(0)} KiB, ${(ms / 1000).toFixed(1)} s)\n`,
      ),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
