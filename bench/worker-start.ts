/**
 * Worker start time and idle RSS, one run, same server, same SDK: the
 * orchestrator bundling its workflows at start (BLOGTUBE_WORKFLOW_BUNDLE=off,
 * as before prebuilt bundles), the orchestrator loading dist/workflow-bundle.js,
 * and a bare worker (one trivial workflow) both ways, then the bare worker with
 * a prebuilt bundle holding 1, 10 and 50 open workflows (the floor to compare
 * a loaded orchestrator with). Start = spawn → "polling" logged; RSS = /proc
 * VmRSS after `IDLE_MS` of polling with no (further) work.
 *
 *   TEMPORAL_ADDRESS=127.0.0.1:7233 node dist/bench/worker-start.js [rounds]
 * (without TEMPORAL_ADDRESS an in-memory dev server is started)
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startDevServer } from '../scripts/dev-server.js';
import { ROOT } from '../scripts/issue-data.js';
import { sleep } from '../scripts/net.js';
import { ensureTemporalCli } from '../scripts/temporal-cli.js';
import { fmtMiB, summarize } from './stats.js';

const IDLE_MS = 5_000;

interface Sample {
  startMs: number;
  rssBytes: number;
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Starts `open` workflows that stay open on `taskQueue` and waits until each ran its first task. */
type OpenWorkflows = (taskQueue: string) => Promise<() => Promise<void>>;

async function measure(
  file: string,
  env: NodeJS.ProcessEnv,
  openWorkflows?: OpenWorkflows,
): Promise<Sample> {
  const started = Date.now();
  const child = spawn(process.execPath, [file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const startMs = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (/polling/.test(out)) resolve(Date.now() - started);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}):\n${out}`)));
  });
  const close = openWorkflows ? await openWorkflows(env.BARE_TASK_QUEUE ?? 'bare') : undefined;
  await sleep(IDLE_MS);
  const rssBytes = rssOf(child.pid as number);
  await close?.();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return { startMs, rssBytes };
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 3);
  let address = process.env.TEMPORAL_ADDRESS;
  let stop = async (): Promise<void> => {};
  if (!address) {
    const server = await startDevServer({ cliPath: await ensureTemporalCli(), uiPort: false });
    address = server.address;
    stop = server.stop;
  }
  const bareBundle = join(ROOT, 'dist', 'bench', 'bare-bundle.js');
  const bareWorkflows = join(ROOT, 'dist', 'bench', 'bare-workflows.js');
  const { code } = await bundleWorkflowCode({
    workflowsPath: bareWorkflows,
    logger: new DefaultLogger('WARN'),
  });
  writeFileSync(bareBundle, code);

  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    TEMPORAL_ADDRESS: address,
    LOG_LEVEL: 'warn',
    BLOGTUBE_PROFILE: 'production',
    GITHUB_TOKEN: 'sbx-bot-token',
    GITHUB_API_URL: 'http://127.0.0.1:9',
    BLOGTUBE_CODEC_KEYS: `bench:${Buffer.alloc(32, 7).toString('base64')}`,
    ORCHESTRATOR_METRICS_PORT: '9599',
    ORCHESTRATOR_CORE_METRICS_PORT: '',
  };
  const orchestrator = join(ROOT, 'dist', 'workers', 'orchestrator.js');
  const bare = join(ROOT, 'dist', 'bench', 'bare-worker.js');
  const variants: [string, string, NodeJS.ProcessEnv][] = [
    ['orchestrator, bundled at start', orchestrator, { ...base, BLOGTUBE_WORKFLOW_BUNDLE: 'off' }],
    ['orchestrator, prebuilt bundle', orchestrator, base],
    ['bare worker, bundled at start', bare, { ...base, BARE_WORKFLOWS: bareWorkflows }],
    ['bare worker, prebuilt bundle', bare, { ...base, BARE_BUNDLE: bareBundle }],
  ];
  const results = new Map<string, Sample[]>(variants.map(([name]) => [name, []]));
  // Interleaved rounds, so machine load drifts over all variants alike.
  for (let r = 0; r < rounds; r++) {
    for (const [name, file, env] of variants) {
      results
        .get(name)
        ?.push(await measure(file, { ...env, ORCHESTRATOR_TASK_QUEUE: `start-${r}` }));
    }
  }
  // The floor with open workflows: the bare worker holding 1, 10, 50 of them in its cache.
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const holding =
    (n: number): OpenWorkflows =>
    async (taskQueue) => {
      const handles = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          client.workflow.start('waiting', { taskQueue, workflowId: `${taskQueue}-${i}` }),
        ),
      );
      // Open and cached once each has completed its first workflow task.
      for (const h of handles) {
        while (Number((await h.describe()).raw.workflowExecutionInfo?.historyLength ?? 0) < 4)
          await sleep(50);
      }
      return async () => {
        await Promise.all(handles.map((h) => h.signal('release')));
      };
    };
  for (const n of [1, 10, 50]) {
    const name = `bare worker, prebuilt bundle, ${n} open workflows`;
    results.set(name, []);
    for (let r = 0; r < rounds; r++) {
      results
        .get(name)
        ?.push(
          await measure(
            bare,
            { ...base, BARE_BUNDLE: bareBundle, BARE_TASK_QUEUE: `open-${n}-${r}-${Date.now()}` },
            holding(n),
          ),
        );
    }
  }
  await connection.close();
  await stop();
  const rows = [...results].map(([name, samples]) => {
    const start = summarize(samples.map((s) => s.startMs));
    const rss = summarize(samples.map((s) => s.rssBytes));
    return `| ${name} | ${(start.p50 / 1000).toFixed(2)} s (${(start.min / 1000).toFixed(2)}–${(start.max / 1000).toFixed(2)}) | ${fmtMiB(rss.p50)} (${fmtMiB(rss.min)}–${fmtMiB(rss.max)}) |`;
  });
  process.stdout.write(
    [
      `worker start and idle RSS, ${rounds} rounds, median (min–max), idle ${IDLE_MS / 1000} s:`,
      '| worker | start → polling | idle RSS |',
      '|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
