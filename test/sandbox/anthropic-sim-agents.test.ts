/**
 * The simulator plays the agents: full tool loops driven through the real
 * SDK with the real prompt builder, and the scenario knobs that bend them.
 */
import { describe, expect, it } from '@jest/globals';
import Anthropic from '@anthropic-ai/sdk';
import { AGENT_TYPES } from '../../common/schemas.js';
import type { AgentType } from '../../common/schemas.js';
import { playTurn } from '../../sandbox/anthropic/agent-player.js';
import { globDir, globExtension, isLiteralGlob } from '../../sandbox/anthropic/paths.js';
import { validateMessagesRequest } from '../../sandbox/anthropic/protocol.js';
import type { AgentKnobs } from '../../sandbox/anthropic/server.js';
import { runAgentLoop, toolNames } from './anthropic-sim-harness.js';
import { useAnthropicSim } from '../support/sims.js';

// Short prompts cached as if above the minimum length (prompt-cache.test.ts tests the minimum).
const anthropic = useAnthropicSim({ minCacheableTokens: 0 });

async function scenario(agents: Partial<Record<AgentType, AgentKnobs>>): Promise<void> {
  const res = await fetch(`${anthropic.sim.url}/_sim/scenario`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ agents }),
  });
  expect(res.status).toBe(200);
}

const EXPECTED: Record<AgentType, { list: string; read: string; write: string }> = {
  database: {
    list: 'db',
    read: 'db/migrations/001_init.sql',
    write: 'db/migrations/003_issue_42.sql',
  },
  backend: { list: 'api', read: 'api/routes/posts.js', write: 'api/routes/issue-42.js' },
  frontend: {
    list: 'web',
    read: 'web/src/components/PostList.jsx',
    write: 'web/src/components/Issue42.jsx',
  },
  devops: { list: 'deploy', read: 'deploy/app.yml', write: 'deploy/issue-42.yml' },
  documentation: { list: 'docs', read: 'docs/guide.md', write: 'docs/changes/issue-42.md' },
};

describe('a full agent loop', () => {
  it.each(AGENT_TYPES.map((a, i) => [a, i % 2 === 1] as const))(
    '%s: list, read, write, finish (stream: %s)',
    async (agent, stream) => {
      const loop = await runAgentLoop(anthropic.client, { agent }, { stream, afterFinish: true });
      const want = EXPECTED[agent];
      expect(loop.calls.map((c) => c.name)).toEqual([
        'list_files',
        'read_file',
        'write_file',
        'finish',
      ]);
      expect(loop.calls[0]?.input).toEqual({ path: want.list });
      expect(loop.calls[1]?.input).toEqual({ path: want.read });
      expect([...loop.written.keys()]).toEqual([want.write]);
      const content = loop.written.get(want.write) ?? '';
      expect(content).toContain('Add video chapters to posts');
      expect(content).toContain(want.read);
      expect(content.split('\n').length).toBeGreaterThanOrEqual(15);
      expect(loop.summary).toContain(want.write);
      expect(loop.replies[0]?.content[0]).toMatchObject({
        type: 'text',
        text: `I'll look at the \`${want.list}\` area first.`,
      });
      expect(loop.replies.slice(0, 4).map((r) => r.stop_reason)).toEqual(Array(4).fill('tool_use'));
      expect(loop.replies[4]?.stop_reason).toBe('end_turn');
      expect(loop.finalText).toContain(want.write);
      for (const r of loop.replies) {
        expect(r.usage.input_tokens + (r.usage.cache_read_input_tokens ?? 0)).toBeGreaterThan(0);
        expect(r.usage.output_tokens).toBeGreaterThan(0);
      }
      const log = anthropic.sim.requests.filter((r) => r.agent === agent);
      expect(log.map((r) => r.turn)).toEqual([0, 1, 2, 3, 4]);
      expect(log.map((r) => r.step)).toEqual(['list', 'read', 'write', 'finish', 'done']);
      expect(log.slice(1).filter((r) => !(r.cacheRead > 0))).toEqual([]);
    },
  );

  it('backend tells a frontend teammate about its API in the write turn', async () => {
    const loop = await runAgentLoop(anthropic.client, {
      agent: 'backend',
      teammates: ['frontend'],
    });
    expect(toolNames(loop.replies[2]!)).toEqual(['write_file', 'send_message']);
    expect(loop.sent).toHaveLength(1);
    expect(loop.sent[0]?.to).toBe('frontend');
    expect(loop.sent[0]?.text).toContain('GET /api/issue-42');
    expect(loop.sent[0]?.text).toContain('api/routes/issue-42.js');
  });

  it('quotes teammate messages in the summary', async () => {
    const text = 'The API is GET /api/issue-42; it returns { items }. '.repeat(3);
    const loop = await runAgentLoop(anthropic.client, {
      agent: 'frontend',
      teammates: ['backend'],
      inbox: [{ from: 'backend', to: 'frontend', text }],
    });
    expect(loop.summary).toContain(`backend: "${text.slice(0, 80)}"`);
    expect(loop.summary).not.toContain(text.slice(0, 81));
    expect(loop.summary).not.toContain('\n');
  });

  it('lists the root for a literal glob and edits that file', async () => {
    const loop = await runAgentLoop(anthropic.client, {
      agent: 'documentation',
      writablePaths: ['README.md', 'docs/**'],
    });
    expect(loop.calls[0]?.input).toEqual({ path: '' });
    expect(loop.calls[1]?.input).toEqual({ path: 'README.md' });
    const readme = loop.written.get('README.md') ?? '';
    expect(readme.startsWith('# BlogTube')).toBe(true);
    expect(readme).toContain('Issue #42: Add video chapters to posts');
  });

  it('skips the read when nothing listed is writable, and names other globs generically', async () => {
    const loop = await runAgentLoop(anthropic.client, {
      agent: 'backend',
      writablePaths: ['server/**/*.ts'],
    });
    expect(loop.calls.map((c) => c.name)).toEqual(['list_files', 'write_file', 'finish']);
    expect(loop.calls[0]?.input).toEqual({ path: 'server' });
    expect([...loop.written.keys()]).toEqual(['server/issue-42.ts']);
  });
});

