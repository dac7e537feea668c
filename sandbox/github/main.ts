/**
 * Runs the GitHub simulator as a process: `node dist/sandbox/github/main.js`.
 * Env: GITHUB_SIM_PORT (3001), GITHUB_SIM_HOST (127.0.0.1),
 * GITHUB_SIM_LATENCY_MS (60), GITHUB_SIM_JITTER_MS (20), GITHUB_SIM_SEED (1).
 */
import { startGitHubSim } from './server.js';

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return Number(raw);
}

const sim = await startGitHubSim({
  port: intFromEnv('GITHUB_SIM_PORT', 3001),
  host: process.env.GITHUB_SIM_HOST || '127.0.0.1',
  latencyMs: intFromEnv('GITHUB_SIM_LATENCY_MS', 60),
  jitterMs: intFromEnv('GITHUB_SIM_JITTER_MS', 20),
  seed: intFromEnv('GITHUB_SIM_SEED', 1),
});
console.log(`github-sim listening on ${sim.url}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    sim.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('github-sim: close failed', err);
        process.exit(1);
      },
    );
  });
}
