/**
 * The Web UI tells a run's story: `scripts/webui-screenshots.ts` drives headless
 * Chromium against a dev server with its Web UI (and the codec endpoint, since
 * summaries and details are encrypted like every payload), filters the runs by
 * repository, opens a finished run and one of its agents, and saves screenshots.
 */
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { DEMO_ISSUE } from '../../client/demo.js';
import { serverUrl } from '../../client/bridge.js';
import { codecFromEnv } from '../../common/codec.js';
import { createCodecServer } from '../../common/codec-server.js';
import { issueWorkflowId } from '../../common/ids.js';
import type { IssueWorkflowResult } from '../../common/schemas.js';
import { startDevServer } from '../../scripts/dev-server.js';
import type { DevServer } from '../../scripts/dev-server.js';
import { freePort } from '../../scripts/net.js';
import type { ScreenshotResult } from '../../scripts/webui-screenshots.js';
import { startStack } from '../support/stack.js';
import type { Stack } from '../support/stack.js';
import { makeTempDir } from '../support/tmp.js';

const SCRIPT = fileURLToPath(new URL('../../dist/scripts/webui-screenshots.js', import.meta.url));

let devServer: DevServer;
let codecServer: Server;
// Whole runs on a shared, busy machine: a generous ceiling (no timing is asserted).
jest.setTimeout(300_000);

let stack: Stack;
let uiUrl: string;
const keys = `shots:${randomBytes(32).toString('base64')}`;
const globalAddress = process.env.TEMPORAL_ADDRESS;

beforeAll(async () => {
  const cliPath = process.env.TEMPORAL_CLI_PATH;
  if (!cliPath) throw new Error('TEMPORAL_CLI_PATH is not set: run through jest (global setup)');
  const uiPort = await freePort();
  uiUrl = `http://127.0.0.1:${uiPort}`;
  const codec = codecFromEnv({ BLOGTUBE_CODEC_KEYS: keys });
  if (!codec) throw new Error('no codec');
  codecServer = await createCodecServer({ codec, uiOrigin: uiUrl }).listen(0, '127.0.0.1');
  // This file's own dev server, with the Web UI (the shared one runs headless).
  devServer = await startDevServer({ cliPath, uiPort, uiCodecEndpoint: serverUrl(codecServer) });
  process.env.TEMPORAL_ADDRESS = devServer.address;
  stack = await startStack({ env: { BLOGTUBE_CODEC_KEYS: keys } });
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  process.env.TEMPORAL_ADDRESS = globalAddress;
  await devServer?.stop();
  await new Promise((r) => (codecServer ? codecServer.close(r) : r(undefined)));
});

function screenshots(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, ...args], { timeout: 180_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

it('filters runs by repository, opens a finished run and an agent, and saves screenshots showing its story', async () => {
  const opened = await stack.openIssue(DEMO_ISSUE);
  const workflowId = issueWorkflowId({
    owner: stack.owner,
    repo: stack.repo,
    number: opened.number,
  });
  const result = (await stack.client.workflow
    .getHandle(workflowId)
    .result()) as IssueWorkflowResult;
  expect(result.phase).toBe('done');

  const out = process.env.BLOGTUBE_SHOTS_DIR
    ? { dir: process.env.BLOGTUBE_SHOTS_DIR, cleanup: async () => undefined }
    : await makeTempDir('blogtube-shots-');
  const run = await screenshots([
    '--ui',
    uiUrl,
    '--repo',
    `${stack.owner}/${stack.repo}`,
    '--out',
    out.dir,
    '--docs',
    `${out.dir}/docs`,
    '--json',
  ]);
  if (run.code !== 0) throw new Error(`webui-screenshots failed (${run.code}): ${run.stderr}`);
  const shots = JSON.parse(run.stdout) as ScreenshotResult;
  expect(shots.workflowId).toBe(workflowId);
  expect(shots.screenshots.map((s) => s.name)).toEqual(['runs', 'run', 'run-details', 'agent']);
  for (const s of shots.screenshots) {
    expect(existsSync(s.path)).toBe(true);
    // A PNG, and not an empty page.
    const png = readFileSync(s.path);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(10_000);
  }
  const [runs, runPage, details, agentPage] = shots.screenshots;
  expect(runs?.text).toContain(workflowId);
  // The run's page: its id and activity summaries on the history timeline.
  expect(runPage?.text).toContain(workflowId);
  expect(runPage?.text).toContain('verifyRun • verify branch and pull request on GitHub');
  expect(runPage?.text).toContain(
    `backend agent for ${stack.owner}/${stack.repo}#${opened.number}`,
  );
  // Its summary and details (decoded through the codec endpoint).
  expect(details?.text).toContain(`${stack.owner}/${stack.repo}#${opened.number}`);
  expect(details?.text).toMatch(/phase:\s*done/);
  expect(details?.text).toMatch(/backend agent: done, 1 file\(s\), \d+\.\dk tokens/);
  // An agent: its turns and its commit, with files and tokens.
  expect(agentPage?.text).toMatch(
    /callModel • backend agent: turn \d+, \d file\(s\), [\d.]+k? tokens so far/,
  );
  expect(agentPage?.text).toMatch(
    /commitAgentChanges • backend agent: commit 1 file\(s\), \d+\.\dk tokens/,
  );
  expect(existsSync(shots.docsCopy ?? '')).toBe(true);
  await out.cleanup();
});
