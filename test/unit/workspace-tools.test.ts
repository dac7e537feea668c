import { describe, expect, it } from '@jest/globals';
import { formatRunResult } from '../../activities/workspace/pure/run-result.js';
import { assignmentBlock, buildSystem, workspaceTools } from '../../common/text/prompts.js';
import type { PromptContext } from '../../common/schemas.js';

const ctx: PromptContext = {
  agent: 'backend',
  repo: 'blogtube/blogtube',
  issue: { number: 7, title: 'A title', body: 'Fix the thing' },
  analysis: {
    type: 'bug',
    confidence: 0.9,
    complexity: 'simple',
    risk: 'low',
    agents: ['backend'],
    reasons: [],
  },
  writablePaths: ['api/**'],
  teammates: ['frontend'],
  dependencySummaries: [],
  docsRef: 'abc',
};

describe('the workspace tool set', () => {
  it('offers the editor, search, run, send_message and finish, in this order', () => {
    const tools = workspaceTools(true);
    expect(tools.map((t) => t.name)).toEqual([
      'str_replace_based_edit_tool',
      'search',
      'run',
      'send_message',
      'finish',
    ]);
    expect(tools[0]).toEqual({ type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' });
    const search = tools[1] as { input_schema: { required: string[]; properties: object } };
    expect(search.input_schema.required).toEqual(['pattern']);
    expect(Object.keys(search.input_schema.properties)).toEqual([
      'pattern',
      'glob',
      'path',
      'case_insensitive',
    ]);
    const run = tools[2] as { input_schema: { required: string[]; properties: object } };
    expect(run.input_schema.required).toEqual(['command']);
    expect(Object.keys(run.input_schema.properties)).toEqual(['command', 'timeout_seconds']);
  });

  it('leaves run out when commands are off, and never offers the whole-file tools', () => {
    const names = workspaceTools(false).map((t) => t.name);
    expect(names).toEqual(['str_replace_based_edit_tool', 'search', 'send_message', 'finish']);
    expect(names).not.toContain('write_file');
  });

  it('names the test command on a line of its own, and the writable paths', () => {
    const text = buildSystem(ctx, { workspace: { commands: true, testCommand: 'node --test' } })
      .map((b) => b.text)
      .join('\n');
    expect(text.split('\n')).toContain('Test command: node --test');
    expect(assignmentBlock(ctx)).toContain('Writable paths: api/**');
    const without = buildSystem(ctx, { workspace: { commands: false } })
      .map((b) => b.text)
      .join('\n');
    expect(without).not.toContain('Test command:');
    expect(
      buildSystem(ctx)
        .map((b) => b.text)
        .join('\n'),
    ).not.toContain('Workspace:');
  });
});

describe('the run tool result', () => {
  it('starts with the exit code and duration, a blank line, then the output', () => {
    expect(formatRunResult({ exitCode: 1, durationMs: 42, output: 'not ok 1\n' })).toBe(
      'exit code 1, 42 ms\n\nnot ok 1\n',
    );
  });

  it('says when the sandbox killed the command, and why', () => {
    const text = formatRunResult({
      exitCode: 137,
      durationMs: 1003,
      output: 'tick',
      killed: 'wall_time',
      note: 'killed: the command ran past its 1 s wall-time limit',
    });
    expect(text.split('\n')[0]).toBe('exit code 137, 1003 ms, killed: wall_time');
    expect(text).toBe(
      'exit code 137, 1003 ms, killed: wall_time\n\ntick\n[killed: the command ran past its 1 s wall-time limit]',
    );
  });
});
