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
import { execFile, spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { onLines, Tail } from './lines.js';

export const TEMPORAL_CLI_VERSION = '1.5.1';
const MODULE = 'github.com/temporalio/cli';
/** Oldest Go that can build the CLI (it fetches the newer toolchain the CLI's go.mod asks for). */
const MIN_GO = [1, 22] as const;
/** The CLI's go.mod requires this Go; older ones need GOTOOLCHAIN=auto. */
const CLI_GO = [1, 25] as const;

export interface EnsureCliOptions {
  log?: (s: string) => void;
  /** Environment to read (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Where to look for `go` when it is not on PATH (default `/usr/local/go/bin/go`). */
  goFallbacks?: string[];
}

/** `${BLOGTUBE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/blogtube}`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BLOGTUBE_CACHE_DIR) return env.BLOGTUBE_CACHE_DIR;
  const xdg = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(xdg, 'blogtube');
}

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

/** `go version go1.26.8 linux/amd64` → `[1, 26]`. */
export function parseGoVersion(output: string): [number, number] | undefined {
  const m = /go(\d+)\.(\d+)/.exec(output.replace(/^go version /, ''));
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

function atLeast(v: readonly [number, number], min: readonly [number, number]): boolean {
  return v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]);
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

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const s = await stat(path);
    if (!s.isFile()) return false;
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 20_000,
): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ ok: !err, output: `${stdout}${stderr}` });
    });
  });
}

async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const found: string[] = [];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (await isExecutableFile(candidate)) found.push(candidate);
  }
  return found;
}

async function cliVersion(path: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const { ok, output } = await run(path, ['--version'], env);
  return ok ? parseCliVersion(output) : undefined;
}

export async function ensureTemporalCli(opts: EnsureCliOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));

  // 1. Explicit path.
  const explicit = env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!(await isExecutableFile(explicit))) {
      throw new Error(
        `TEMPORAL_CLI_PATH=${explicit} is not an executable file. Point it at a Temporal CLI v${TEMPORAL_CLI_VERSION} binary, or unset it to use the cached or built one.`,
      );
    }
    return explicit;
  }

  // 2. PATH, at the pinned version only.
  for (const candidate of await findOnPath('temporal', env)) {
    const version = await cliVersion(candidate, env);
    if (version === TEMPORAL_CLI_VERSION) return candidate;
    log(
      `[temporal-cli] ignoring ${candidate} (version ${version ?? 'unknown'}, need ${TEMPORAL_CLI_VERSION})`,
    );
  }

  // 3. Cache. A source build without release ldflags reports 0.0.0-DEV; the
  // path is keyed by version, so only check that the binary runs.
  const cached = cachedCliPath(env);
  if (await isExecutableFile(cached)) {
    const { ok, output } = await run(cached, ['--version'], env);
    if (ok && parseCliVersion(output)) return cached;
    log(
      `[temporal-cli] cached ${cached} does not run (${output.trim().slice(0, 200)}); rebuilding`,
    );
  }

  // 4. Build.
  const go = await findGo(env, opts.goFallbacks ?? ['/usr/local/go/bin/go']);
  if (!go) throw new Error(installInstructions());
  return buildCli(go, cached, env, log);
}

async function findGo(env: NodeJS.ProcessEnv, fallbacks: string[]): Promise<string | undefined> {
  const candidates = [...(await findOnPath('go', env)), ...fallbacks];
  for (const candidate of candidates) {
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

async function buildCli(
  go: string,
  target: string,
  env: NodeJS.ProcessEnv,
  log: (s: string) => void,
): Promise<string> {
  const { ok, output } = await run(go, ['version'], env);
  const goVersion = ok ? parseGoVersion(output) : undefined;
  if (!goVersion)
    throw new Error(`${go} version failed: ${output.trim()}\n\n${installInstructions()}`);
  if (!atLeast(goVersion, MIN_GO)) {
    throw new Error(
      `${go} is Go ${goVersion.join('.')}; building the Temporal CLI needs Go >= ${MIN_GO.join('.')}.\n\n${installInstructions()}`,
    );
  }
  const buildEnv: NodeJS.ProcessEnv = { ...env, CGO_ENABLED: env.CGO_ENABLED ?? '0' };
  if (!atLeast(goVersion, CLI_GO) && !env.GOTOOLCHAIN) {
    // The CLI's go.mod asks for a newer Go: let go fetch that toolchain.
    buildEnv.GOTOOLCHAIN = 'auto';
  }

  const parent = dirname(dirname(target)); // …/temporal-cli
  await mkdir(parent, { recursive: true });
  await removeStaleBuildDirs(parent);
  const gobin = await mkdtemp(join(parent, '.build-'));
  const started = Date.now();
  log(
    `[temporal-cli] building Temporal CLI v${TEMPORAL_CLI_VERSION} with ${go} (Go ${goVersion.join('.')}); the first build takes a few minutes`,
  );
  try {
    const args = [
      'install',
      '-trimpath',
      '-ldflags',
      `-s -w -X ${MODULE}/temporalcli.Version=${TEMPORAL_CLI_VERSION}`,
      `${MODULE}/cmd/temporal@v${TEMPORAL_CLI_VERSION}`,
    ];
    await streamed(
      go,
      args,
      { ...buildEnv, GOBIN: gobin },
      (line) => log(`[go] ${line}`),
      () => {
        log(`[temporal-cli] still building… ${Math.round((Date.now() - started) / 1000)}s`);
      },
    );
    const built = join(gobin, 'temporal');
    await chmod(built, 0o755);
    const version = await cliVersion(built, env);
    if (!version) throw new Error(`the freshly built ${built} does not run`);
    await mkdir(dirname(target), { recursive: true });
    await rename(built, target);
    log(
      `[temporal-cli] built ${target} (version ${version}) in ${Math.round((Date.now() - started) / 1000)}s`,
    );
    return target;
  } finally {
    await rm(gobin, { recursive: true, force: true });
  }
}

/** Build directories of killed builds (older than 6 hours). */
async function removeStaleBuildDirs(parent: string): Promise<void> {
  const entries = await readdir(parent).catch(() => [] as string[]);
  for (const name of entries) {
    if (!name.startsWith('.build-')) continue;
    const dir = join(parent, name);
    const s = await stat(dir).catch(() => undefined);
    if (s && Date.now() - s.mtimeMs > 6 * 3600_000) await rm(dir, { recursive: true, force: true });
  }
}

function streamed(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
  onTick: () => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail = new Tail(30);
    const ticker = setInterval(onTick, 30_000);
    const forward = (line: string): void => {
      if (!line.trim()) return;
      tail.push(line);
      onLine(line);
    };
    onLines(child.stdout, forward);
    onLines(child.stderr, forward);
    child.on('error', (err) => {
      clearInterval(ticker);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearInterval(ticker);
      if (code === 0) resolve();
      else {
        reject(
          new Error(
            `${file} ${args.join(' ')} failed (${signal ?? `exit code ${code}`}):\n${tail.toString()}`,
          ),
        );
      }
    });
  });
}

function isMain(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && import.meta.url === pathToFileURL(entry).href;
}

if (isMain()) {
  ensureTemporalCli().then(
    (path) => process.stdout.write(`${path}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
