/**
 * Each worker entry `npm run build` leaves in dist/workers/ is a bundle: at
 * start it loads its chunks beside it and the external packages, never one
 * of the compiled modules under dist/common/ or dist/activities/, zod's or
 * prom-client's own files, or a lazily imported activity group. Each is run
 * for real until it fails to reach Temporal (nothing listens on port 1), with
 * a module hook that reports every file Node resolves.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { makeTempDir } from '../support/tmp.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let dir: string;
let cleanup: () => Promise<void>;
let register: string;
beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  const hooks = join(dir, 'hooks.mjs');
  await writeFile(
    hooks,
    "import { writeSync } from 'node:fs';\n" +
      'export async function resolve(specifier, context, next) {\n' +
      '  const r = await next(specifier, context);\n' +
      "  if (r.url.startsWith('file:')) writeSync(2, `RESOLVED ${r.url}\\n`);\n" +
      '  return r;\n' +
      '}\n',
  );
  register = join(dir, 'register.mjs');
  await writeFile(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
});
afterAll(async () => cleanup());

function run(role: string): Promise<{ code: number; output: string }> {
  const entry = join(ROOT, 'dist', 'workers', `${role}.js`);
  const env = {
    PATH: process.env.PATH,
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    GITHUB_TOKEN: 'bundle-test-token',
    ANTHROPIC_API_KEY: 'bundle-test-key',
    // No Core SDK metrics endpoint: nothing is bound while other tests run.
    ORCHESTRATOR_CORE_METRICS_PORT: '',
    MODEL_WORKER_CORE_METRICS_PORT: '',
    WORKSPACE_WORKER_CORE_METRICS_PORT: '',
  };
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      ['--import', pathToFileURL(register).href, entry],
      { cwd: dir, env, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, output: stdout + stderr });
      },
    ),
  );
}

it.each(['orchestrator', 'model', 'workspace'])(
  'the %s worker starts from its bundle and its chunks only',
  async (role) => {
    const { code, output } = await run(role);
    // It got as far as connecting: every module it imports at start was loaded and ran.
    expect(code).toBe(1);
    expect(output).toMatch(new RegExp(`${role} worker fatal: .*(connect|Connection refused)`, 'i'));
    const resolved = [...output.matchAll(/^RESOLVED (file:\S+)$/gm)].map((m) =>
      relative(ROOT, fileURLToPath(m[1]!)),
    );
    const ours = resolved.filter((f) => f.startsWith('dist/'));
    expect(ours).toContain(`dist/workers/${role}.js`);
    expect(ours.filter((f) => !/^dist\/workers\/(\w+\.js|bundle-chunk-\w+\.js)$/.test(f))).toEqual(
      [],
    );
    const packages = resolved.filter((f) => f.startsWith('node_modules/'));
    expect(packages.filter((f) => /node_modules\/(zod|prom-client)\//.test(f))).toEqual([]);
    expect(packages.some((f) => f.startsWith('node_modules/@temporalio/worker/'))).toBe(true);
  },
);
