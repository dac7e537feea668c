/**
 * Builds Go programs with `go install` into the per-user cache, keyed by
 * version, for the launchers: the Temporal CLI (dev server), the Temporal
 * server and its SQL tool, the Temporal Web UI server.
 *
 * A build goes into a temporary GOBIN next to the cache and each binary is
 * renamed into place only once it runs, so an interrupted build never leaves a
 * half-written binary behind.
 */
import { execFile, spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { onLines, Tail } from './lines.js';

export type GoVersion = readonly [number, number];

/** `${BLOGTUBE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/blogtube}`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BLOGTUBE_CACHE_DIR) return env.BLOGTUBE_CACHE_DIR;
  const xdg = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(xdg, 'blogtube');
}

/** `go version go1.26.8 linux/amd64` → `[1, 26]`. */
export function parseGoVersion(output: string): [number, number] | undefined {
  const m = /go(\d+)\.(\d+)/.exec(output.replace(/^go version /, ''));
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

function atLeast(v: GoVersion, min: GoVersion): boolean {
  return v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]);
}

export async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const s = await stat(path);
    if (!s.isFile()) return false;
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs a program to completion; never rejects. */
export function run(
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

export async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const found: string[] = [];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (await isExecutableFile(candidate)) found.push(candidate);
  }
  return found;
}

export async function findGo(
  env: NodeJS.ProcessEnv,
  fallbacks: string[] = ['/usr/local/go/bin/go'],
): Promise<string | undefined> {
  for (const candidate of [...(await findOnPath('go', env)), ...fallbacks]) {
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** How a launcher provisions a binary. */
export interface ProvisionOptions {
  /** Environment to read (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Progress lines (default: to stderr). */
  log?: (s: string) => void;
  /** Where to look for `go` when it is not on PATH (default `/usr/local/go/bin/go`). */
  goFallbacks?: string[];
}

/** `opts` with its defaults filled in. */
export function provisionDefaults(opts: ProvisionOptions): {
  env: NodeJS.ProcessEnv;
  log: (s: string) => void;
  goFallbacks?: string[];
} {
  return {
    env: opts.env ?? process.env,
    log: opts.log ?? ((s: string) => process.stderr.write(`${s}\n`)),
    goFallbacks: opts.goFallbacks,
  };
}

/**
 * When `moduleUrl` is the entry point (`node dist/scripts/<launcher>.js`):
 * prints the paths `provision` returns, one a line, or its error's message
 * with exit code 1.
 */
export function printPathsIfMain(moduleUrl: string, provision: () => Promise<string[]>): void {
  const entry = process.argv[1];
  if (entry === undefined || moduleUrl !== pathToFileURL(entry).href) return;
  provision().then(
    (paths) => process.stdout.write(`${paths.join('\n')}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

export interface GoBuild {
  /** Log prefix without brackets, e.g. `temporal-cli`. */
  tag: string;
  /** What is built, for messages: `Temporal CLI v1.5.1`. */
  what: string;
  /** `go install` package arguments (`module/cmd/x@vN`; several only from one module). */
  packages: string[];
  ldflags: string;
  /** Each binary `go install` writes into GOBIN, and where it goes in the cache. */
  outputs: { built: string; target: string }[];
  /** Oldest Go that can build it. */
  minGo: GoVersion;
  /** The Go its go.mod asks for: older ones build with GOTOOLCHAIN=auto. */
  modGo?: GoVersion;
  /** Help shown when it cannot be built. */
  instructions: () => string;
  /** True when a binary runs (checked before it is moved into the cache). */
  runs: (path: string) => Promise<boolean>;
}

/**
 * The cached binaries of `build` when all are there and run, else builds them
 * (when `go` is available). Returns the target paths in `outputs` order.
 */
export async function ensureGoBuild(
  build: GoBuild,
  opts: { env: NodeJS.ProcessEnv; log: (s: string) => void; goFallbacks?: string[] },
): Promise<string[]> {
  const targets = build.outputs.map((o) => o.target);
  let cached = true;
  for (const target of targets) {
    if (!(await isExecutableFile(target))) cached = false;
    else if (!(await build.runs(target))) {
      opts.log(`[${build.tag}] cached ${target} does not run; rebuilding`);
      cached = false;
    }
  }
  if (cached) return targets;
  const go = await findGo(opts.env, opts.goFallbacks);
  if (!go) throw new Error(build.instructions());
  await goInstall(go, build, opts.env, opts.log);
  return targets;
}

async function goInstall(
  go: string,
  build: GoBuild,
  env: NodeJS.ProcessEnv,
  log: (s: string) => void,
): Promise<void> {
  const { ok, output } = await run(go, ['version'], env);
  const goVersion = ok ? parseGoVersion(output) : undefined;
  if (!goVersion)
    throw new Error(`${go} version failed: ${output.trim()}\n\n${build.instructions()}`);
  if (!atLeast(goVersion, build.minGo)) {
    throw new Error(
      `${go} is Go ${goVersion.join('.')}; building the ${build.what.replace(/ v\S+$/, '')} needs Go >= ${build.minGo.join('.')}.\n\n${build.instructions()}`,
    );
  }
  const buildEnv: NodeJS.ProcessEnv = { ...env, CGO_ENABLED: env.CGO_ENABLED ?? '0' };
  if (build.modGo && !atLeast(goVersion, build.modGo) && !env.GOTOOLCHAIN) {
    buildEnv.GOTOOLCHAIN = 'auto';
  }
  const first = build.outputs[0];
  if (!first) throw new Error(`${build.what}: nothing to build`);
  const parent = dirname(dirname(first.target)); // …/<tool>
  await mkdir(parent, { recursive: true });
  await removeStaleBuildDirs(parent);
  const gobin = await mkdtemp(join(parent, '.build-'));
  const started = Date.now();
  const seconds = (): number => Math.round((Date.now() - started) / 1000);
  log(
    `[${build.tag}] building ${build.what} with ${go} (Go ${goVersion.join('.')}); the first build takes a few minutes`,
  );
  try {
    await streamed(
      go,
      ['install', '-trimpath', '-ldflags', build.ldflags, ...build.packages],
      { ...buildEnv, GOBIN: gobin },
      (line) => log(`[go] ${line}`),
      () => log(`[${build.tag}] still building… ${seconds()}s`),
    );
    for (const { built } of build.outputs) {
      const path = join(gobin, built);
      await chmod(path, 0o755);
      if (!(await build.runs(path))) throw new Error(`the freshly built ${path} does not run`);
    }
    for (const { built, target } of build.outputs) {
      await mkdir(dirname(target), { recursive: true });
      await rename(join(gobin, built), target);
    }
    log(`[${build.tag}] built ${build.outputs.map((o) => o.target).join(', ')} in ${seconds()}s`);
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

/** An explicit path from `envVar`, checked; undefined when the variable is unset. */
export async function explicitPath(
  env: NodeJS.ProcessEnv,
  envVar: string,
  hint: string,
): Promise<string | undefined> {
  const explicit = env[envVar];
  if (!explicit) return undefined;
  if (!(await isExecutableFile(explicit))) {
    throw new Error(`${envVar}=${explicit} is not an executable file. ${hint}`);
  }
  return explicit;
}
