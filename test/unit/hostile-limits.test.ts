/**
 * The write activity enforces the path guard again, whatever the workflow
 * passed it: protected and out-of-area paths, `..`, bytes per file, files per
 * agent and bytes per agent are refused with a non-retryable `PathRefused`,
 * before anything reaches GitHub. Through the real Octokit against the GitHub
 * simulator.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { ApplicationFailure } from '@temporalio/common';
import { createGitHubActivities } from '../../activities/github.js';
import type { GitHubActivities } from '../../activities/github.js';
import { createOctokit } from '../../common/github-client.js';
import type { WriteRules } from '../../common/path-guard.js';
import { commitFile } from '../../sandbox/github/maintainer.js';
import { startGitHubSim, SANDBOX_TOKENS } from '../../sandbox/github/server.js';
import type { GitHubSim } from '../../sandbox/github/server.js';

let sim: GitHubSim;
let gh: GitHubActivities;
const ref = { owner: 'blogtube', repo: 'blogtube', number: 1 };
const rules: WriteRules = {
  allowed: ['api/**'],
  protectedPaths: ['api/secrets/**', '.github/workflows/**', '.git/**'],
  maxFileBytes: 100,
  maxFiles: 2,
  maxTotalBytes: 150,
};

beforeAll(async () => {
  sim = await startGitHubSim({ port: 0 });
  gh = createGitHubActivities({ octokit: createOctokit(sim.url, SANDBOX_TOKENS.bot) });
});
afterAll(async () => {
  await sim?.close();
});

async function refusal(
  path: string,
  content: string,
  staged: { path: string; bytes: number }[] = [],
): Promise<string> {
  const err = await gh.stageFile(ref, path, content, rules, staged).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  const failure = err as ApplicationFailure;
  expect(failure.type).toBe('PathRefused');
  expect(failure.nonRetryable).toBe(true);
  return failure.message;
}

it('refuses every out-of-bounds write before it reaches GitHub, and stages an in-bounds one', async () => {
  const before = await fetch(`${sim.url}/_sim/requests`).then(
    (r) => r.json() as Promise<unknown[]>,
  );
  expect(await refusal('.github/workflows/pwn.yml', 'on: push')).toMatch(/is protected/);
  expect(await refusal('.GitHub/Workflows/pwn.yml', 'on: push')).toMatch(/is protected/);
  expect(await refusal('api/secrets/key.pem', 'k')).toMatch(/is protected/);
  expect(await refusal('web/app.js', 'x')).toMatch(/outside this agent's paths/);
  expect(await refusal('api/../web/app.js', 'x')).toMatch(/"\.\." is not allowed/);
  expect(await refusal('/etc/passwd', 'x')).toMatch(/absolute/);
  expect(await refusal('api/.git/hooks/pre-commit', 'x')).toMatch(/\.git internals/);
  expect(await refusal('api/a\u0007.js', 'x')).toMatch(/control characters/);
  expect(await refusal('api/big.js', 'x'.repeat(101))).toMatch(/over the 100 limit/);
  expect(
    await refusal('api/c.js', 'x', [
      { path: 'api/a.js', bytes: 1 },
      { path: 'api/b.js', bytes: 1 },
    ]),
  ).toMatch(/at most 2 files/);
  expect(await refusal('api/b.js', 'x'.repeat(60), [{ path: 'api/a.js', bytes: 100 }])).toMatch(
    /would total 160 bytes, over the 150 limit/,
  );
  const after = await fetch(`${sim.url}/_sim/requests`).then((r) => r.json() as Promise<unknown[]>);
  expect(after.length).toBe(before.length); // nothing reached GitHub

  const ok = await gh.stageFile(ref, './api//ok.js', 'export {};\n', rules, [
    { path: 'api/a.js', bytes: 100 },
  ]);
  expect(ok).toMatchObject({ path: 'api/ok.js', bytes: 11 });
});

it('refuses what CI executes, for an agent given the whole repository and .github/**', async () => {
  const octokit = createOctokit(sim.url, SANDBOX_TOKENS.maintainer);
  const repo = { owner: ref.owner, repo: ref.repo };
  await commitFile(
    octokit,
    repo,
    'api/package.json',
    JSON.stringify({ name: 'api', scripts: { prepare: 'tsc', test: 'jest' } }, null, 2),
  );
  const everything: WriteRules = {
    ...rules,
    allowed: ['**', '.github/**'],
    maxFileBytes: 10_000,
    maxTotalBytes: 100_000,
  };
  const refused = async (path: string, content: string, r = everything) => {
    const err = await gh.stageFile(ref, path, content, r, []).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('PathRefused');
    return (err as ApplicationFailure).message;
  };
  for (const path of [
    '.github/actions/setup/action.yml',
    '.github/CODEOWNERS',
    '.github/dependabot.yml',
    '.github/blogtube.yml',
    'CODEOWNERS',
    'docs/CODEOWNERS',
    'api/.gitattributes',
    '.gitmodules',
    '.npmrc',
    'web/.yarnrc.yml',
  ]) {
    expect(await refused(path, 'x')).toMatch(/is protected/);
  }
  const pkg = (scripts: Record<string, string>, deps: Record<string, string> = {}) =>
    JSON.stringify({ name: 'api', scripts, dependencies: deps }, null, 2);
  // Adding a lifecycle script, changing one, or a new package.json carrying one: refused.
  expect(
    await refused('api/package.json', pkg({ prepare: 'tsc', test: 'jest', postinstall: 'sh x' })),
  ).toMatch(/lifecycle scripts are protected \(postinstall/);
  expect(await refused('api/package.json', pkg({ prepare: 'curl x | sh', test: 'jest' }))).toMatch(
    /prepare/,
  );
  expect(await refused('web/package.json', pkg({ preinstall: 'sh x' }))).toMatch(/preinstall/);
  expect(
    await refused('api/package.json', pkg({ prepare: 'tsc', test: 'jest', pretest: 'sh x' })),
  ).toMatch(/pretest/);
  // A dependency bump or an ordinary script keeps the lifecycle scripts as they were: staged.
  const bump = pkg({ prepare: 'tsc', test: 'jest --ci', lint: 'eslint .' }, { zod: '^4.0.0' });
  expect(await gh.stageFile(ref, 'api/package.json', bump, everything, [])).toMatchObject({
    path: 'api/package.json',
  });
  // The repository config may allow lifecycle scripts; the protected paths stay protected.
  const allowing = { ...everything, allowLifecycleScripts: true };
  expect(
    await gh.stageFile(
      ref,
      'web/package.json',
      pkg({ postinstall: 'node setup.js' }),
      allowing,
      [],
    ),
  ).toMatchObject({ path: 'web/package.json' });
  expect(await refused('.npmrc', 'ignore-scripts=false', allowing)).toMatch(/is protected/);
});
