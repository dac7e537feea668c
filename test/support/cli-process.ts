/**
 * The `blogtube` command as a user runs it: the built CLI (`bin/blogtube.js`)
 * as a child process, pointed at a test stack. Its stdout is not a terminal.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { codecFromEnv } from '../../common/codec.js';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { WEBHOOK_SECRET } from './stack.js';
import type { Stack } from './stack.js';

export const BLOGTUBE_BIN = fileURLToPath(new URL('../../bin/blogtube.js', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment the CLI runs with against `stack`. */
export function cliEnv(stack: Stack, env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    TEMPORAL_ADDRESS: stack.settings.TEMPORAL_ADDRESS,
    GITHUB_API_URL: stack.github.url,
    BRIDGE_URL: stack.bridgeUrl,
    GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
    BLOGTUBE_CODEC_KEYS: stack.env.BLOGTUBE_CODEC_KEYS,
    ORCHESTRATOR_TASK_QUEUE: stack.settings.ORCHESTRATOR_TASK_QUEUE,
    MODEL_TASK_QUEUE: stack.settings.MODEL_TASK_QUEUE,
    ...env,
  };
}

export function runBlogtube(
  stack: Stack,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BLOGTUBE_BIN, ...args],
      { env: cliEnv(stack, env), timeout: 180_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * Every payload a workflow's history carries into it (start input, signals,
 * Updates, activity inputs), decrypted with the stack's key, as JSON text: to
 * check what reached an agent.
 */
export async function historyText(stack: Stack, workflowId: string): Promise<string> {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  const codec = codecFromEnv(stack.env);
  const out: string[] = [];
  for (const e of history.events ?? []) {
    const payloads: temporal.api.common.v1.IPayload[] = [
      ...(e.workflowExecutionStartedEventAttributes?.input?.payloads ?? []),
      ...(e.workflowExecutionSignaledEventAttributes?.input?.payloads ?? []),
      ...(e.activityTaskScheduledEventAttributes?.input?.payloads ?? []),
      ...(e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args
        ?.payloads ?? []),
    ];
    if (payloads.length === 0) continue;
    const decoded = codec ? await codec.decode(payloads) : payloads;
    for (const p of decoded) out.push(JSON.stringify(defaultPayloadConverter.fromPayload(p)));
  }
  return out.join('\n');
}
