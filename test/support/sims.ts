/**
 * The simulators for one test file, through their real clients: each is
 * started before the file's tests, reset before each test unless told not to
 * (the file's own `beforeEach` hooks run after that reset), and closed after.
 */
import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import Anthropic from '@anthropic-ai/sdk';
import { Octokit } from '@octokit/rest';
import {
  SANDBOX_API_KEY,
  startAnthropicSim,
  type AnthropicSim,
  type AnthropicSimOptions,
} from '../../sandbox/anthropic/server.js';
import {
  startGitHubSim,
  type GitHubSim,
  type GitHubSimOptions,
} from '../../sandbox/github/server.js';

/** The repository every simulator seeds. */
export const SIM_REPO = { owner: 'blogtube', repo: 'blogtube' };

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

interface Running<S> {
  sim: S;
}

/** Hooks that start `start`'s simulator for this file; `name` is for the error when used too early. */
function perFile<S extends { reset(): void; close(): Promise<void> }, T extends Running<S>>(
  name: string,
  start: () => Promise<T>,
  reset: boolean,
): () => T {
  let running: T | undefined;
  beforeAll(async () => {
    running = await start();
  });
  afterAll(() => running?.sim.close());
  const current = (): T => {
    if (!running) throw new Error(`the ${name} simulator starts in beforeAll`);
    return running;
  };
  if (reset) beforeEach(() => current().sim.reset());
  return current;
}

export interface GitHubSimFixture {
  readonly sim: GitHubSim;
  /** An Octokit as `token`'s user (anonymous without one) that logs nothing. */
  as(token?: string): Octokit;
}

/** The GitHub simulator on a free loopback port, with `options` (a seed, ...). */
export function useGitHubSim(
  options: Omit<GitHubSimOptions, 'port'> = {},
  { reset = true }: { reset?: boolean } = {},
): GitHubSimFixture {
  const current = perFile(
    'GitHub',
    async () => ({ sim: await startGitHubSim({ ...options, port: 0 }) }),
    reset,
  );
  return {
    get sim() {
      return current().sim;
    },
    as: (token) => new Octokit({ baseUrl: current().sim.url, auth: token, log: quiet }),
  };
}

/** The status and GitHub error body of a request expected to fail. */
export async function requestFailure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    const e = err as { status: number; response: { data: { message: string; errors?: unknown } } };
    return { ...e.response.data, status: e.status };
  }
  throw new Error('expected the request to fail');
}

export interface AnthropicSimFixture {
  readonly sim: AnthropicSim;
  /** The real SDK client on the simulator, without retries. */
  readonly client: Anthropic;
}

/** The Anthropic simulator on a free loopback port, with `options` (pacing, cache minimum, ...). */
export function useAnthropicSim(
  options: Omit<AnthropicSimOptions, 'port'> = {},
  { reset = true }: { reset?: boolean } = {},
): AnthropicSimFixture {
  const current = perFile(
    'Anthropic',
    async () => {
      const sim = await startAnthropicSim({ ...options, port: 0 });
      return {
        sim,
        client: new Anthropic({ apiKey: SANDBOX_API_KEY, baseURL: sim.url, maxRetries: 0 }),
      };
    },
    reset,
  );
  return {
    get sim() {
      return current().sim;
    },
    get client() {
      return current().client;
    },
  };
}
