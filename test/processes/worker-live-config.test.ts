/**
 * A worker started with `BLOGTUBE_MODE=live` and nothing configured says
 * everything it lacks, at once, and exits non-zero before it tries to reach
 * Temporal (no "connection refused 127.0.0.1:7233" first). The real entry
 * points, `node dist/workers/<kind>.js`, in a bare environment.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { liveProblems } from '../../common/mode.js';
import type { Role } from '../../common/mode.js';
import { makeTempDir } from '../support/tmp.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterAll(async () => cleanup());

const BARE_LIVE = { PATH: process.env.PATH, BLOGTUBE_MODE: 'live' };

function startWorker(kind: 'orchestrator' | 'model'): Promise<{ code: number; output: string }> {
  const entry = fileURLToPath(new URL(`../../dist/workers/${kind}.js`, import.meta.url));
  return new Promise((resolve) =>
    // Outside the checkout, so nothing in it (a development key file) stands in for a setting.
    execFile(
      process.execPath,
      [entry],
      { cwd: dir, env: BARE_LIVE, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, output: stdout + stderr });
      },
    ),
  );
}

/** The fatal line's message (the worker logs JSON lines; a bad logger falls back to plain text). */
function fatalMessage(output: string): string {
  for (const line of output.split('\n')) {
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string };
      if (entry.level === 60 && entry.msg) return entry.msg;
    } catch {
      // not a JSON line
    }
  }
  return output;
}

it.each([
  ['orchestrator', 'orchestrator', ['TEMPORAL_ADDRESS', 'BLOGTUBE_CODEC_KEYS', 'GITHUB_APP_ID']],
  [
    'model',
    'model-worker',
    ['TEMPORAL_ADDRESS', 'BLOGTUBE_CODEC_KEYS', 'GITHUB_APP_ID', 'ANTHROPIC_API_KEY'],
  ],
] as const)(
  'the %s worker lists everything missing and exits 1 without trying Temporal',
  async (kind, role: Role, names) => {
    const { code, output } = await startWorker(kind);
    expect(code).toBe(1);
    const message = fatalMessage(output);
    expect(message).toMatch(new RegExp(`BLOGTUBE_MODE=live: the ${role} cannot start`));
    for (const name of names) expect(message).toContain(name);
    // Every problem the validator finds, each on its own line.
    const problems = liveProblems(BARE_LIVE, role);
    expect(problems).toHaveLength(names.length);
    expect(problems.filter((p) => !message.includes(`  - ${p}`))).toEqual([]);
    expect(output).not.toMatch(/connection refused|ECONNREFUSED|failed to connect|7233/i);
  },
);
