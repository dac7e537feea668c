/**
 * Provisions the Temporal CLI (which embeds the dev server) at a pinned version.
 *
 * Order: `TEMPORAL_CLI_PATH`; a `temporal` on PATH reporting the pinned
 * version; the per-user cache (outside the checkout, keyed by version); else a
 * build from source with `go install` into a temporary directory next to the
 * cache, renamed into place atomically so an interrupted build never leaves a
 * half-written binary behind.
 *
 * Run as main (`node dist/scripts/temporal-cli.js`) it prints the binary's path.
 */
import { join } from 'node:path';
import {
  cacheRoot,
  ensureGoBuild,
  explicitPath,
  findOnPath,
  parseGoVersion,
  printPathsIfMain,
  provisionDefaults,
  run,
  type ProvisionOptions,
} from './go-install.js';

export { cacheRoot, parseGoVersion };

export const TEMPORAL_CLI_VERSION = '1.5.1';
const MODULE = 'github.com/temporalio/cli';
/** Oldest Go that can build the CLI (it fetches the newer toolchain the CLI's go.mod asks for). */
const MIN_GO = [1, 22] as const;
/** The CLI's go.mod requires this Go; older ones need GOTOOLCHAIN=auto. */
const CLI_GO = [1, 25] as const;

/** Cache location of the pinned CLI binary. */
export function cachedCliPath(
  env: NodeJS.ProcessEnv = process.env,
  version: string = TEMPORAL_CLI_VERSION,
): string {
  return join(cacheRoot(env), 'temporal-cli', `v${version}`, 'temporal');
}

/** `temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)` → `1.5.1`. */
export function parseCliVersion(output: string): string | undefined {
  return /temporal version v?(\S+)/.exec(output)?.[1];
}

export function installInstructions(version: string = TEMPORAL_CLI_VERSION): string {
  return [
    `The Temporal CLI v${version} is needed (it runs the local Temporal dev server), and it could not be provisioned:`,
    `no TEMPORAL_CLI_PATH, no \`temporal\` v${version} on PATH, no cached build, and no Go toolchain to build one.`,
    'Either:',
    `  - install Go >= ${MIN_GO.join('.')} (https://go.dev/dl/) and rerun; the CLI is then built once into ${cachedCliPath()}`,
    `  - or install the Temporal CLI v${version} (https://github.com/temporalio/cli/releases/tag/v${version})`,
    '    and set TEMPORAL_CLI_PATH=/path/to/temporal',
  ].join('\n');
}

async function cliVersion(path: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const { ok, output } = await run(path, ['--version'], env);
  return ok ? parseCliVersion(output) : undefined;
}

export async function ensureTemporalCli(opts: ProvisionOptions = {}): Promise<string> {
  const provision = provisionDefaults(opts);
  const { env, log } = provision;

  // 1. Explicit path.
  const explicit = await explicitPath(
    env,
    'TEMPORAL_CLI_PATH',
    `Point it at a Temporal CLI v${TEMPORAL_CLI_VERSION} binary, or unset it to use the cached or built one.`,
  );
  if (explicit) return explicit;

  // 2. PATH, at the pinned version only.
  for (const candidate of await findOnPath('temporal', env)) {
    const version = await cliVersion(candidate, env);
    if (version === TEMPORAL_CLI_VERSION) return candidate;
    log(
      `[temporal-cli] ignoring ${candidate} (version ${version ?? 'unknown'}, need ${TEMPORAL_CLI_VERSION})`,
    );
  }

  // 3. Cache, else 4. a build. A source build without release ldflags reports
  // 0.0.0-DEV; the path is keyed by version, so only check that the binary runs.
  const [path] = await ensureGoBuild(
    {
      tag: 'temporal-cli',
      what: `Temporal CLI v${TEMPORAL_CLI_VERSION}`,
      packages: [`${MODULE}/cmd/temporal@v${TEMPORAL_CLI_VERSION}`],
      ldflags: `-s -w -X ${MODULE}/temporalcli.Version=${TEMPORAL_CLI_VERSION}`,
      outputs: [{ built: 'temporal', target: cachedCliPath(env) }],
      minGo: MIN_GO,
      modGo: CLI_GO,
      instructions: () => installInstructions(),
      runs: async (p) => (await cliVersion(p, env)) !== undefined,
    },
    provision,
  );
  return path as string;
}

printPathsIfMain(import.meta.url, async () => [await ensureTemporalCli()]);
