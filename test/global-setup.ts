/**
 * Jest global setup: one Temporal dev server (headless, in-memory, free port)
 * for the whole run. Test files read `TEMPORAL_ADDRESS`; Jest workers are
 * spawned after this runs, so they inherit the variables set here.
 */
import Module from 'node:module';
import type { DevServer } from '../scripts/dev-server.js';

declare global {
  var __BLOGTUBE_DEV_SERVER__: DevServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  allowTsBehindJsSpecifiers();
  const { ensureTemporalCli } = await import('../scripts/temporal-cli.js');
  const { startDevServer } = await import('../scripts/dev-server.js');
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  // Fresh folders for the secret scan of global teardown: recorded test secrets, captured logs.
  const { logsDir, prepareTestArtifacts } = await import('./support/secret-scan.js');
  prepareTestArtifacts();
  const cliPath = await ensureTemporalCli({ log });
  const started = Date.now();
  const server = await startDevServer({
    cliPath,
    uiPort: false,
    log,
    logFile: `${logsDir()}/temporal-dev-server.log`,
  });
  globalThis.__BLOGTUBE_DEV_SERVER__ = server;
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.TEMPORAL_CLI_PATH = cliPath;
  log(
    `\n[global-setup] Temporal dev server at ${server.address} (pid ${server.pid}, ready in ${Date.now() - started} ms)`,
  );
}

/**
 * Jest loads global setup with `require` (transpiled to CommonJS by @swc/jest),
 * where `moduleNameMapper` does not apply, so the project's `./x.js`
 * specifiers would not find `./x.ts`. This retries such a failed relative
 * resolution with `.ts` (the dynamic imports above become `require` calls).
 * Only this Jest parent process is affected; test files use the mapper.
 */
function allowTsBehindJsSpecifiers(): void {
  type Resolve = (this: unknown, request: string, ...rest: unknown[]) => string;
  const M = Module as unknown as { _resolveFilename: Resolve & { blogtubeTs?: true } };
  if (M._resolveFilename.blogtubeTs) return;
  const original = M._resolveFilename;
  const patched: Resolve & { blogtubeTs?: true } = function (this: unknown, request, ...rest) {
    try {
      return original.call(this, request, ...rest);
    } catch (err) {
      if (!/^\.\.?\//.test(request) || !request.endsWith('.js')) throw err;
      return original.call(this, `${request.slice(0, -3)}.ts`, ...rest);
    }
  };
  patched.blogtubeTs = true;
  M._resolveFilename = patched;
}
