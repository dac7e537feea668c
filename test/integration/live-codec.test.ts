/**
 * Whoever reaches Temporal is not thereby a maintainer (issue 16, property 2).
 * A worker and client configured as in live mode (codec keys, BLOGTUBE_MODE=live)
 * against the dev server; the attacker is the real `temporal` CLI, which has
 * network access to Temporal but not the codec key. A plain (unencrypted)
 * signal carrying a decision, and a plain start, are refused: the workflow
 * task that meets them fails and the run never acts on them. A run's failure
 * message and stack trace are encrypted in history (`encodeCommonAttributes`).
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createDataConverter } from '../../common/codec.js';
import { awaitDecision, decideSignal, failLoudly } from '../support/live-decision-workflow.js';

const run = promisify(execFile);
const address = process.env.TEMPORAL_ADDRESS ?? '';
const cli = process.env.TEMPORAL_CLI_PATH ?? '';
const LIVE = {
  BLOGTUBE_MODE: 'live',
  BLOGTUBE_CODEC_KEYS: `k1:${randomBytes(32).toString('base64')}`,
};
const taskQueue = `live-codec-${randomUUID()}`;
let worker: Worker;
let running: Promise<void>;
let client: Client;
let connection: Connection;

beforeAll(async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // installed already by another test in this process
  }
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address }),
    taskQueue,
    workflowsPath: fileURLToPath(new URL('../support/live-decision-workflow.ts', import.meta.url)),
    dataConverter: createDataConverter(LIVE),
  });
  running = worker.run();
  connection = await Connection.connect({ address });
  client = new Client({ connection, dataConverter: createDataConverter(LIVE) });
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await connection?.close();
});

const temporal = (...args: string[]) =>
  run(cli, [...args, '--address', address, '--namespace', 'default', '-o', 'json']);

async function eventTypes(workflowId: string): Promise<string[]> {
  const { stdout } = await temporal('workflow', 'show', '--workflow-id', workflowId);
  const parsed = JSON.parse(stdout) as { events: { eventType: string }[] };
  return parsed.events.map((e) => e.eventType);
}

async function waitForEvent(workflowId: string, type: string): Promise<string[]> {
  for (;;) {
    const types = await eventTypes(workflowId);
    if (types.some((t) => t.includes(type))) return types;
    await new Promise((r) => setTimeout(r, 200));
  }
}

it('a plain signal sent with the temporal CLI is refused: the decision is never taken', async () => {
  const id = `live-decision-${randomUUID()}`;
  const handle = await client.workflow.start(awaitDecision, { taskQueue, workflowId: id });
  await waitForEvent(id, 'WORKFLOW_TASK_COMPLETED'); // the run is waiting for a decision
  await temporal(
    'workflow',
    'signal',
    '--workflow-id',
    id,
    '--name',
    'decide',
    '--input',
    '"approve"',
  );
  const types = await waitForEvent(id, 'WORKFLOW_TASK_FAILED');
  expect(types.some((t) => t.includes('WORKFLOW_EXECUTION_COMPLETED'))).toBe(false);
  expect((await handle.describe()).status.name).toBe('RUNNING');
  await handle.terminate('test over');
});

it('an encrypted signal from a client holding the key is taken', async () => {
  const id = `live-decision-${randomUUID()}`;
  const handle = await client.workflow.start(awaitDecision, { taskQueue, workflowId: id });
  await handle.signal(decideSignal, 'approve');
  expect(await handle.result()).toBe('approve');
});

it('a plain start sent with the temporal CLI is refused', async () => {
  const id = `live-start-${randomUUID()}`;
  await temporal(
    'workflow',
    'start',
    '--type',
    'failLoudly',
    '--task-queue',
    taskQueue,
    '--workflow-id',
    id,
    '--input',
    '"steer me"',
  );
  const types = await waitForEvent(id, 'WORKFLOW_TASK_FAILED');
  expect(types.some((t) => t.includes('WORKFLOW_EXECUTION_FAILED'))).toBe(false);
  await client.workflow.getHandle(id).terminate('test over');
});

it('failure messages and stack traces are encrypted in history', async () => {
  const id = `live-fail-${randomUUID()}`;
  const text = `the failure text ${randomUUID()}`;
  const handle = await client.workflow.start(failLoudly, {
    taskQueue,
    workflowId: id,
    args: [text],
  });
  const err = await handle.result().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(((err as WorkflowFailedError).cause as Error).message).toBe(text); // readable with the key
  const { stdout } = await temporal('workflow', 'show', '--workflow-id', id);
  expect(stdout).toContain('WORKFLOW_EXECUTION_FAILED');
  expect(stdout).not.toContain(text);
  expect(stdout).not.toContain('live-decision-workflow'); // the stack trace names its file
  expect(stdout).toContain('Encoded failure');
});
