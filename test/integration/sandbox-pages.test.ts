/**
 * What a newcomer sees after `npx blogtube demo`: a real run on a test stack,
 * then Debian's Chromium (through playwright-core) opens the issue page and
 * the pull request page the run links to. The issue page shows the progress
 * comment in its final state; the PR page shows each agent's commit and a
 * diff whose added lines are the files on the branch. Screenshots go to
 * artifacts/sandbox-pages/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO_ISSUE } from '../../client/demo.js';
import { createOctokit } from '../../common/github-client.js';
import { agentCommits, repoChecks } from '../support/repo-checks.js';
import { startStack, type Stack } from '../support/stack.js';

jest.setTimeout(300_000);

const SHOTS = join(
  process.env.BLOGTUBE_ARTIFACTS_DIR ?? join(process.cwd(), 'artifacts'),
  'sandbox-pages',
);
let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  stack = await startStack();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  mkdirSync(SHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

interface DiffRow {
  kind: 'ins' | 'del' | 'cntx' | 'info';
  newLine: number | null;
  text: string;
}

/** Every file diff2html drew on the page: its name and its rows (unified view). */
function renderedDiff(page: Page): Promise<{ name: string; rows: DiffRow[] }[]> {
  return page.$$eval('.d2h-file-wrapper', (files) =>
    files.map((file) => ({
      name: file.querySelector('.d2h-file-header .d2h-file-name')?.textContent?.trim() ?? '',
      rows: [...file.querySelectorAll('tbody.d2h-diff-tbody > tr')].map((tr) => {
        const cell = tr.children[1];
        const kind = (['ins', 'del', 'cntx', 'info'] as const).find((k) =>
          cell?.classList.contains(`d2h-${k}`),
        );
        const num = tr.querySelector('.line-num2')?.textContent?.trim() ?? '';
        return {
          kind: kind ?? 'info',
          newLine: num === '' ? null : Number(num),
          text: cell?.querySelector('.d2h-code-line-ctn')?.textContent ?? '',
        };
      }),
    })),
  );
}

it('after a demo run, the issue page shows the final progress comment and the PR page each agent’s commit and the branch’s files as its diff', async () => {
  const opened = await stack.openIssue(DEMO_ISSUE);
  const checks = repoChecks(stack);
  const { result, status } = await checks.finished(opened.number);
  expect(result.phase).toBe('done');
  const prUrl = status.prUrl ?? '';
  expect(prUrl).toMatch(new RegExp(`^${stack.github.url}/${stack.owner}/${stack.repo}/pull/\\d+$`));
  const octokit = createOctokit(stack.github.url, undefined);
  const { data: issue } = await octokit.rest.issues.get({
    owner: stack.owner,
    repo: stack.repo,
    issue_number: opened.number,
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

  // The issue page: the body, and the progress comment as the run left it.
  const issuePage = await page.goto(issue.html_url);
  expect(issuePage?.status()).toBe(200);
  const [progress] = await checks.progressComments(opened.number);
  expect(progress?.body).toContain(prUrl);
  const boxes = await page.locator('.box').allInnerTexts();
  expect(boxes[0]).toContain('As a viewer I want to save videos into named playlists.');
  const shown = boxes.find((b) => b.includes('BlogTube Automation'));
  expect(shown).toContain('BlogTube Automation — Done');
  expect(shown).toContain(`Pull request: ${prUrl}`);
  for (const agent of status.agents) expect(shown).toMatch(new RegExp(`✅ ${agent.agent}\\s+done`));
  expect(await page.locator('body').innerText()).not.toContain('blogtube:progress');
  await page.screenshot({ path: join(SHOTS, 'issue.png'), fullPage: true });

  // The pull request page: one commit per agent, with its trailer.
  const prPage = await page.goto(prUrl);
  expect(prPage?.status()).toBe(200);
  const log = await checks.branchLog(opened.number);
  expect([...agentCommits(log).keys()].sort()).toEqual(status.agents.map((a) => a.agent).sort());
  const commitRows = await page.locator('#commits li').allInnerTexts();
  for (const entry of log.filter((e) => e.message.includes('BlogTube-Agent'))) {
    const agent = /BlogTube-Agent: (\w+)/.exec(entry.message)?.[1] ?? '';
    const row = commitRows.find((r) => r.startsWith(entry.sha.slice(0, 7)));
    expect(row).toContain(entry.message.split('\n')[0]);
    expect(row).toContain(`BlogTube-Agent: ${agent}`);
  }
  expect(await page.locator('#checks').innerText()).toContain('No checks reported');

  // The diff: exactly the files the branch changed, every added line the branch's line.
  const main = await checks.files('main');
  const branch = await checks.files(await checks.branch(opened.number));
  const changed = Object.keys(branch)
    .filter((p) => branch[p] !== main[p])
    .sort();
  const diff = await renderedDiff(page);
  expect(diff.map((f) => f.name).sort()).toEqual(changed);
  for (const file of diff) {
    const lines = (branch[file.name] ?? '').replace(/\n$/, '').split('\n');
    const added = file.rows.filter((r) => r.kind === 'ins');
    expect(added.length).toBeGreaterThan(0);
    for (const row of file.rows.filter((r) => r.kind === 'ins' || r.kind === 'cntx')) {
      expect(row.text).toBe(lines[(row.newLine ?? 0) - 1]);
    }
    if (!(file.name in main)) expect(added.map((r) => r.text)).toEqual(lines);
  }
  await page.screenshot({ path: join(SHOTS, 'pull.png'), fullPage: true });
  // The first screenful, as README shows it (docs/images/sandbox-pr.png).
  await page.setViewportSize({ width: 1280, height: 1900 });
  await page.screenshot({ path: join(SHOTS, 'pull-view.png') });
  await page.goto(`${prUrl}?diff=split`);
  expect(await page.locator('.d2h-file-side-diff').count()).toBeGreaterThan(0);
  await page.screenshot({ path: join(SHOTS, 'pull-split.png'), fullPage: true });
  await page.close();
});
