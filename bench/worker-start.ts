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
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startDevServer } from '../scripts/dev-server.js';
import { ROOT } from '../scripts/issue-data.js';
import { ensureTemporalCli } from '../scripts/temporal-cli.js';
import {
  BARE_WORKER,
  BARE_WORKFLOWS,
  buildBareBundle,
  holding,
  IDLE_MS,
  measure,
  type Sample,
} from './floor.js';
import { fmtMiB, summarize } from './stats.js';

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 3);
  let address = process.env.TEMPORAL_ADDRESS;
  let stop = async (): Promise<void> => {};
  if (!address) {
    const server = await startDevServer({ cliPath: await ensureTemporalCli(), uiPort: false });
    address = server.address;
    stop = server.stop;
  }
  const bareBundle = await buildBareBundle();
  const bareWorkflows = BARE_WORKFLOWS;

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
  const bare = BARE_WORKER;
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
            holding(client, n),
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
