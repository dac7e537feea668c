/**
 * The prebuilt workflow bundle: `npm run build` bundles the workflow code once
 * (scripts/bundle-workflows.ts) into `dist/workflow-bundle.js`, so no worker
 * runs webpack at start. Under Jest (TypeScript sources, no bundle next to
 * them) workers bundle the sources at start instead.
 */
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `dist/workflow-bundle.js` when this file runs from `dist/workers/`. */
export function workflowBundlePath(): string {
  return fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));
}

/**
 * The bundle, when there is one at least as new as the workflows `entry` it
 * was made from (a build that compiled without bundling leaves a stale one).
 * `BLOGTUBE_WORKFLOW_BUNDLE=off` bundles at start instead (to measure or debug).
 */
export function prebuiltWorkflowBundle(
  entry: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (env.BLOGTUBE_WORKFLOW_BUNDLE === 'off') return undefined;
  const bundle = workflowBundlePath();
  if (!existsSync(bundle)) return undefined;
  return statSync(bundle).mtimeMs >= statSync(entry).mtimeMs ? bundle : undefined;
}
