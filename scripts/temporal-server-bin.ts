/**
 * Provisions the binaries of the production-like stack at pinned versions, the
 * way temporal-cli.ts provisions the CLI: an explicit path by environment
 * variable, else the per-user cache (outside the checkout, keyed by version),
 * else a `go install` build into that cache.
 *
 * - the Temporal server and its SQL schema tool (one module, built together):
 *   `TEMPORAL_SERVER_PATH`, `TEMPORAL_SQL_TOOL_PATH`;
 * - the Temporal Web UI server (`github.com/temporalio/ui-server/v2`, the UI
 *   the CLI embeds, served on its own against any frontend):
 *   `TEMPORAL_UI_SERVER_PATH`.
 *
 * Run as main (`node dist/scripts/temporal-server-bin.js [--ui]`) it prints
 * the paths (CI provisions them in a phase of its own).
 */
import { join } from 'node:path';
import {
  cacheRoot,
  ensureGoBuild,
  explicitPath,
  printPathsIfMain,
  provisionDefaults,
  run,
  type ProvisionOptions,
} from './go-install.js';

export const TEMPORAL_SERVER_VERSION = '1.29.1';
/** The Web UI the Temporal CLI v1.5.1 embeds. */
export const TEMPORAL_UI_VERSION = '2.42.1';
const SERVER_MODULE = 'go.temporal.io/server';
const UI_MODULE = 'github.com/temporalio/ui-server/v2';
/** The server's go.mod asks for Go 1.25 (the UI server's for 1.24); older ones fetch it (GOTOOLCHAIN=auto). */
const MIN_GO = [1, 22] as const;
const SERVER_GO = [1, 25] as const;
const UI_GO = [1, 24] as const;

export interface ServerTools {
  server: string;
  sqlTool: string;
}

export function cachedServerTools(env: NodeJS.ProcessEnv = process.env): ServerTools {
  const dir = join(cacheRoot(env), 'temporal-server', `v${TEMPORAL_SERVER_VERSION}`);
  return { server: join(dir, 'temporal-server'), sqlTool: join(dir, 'temporal-sql-tool') };
}

export function cachedUiServer(env: NodeJS.ProcessEnv = process.env): string {
  return join(
    cacheRoot(env),
    'temporal-ui-server',
    `v${TEMPORAL_UI_VERSION}`,
    'temporal-ui-server',
  );
}

function instructions(what: string, envVars: string[], target: string): string {
  return [
    `${what} is needed by the production-like stack, and it could not be provisioned:`,
    `no ${envVars.join(' / ')}, no cached build, and no Go toolchain to build one.`,
    'Either:',
    `  - install Go >= ${MIN_GO.join('.')} (https://go.dev/dl/) and rerun; it is then built once into ${target}`,
    `  - or point ${envVars.join(' and ')} at your own binaries`,
  ].join('\n');
}

/** True when `path --help` exits 0 (these programs print no version without a subcommand). */
function runsWith(env: NodeJS.ProcessEnv): (path: string) => Promise<boolean> {
  return async (path) => (await run(path, ['--help'], env)).ok;
}

export async function ensureServerTools(opts: ProvisionOptions = {}): Promise<ServerTools> {
  const provision = provisionDefaults(opts);
  const { env } = provision;
  const hint = `Point it at a Temporal server v${TEMPORAL_SERVER_VERSION} build, or unset it to use the cached or built one.`;
  const server = await explicitPath(env, 'TEMPORAL_SERVER_PATH', hint);
  const sqlTool = await explicitPath(env, 'TEMPORAL_SQL_TOOL_PATH', hint);
  if (server && sqlTool) return { server, sqlTool };
  const cached = cachedServerTools(env);
  const [builtServer, builtSqlTool] = await ensureGoBuild(
    {
      tag: 'temporal-server',
      what: `Temporal server v${TEMPORAL_SERVER_VERSION} and SQL tool`,
      packages: [
        `${SERVER_MODULE}/cmd/server@v${TEMPORAL_SERVER_VERSION}`,
        `${SERVER_MODULE}/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`,
      ],
      ldflags: '-s -w',
      outputs: [
        { built: 'server', target: cached.server },
        { built: 'sql', target: cached.sqlTool },
      ],
      minGo: MIN_GO,
      modGo: SERVER_GO,
      instructions: () =>
        instructions(
          `The Temporal server v${TEMPORAL_SERVER_VERSION}`,
          ['TEMPORAL_SERVER_PATH', 'TEMPORAL_SQL_TOOL_PATH'],
          cached.server,
        ),
      runs: runsWith(env),
    },
    provision,
  );
  return {
    server: server ?? (builtServer as string),
    sqlTool: sqlTool ?? (builtSqlTool as string),
  };
}

export async function ensureUiServer(opts: ProvisionOptions = {}): Promise<string> {
  const provision = provisionDefaults(opts);
  const { env } = provision;
  const explicit = await explicitPath(
    env,
    'TEMPORAL_UI_SERVER_PATH',
    `Point it at a Temporal UI server v${TEMPORAL_UI_VERSION} build, or unset it to use the cached or built one.`,
  );
  if (explicit) return explicit;
  const target = cachedUiServer(env);
  const [path] = await ensureGoBuild(
    {
      tag: 'temporal-ui',
      what: `Temporal Web UI server v${TEMPORAL_UI_VERSION}`,
      packages: [`${UI_MODULE}/cmd/server@v${TEMPORAL_UI_VERSION}`],
      ldflags: '-s -w',
      outputs: [{ built: 'server', target }],
      minGo: MIN_GO,
      modGo: UI_GO,
      instructions: () =>
        instructions(
          `The Temporal Web UI server v${TEMPORAL_UI_VERSION}`,
          ['TEMPORAL_UI_SERVER_PATH'],
          target,
        ),
      runs: runsWith(env),
    },
    provision,
  );
  return path as string;
}

printPathsIfMain(import.meta.url, async () => {
  const tools = await ensureServerTools();
  const paths = [tools.server, tools.sqlTool];
  if (process.argv.includes('--ui')) paths.push(await ensureUiServer());
  return paths;
});
