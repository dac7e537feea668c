/**
 * The `blogtube` command as a user runs it: a real process (the built CLI)
 * against the dev server, the bridge and the simulators.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { WorkflowNotFoundError } from '@temporalio/client';
import { issueWorkflowId } from '../../common/ids.js';
import type { IssueStatus } from '../../common/schemas.js';
import { WEBHOOK_SECRET } from '../support/stack.js';
import type { Stack } from '../support/stack.js';
import { useStack } from '../support/stack-hooks.js';

const BIN = fileURLToPath(new URL('../../bin/blogtube.js', import.meta.url));

let stack: Stack;
useStack((s) => (stack = s));

function blogtube(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: {
          PATH: process.env.PATH,
          TEMPORAL_ADDRESS: stack.settings.TEMPORAL_ADDRESS,
          GITHUB_API_URL: stack.github.url,
          BRIDGE_URL: stack.bridgeUrl,
          GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
          BLOGTUBE_CODEC_KEYS: stack.env.BLOGTUBE_CODEC_KEYS,
          ...env,
        },
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('blogtube CLI', () => {
  let number: number;

  it('demo opens an issue, delivers its signed webhook and prints the workflow and its Web UI link', async () => {
    const { code, stdout } = await blogtube([
      'demo',
      '--repo',
      `${stack.owner}/${stack.repo}`,
      '--json',
    ]);
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as {
      issueNumber: number;
      issueUrl: string;
      workflowId: string;
      uiUrl: string;
      bridgeStatus: number;
    };
    number = out.issueNumber;
    expect(out.bridgeStatus).toBe(201);
    expect(out.workflowId).toBe(issueWorkflowId({ owner: stack.owner, repo: stack.repo, number }));
    expect(out.uiUrl).toBe(
      `http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(out.workflowId)}`,
    );
    // The printed link is the issue's page on the simulated GitHub.
    expect(out.issueUrl).toBe(`${stack.github.url}/${stack.owner}/${stack.repo}/issues/${number}`);
    const page = await fetch(out.issueUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    await stack.client.workflow.getHandle(out.workflowId).result();
  });

  it('demo exits non-zero and says why when the bridge refuses its webhook', async () => {
    const { code, stdout, stderr } = await blogtube(
      ['demo', '--repo', `${stack.owner}/${stack.repo}`],
      { GITHUB_WEBHOOK_SECRET: 'not-the-bridge-secret' },
    );
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' }); // no workflow id, no Web UI link
    expect(stderr).toMatch(
      /refused the webhook \(HTTP 401 missing or invalid X-Hub-Signature-256\), so no run was started/,
    );
    expect(stderr).toContain(stack.bridgeUrl);
    expect(stderr).toMatch(/GITHUB_WEBHOOK_SECRET/);
    const opened = /opened (\S+\/issues\/(\d+)),/.exec(stderr);
    expect(opened).not.toBeNull();
    const ref = { owner: stack.owner, repo: stack.repo, number: Number(opened![2]) };
    await expect(
      stack.client.workflow.getHandle(issueWorkflowId(ref)).describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('status prints the phase, every agent and the PR url, as text and as JSON', async () => {
    const text = await blogtube(['status', `${stack.owner}/${stack.repo}#${number}`]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/phase\s+done/);
    const prUrl = /PR\s+(http\S+)/.exec(text.stdout)?.[1] ?? '';
    expect(prUrl).toMatch(
      new RegExp(`^${stack.github.url}/${stack.owner}/${stack.repo}/pull/\\d+$`),
    );
    const page = await fetch(prUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('BlogTube-Agent: backend');
    for (const agent of ['database', 'backend', 'frontend', 'documentation']) {
      expect(text.stdout).toMatch(new RegExp(`${agent}\\s+done\\s+1`));
    }
    const json = await blogtube(['status', `${stack.owner}/${stack.repo}#${number}`, '--json']);
    const status = JSON.parse(json.stdout) as IssueStatus;
    expect(status.phase).toBe('done');
    expect(status.prUrl).toMatch(/\/pull\/\d+$/);
    expect(
      status.agents.filter(
        (a) => a.state !== 'done' || a.attempts !== 1 || a.durationMs === undefined,
      ),
    ).toEqual([]);
  });

  it('list shows the run, filtered by repository', async () => {
    // Visibility is eventually consistent: give it a moment.
    let items: { workflowId: string; phase: string }[] = [];
    for (let i = 0; i < 50 && items.length === 0; i++) {
      const { stdout } = await blogtube([
        'list',
        '--repo',
        `${stack.owner}/${stack.repo}`,
        '--json',
      ]);
      items = JSON.parse(stdout) as typeof items;
      if (items.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(items.map((i) => i.workflowId)).toContain(
      issueWorkflowId({ owner: stack.owner, repo: stack.repo, number }),
    );
    expect(items.filter((i) => !i.workflowId.startsWith(`issue:${stack.owner}/`))).toEqual([]);
  });

  it('analyze: one issue as text or JSON, and a JSONL file line by line', async () => {
    const one = await blogtube([
      'analyze',
      '--title',
      'Add a playlists table and API endpoint',
      '--json',
    ]);
    expect(one.code).toBe(0);
    const a = JSON.parse(one.stdout) as {
      type: string;
      confidence: number;
      agents: string[];
      reasons: string[];
    };
    expect(a.agents).toEqual(expect.arrayContaining(['database', 'backend']));
    expect(a.confidence).toBeGreaterThan(0);
    expect(a.reasons.length).toBeGreaterThan(0);
    const text = await blogtube(['analyze', '--title', 'Fix typo in README']);
    expect(text.stdout).toMatch(/type\s+documentation/);

    const dir = await mkdtemp(join(tmpdir(), 'blogtube-analyze-'));
    const file = join(dir, 'issues.jsonl');
    await writeFile(
      file,
      [
        JSON.stringify({
          title: 'Crash when saving a post',
          body: 'Stack trace: TypeError at api/routes/posts.js',
          repo: 'a/b',
        }),
        '',
        JSON.stringify({ title: 'How do I configure the video player?', body: null }),
      ].join('\n'),
    );
    const many = await blogtube(['analyze', '--jsonl', file]);
    expect(many.code).toBe(0);
    const rows = many.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      for (const key of ['type', 'confidence', 'complexity', 'risk', 'agents'])
        expect(r).toHaveProperty(key);
    }
    expect(rows[0]?.repo).toBe('a/b');

    await writeFile(file, '{"title": "ok"}\nnot json\n');
    const bad = await blogtube(['analyze', '--jsonl', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/issues\.jsonl:2: not valid JSON/);
    const none = await blogtube(['analyze']);
    expect(none.code).toBe(2);
    await rm(dir, { recursive: true, force: true });
  });

  it('fails clearly: bad reference, unknown run, Temporal unreachable, unknown command', async () => {
    const bad = await blogtube(['status', 'not-a-ref']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expected <owner>\/<repo>#<number>/);
    const missing = await blogtube(['status', `${stack.owner}/${stack.repo}#9999`]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/no run found/);
    const down = await blogtube(['list'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(down.code).toBe(4);
    expect(down.stderr).toMatch(/cannot reach Temporal at 127\.0\.0\.1:1/);
    const unknown = await blogtube(['frobnicate']);
    expect(unknown.code).toBe(2);
    const help = await blogtube(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/status/);
  });
});