describe('scenario knobs', () => {
  it('failWith answers errors a number of times, then the agent plays on', async () => {
    await scenario({ devops: { failWith: { status: 500, times: 2 } } });
    const err = (n: number) =>
      runAgentLoop(anthropic.client, { agent: 'devops' }).then(
        () => `call ${n} succeeded`,
        (e: unknown) => e,
      );
    expect(await err(1)).toBeInstanceOf(Anthropic.InternalServerError);
    expect(await err(2)).toBeInstanceOf(Anthropic.InternalServerError);
    const loop = await runAgentLoop(anthropic.client, { agent: 'devops' });
    expect(loop.summary).toContain('deploy/issue-42.yml');
    // Other agents are unaffected.
    const database = await runAgentLoop(anthropic.client, { agent: 'database' });
    expect(database.summary).toContain(EXPECTED.database.write);
  });

  it.each(['.github/workflows/ci.yml', '../etc/passwd'])(
    'writeFirst %s: refused, then the normal file, then finish',
    async (path) => {
      await scenario({ backend: { writeFirst: path } });
      const loop = await runAgentLoop(anthropic.client, { agent: 'backend' }, { stream: true });
      expect(loop.calls.map((c) => c.name)).toEqual([
        'list_files',
        'read_file',
        'write_file',
        'write_file',
        'finish',
      ]);
      expect(loop.refused).toEqual([path]);
      expect([...loop.written.keys()]).toEqual(['api/routes/issue-42.js']);
      expect(loop.replies[3]?.content[0]).toMatchObject({
        type: 'text',
        text: expect.stringContaining('refused'),
      });
    },
  );

  it('falls back to <dir>/issue-<n>.md when the normal write is refused', async () => {
    const loop = await runAgentLoop(
      anthropic.client,
      { agent: 'backend' },
      { protectedPaths: ['api/routes/**'] },
    );
    expect(loop.refused).toEqual(['api/routes/issue-42.js']);
    expect([...loop.written.keys()]).toEqual(['api/issue-42.md']);
    expect(loop.summary).toContain('api/issue-42.md');
  });

  it('finishes saying so when every candidate path is refused', async () => {
    const loop = await runAgentLoop(
      anthropic.client,
      { agent: 'backend' },
      { protectedPaths: ['api/**'] },
    );
    expect(loop.refused).toEqual(['api/routes/issue-42.js', 'api/issue-42.md']);
    expect(loop.written.size).toBe(0);
    expect(loop.summary).toMatch(
      /^Could not write a file for #42: refused: api\/issue-42.md is protected/,
    );
  });

  it('extraTurns makes a long agent (12 turns)', async () => {
    await scenario({ database: { extraTurns: 8 } });
    const loop = await runAgentLoop(anthropic.client, { agent: 'database' });
    expect(loop.replies).toHaveLength(12);
    const names = loop.calls.map((c) => c.name);
    expect(names.slice(0, 2)).toEqual(['list_files', 'read_file']);
    expect(names.slice(2, 10).filter((n) => n !== 'read_file' && n !== 'list_files')).toEqual([]);
    expect(names.slice(10)).toEqual(['write_file', 'finish']);
    expect([...loop.written.keys()]).toEqual(['db/migrations/003_issue_42.sql']);
  });

  it('messageTo sends a message at the write turn', async () => {
    await scenario({
      database: { messageTo: { to: 'backend', text: 'New table issue_42_changes.' } },
    });
    const loop = await runAgentLoop(anthropic.client, {
      agent: 'database',
      teammates: ['backend'],
    });
    expect(toolNames(loop.replies[2]!)).toEqual(['write_file', 'send_message']);
    expect(loop.sent).toEqual([{ to: 'backend', text: 'New table issue_42_changes.' }]);
  });
});

describe('the player is a pure function of the request', () => {
  it('answers a retried request identically, tool_use ids included', async () => {
    const loop = await runAgentLoop(anthropic.client, { agent: 'frontend' }, { maxTurns: 3 });
    const retry = await anthropic.client.messages.create(loop.requests[2]!);
    expect(retry.content).toEqual(loop.replies[2]?.content);
    const streamed = await anthropic.client.messages.stream(loop.requests[2]!).finalMessage();
    expect(streamed.content).toEqual(loop.replies[2]?.content);
  });

  it('derives everything from the request text', () => {
    const req = validateMessagesRequest({
      model: 'm',
      max_tokens: 100,
      system: 'Agent: devops\nWritable paths: infra/**\nTeammates: none',
      messages: [
        {
          role: 'user',
          content: '<issue repo="a/b" number="9">\n<title>T</title>\n<body>B</body>',
        },
      ],
    });
    const first = playTurn(req);
    expect(first).toEqual(playTurn(req));
    expect(first.content[1]).toMatchObject({ name: 'list_files', input: { path: 'infra' } });
  });

  it('finds directories and extensions of globs', () => {
    expect(globDir('api/**')).toBe('api');
    expect(globDir('README.md')).toBe('');
    expect(globDir('web/src/**/*.tsx')).toBe('web/src');
    expect(globDir('docs/*.md')).toBe('docs');
    expect(isLiteralGlob('README.md')).toBe(true);
    expect(globExtension('web/src/**/*.tsx')).toBe('.tsx');
    expect(globExtension('api/**')).toBeUndefined();
  });
});
