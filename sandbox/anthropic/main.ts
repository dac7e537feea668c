/**
 * Runs the Anthropic simulator as a process (`node dist/sandbox/anthropic/main.js`).
 * Env: ANTHROPIC_SIM_PORT (3002), ANTHROPIC_SIM_HOST (127.0.0.1),
 * ANTHROPIC_SIM_TTFT_MS (300), ANTHROPIC_SIM_TOKENS_PER_SEC (400),
 * ANTHROPIC_SIM_SEED (1), ANTHROPIC_SIM_API_KEY (else ANTHROPIC_API_KEY, else
 * the sandbox key), ANTHROPIC_SIM_MIN_CACHEABLE_TOKENS (unset: the API's
 * minimum cacheable prompt length per model).
 */
import { SANDBOX_API_KEY, startAnthropicSim } from './server.js';

function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  }
  return value;
}

async function main(): Promise<void> {
  const sim = await startAnthropicSim({
    port: numberEnv('ANTHROPIC_SIM_PORT', 3002),
    host: process.env.ANTHROPIC_SIM_HOST || '127.0.0.1',
    ttftMs: numberEnv('ANTHROPIC_SIM_TTFT_MS', 300),
    tokensPerSec: numberEnv('ANTHROPIC_SIM_TOKENS_PER_SEC', 400),
    seed: numberEnv('ANTHROPIC_SIM_SEED', 1),
    ...(process.env.ANTHROPIC_SIM_MIN_CACHEABLE_TOKENS && {
      minCacheableTokens: numberEnv('ANTHROPIC_SIM_MIN_CACHEABLE_TOKENS', 0),
    }),
    apiKey: process.env.ANTHROPIC_SIM_API_KEY || process.env.ANTHROPIC_API_KEY || SANDBOX_API_KEY,
  });
  console.log(`anthropic-sim listening on ${sim.url}`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(
    `anthropic-sim failed to start: ${err instanceof Error ? err.message : String(err)}`,
  );
  process.exit(1);
});
