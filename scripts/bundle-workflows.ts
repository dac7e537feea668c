/**
 * `npm run build`'s last step: bundles the compiled workflow code once, with
 * its interceptor module, into `dist/workflow-bundle.js` (webpack, through the
 * SDK's `bundleWorkflowCode`). Workers load it (`workflowBundle`) instead of
 * bundling at every start; the SDK that loads it must be the one that made it.
 */
import { writeFile, rename } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { workflowsPath } from '../workers/create.js';
import { workflowInterceptorsPath } from '../workers/instrumentation.js';
import { workflowBundlePath } from '../workers/workflow-bundle.js';

export async function bundleWorkflows(): Promise<{ path: string; bytes: number; ms: number }> {
  const started = Date.now();
  const { code } = await bundleWorkflowCode({
    workflowsPath: workflowsPath(),
    workflowInterceptorModules: [workflowInterceptorsPath()],
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
