/**
 * The Temporal Web UI for the production-like stack: Temporal's UI server
 * (the same UI the CLI's dev server embeds) on its own, against the stack's
 * frontend, configured by deploy/temporal/ui.yaml.
 */
import { hostPort, isPortOpen, sleep } from './net.js';
import type { Reaper } from './proc.js';
import { type Exit, startService } from './service-process.js';

export interface WebUi {
  url: string;
  pid: number;
  exited: Promise<Exit>;
  stop(): Promise<void>;
}

export async function startWebUi(o: {
  uiServerPath: string;
  root: string;
  port: number;
  temporalAddress: string;
  codecEndpoint?: string;
  namespace?: string;
  logFile: string;
  reaper?: Reaper;
  readyTimeoutMs?: number;
}): Promise<WebUi> {
  const service = await startService({
    name: 'temporal-ui',
    command: o.uiServerPath,
    args: ['--root', o.root, '--config', 'deploy/temporal', '--env', 'ui', 'start'],
    env: {
      PATH: process.env.PATH,
      BLOGTUBE_UI_TEMPORAL_ADDRESS: o.temporalAddress,
      BLOGTUBE_UI_PORT: String(o.port),
      BLOGTUBE_UI_CODEC_ENDPOINT: o.codecEndpoint ?? '',
      BLOGTUBE_UI_NAMESPACE: o.namespace ?? 'default',
    },
    cwd: o.root,
    logFile: o.logFile,
    reaper: o.reaper,
  });
  const deadline = Date.now() + (o.readyTimeoutMs ?? 30_000);
  while (!(await isPortOpen(o.port))) {
    const failure = service.failure();
    if (failure || Date.now() > deadline) {
      await service.stop();
      throw new Error(failure ?? `the Web UI never opened port ${o.port}:\n${service.tail()}`);
    }
    await sleep(150);
  }
  return {
    url: `http://${hostPort('127.0.0.1', o.port)}`,
    pid: service.pid,
    exited: service.exited,
    stop: service.stop,
  };
}
