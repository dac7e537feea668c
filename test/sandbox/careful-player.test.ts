/**
 * The careful engineer's reading of its tools' answers and its choices when a
 * tool is missing: pure functions of the request, checked without a checkout
 * (the real checkout, editor, search and sandbox are in
 * test/workspace/careful-engineer.test.ts).
 */
import { describe, expect, it } from '@jest/globals';
import { playTurn } from '../../sandbox/anthropic/agent-player.js';
import { changeNames, featureWords, plainTitle } from '../../sandbox/anthropic/careful/names.js';
import {
  failureLine,
  runOutcome,
  searchHits,
  testCommand,
  textOfView,
  undefinedNames,
} from '../../sandbox/anthropic/careful/results.js';
import type { MessagesRequest, RequestMessage } from '../../sandbox/anthropic/protocol.js';

describe('names from the issue title', () => {
  it('takes the feature words after a leading verb, up to a preposition', () => {
    expect(featureWords('Add playlists: users can group videos into playlists')).toEqual([
      'playlists',
    ]);
    expect(featureWords('Add video chapters to posts')).toEqual(['video', 'chapters']);
    expect(featureWords('Support `rm -rf /`; DROP TABLE')).toEqual(['rm', 'rf']);
    expect(featureWords('42 problems')).toEqual([]);
    expect(changeNames('Add video chapters to posts', 7, () => false)).toMatchObject({
      kebab: 'video-chapters',
      camel: 'videoChapters',
      pascal: 'VideoChapters',
      upper: 'VIDEO_CHAPTERS',
    });
    expect(changeNames('Add posts', 7, (k) => k === 'posts').kebab).toBe('posts-7');
    expect(changeNames('???', 7, () => false).camel).toBe('issue7');
    expect(plainTitle('<script>alert(1)</script> `x`')).toBe('script alert 1 script x');
  });
});

describe('tool results as the model sees them', () => {
  it('reads a numbered view back into the file, and refuses a clipped one', () => {
    expect(textOfView('     1\tconst a = 1;\n     2\t\n     3\texport { a };')).toBe(
      'const a = 1;\n\nexport { a };\n',
    );
    expect(textOfView('     1\tx\n<response clipped>')).toBeUndefined();
  });

  it('parses the run result: exit code, duration, kill reason, output', () => {
    expect(runOutcome('exit code 1, 2345 ms\n\nnot ok 1 - x\n')).toEqual({
      exitCode: 1,
      ms: 2345,
      output: 'not ok 1 - x\n',
    });
    expect(runOutcome('exit code 137, 120000 ms, killed: wall_time\n\n')).toMatchObject({
      exitCode: 137,
      killed: 'wall_time',
    });
    expect(runOutcome('Refused: commands are off')).toBeUndefined();
    const tap = "not ok 3 - lists (#42)\n  error: 'resutl is not defined'\n  name: ReferenceError";
    expect(undefinedNames(tap)).toEqual(['resutl']);
    expect(failureLine(`ok 1 - a\n${tap}`)).toBe('not ok 3 - lists (#42)');
    expect(searchHits('api/app.js:33:  return send(res, 200, resutl);\nNo matches.')).toEqual([
      { path: 'api/app.js', line: 33, text: '  return send(res, 200, resutl);' },
    ]);
    expect(testCommand('Writable paths: api/**\nTest command: make check\n')).toBe('make check');
    expect(testCommand('no line')).toBe('npm test');
  });
});

const EDITOR = {
  kind: 'builtin' as const,
  type: 'text_editor_20250728',
  name: 'str_replace_based_edit_tool',
  options: {},
};
const custom = (name: string) => ({
  kind: 'custom' as const,
  name,
  input_schema: { type: 'object' },
});

function request(tools: MessagesRequest['tools'], messages: RequestMessage[]): MessagesRequest {
  return {
    model: 'claude-sim',
    max_tokens: 4096,
    stream: false,
    system: [{ type: 'text', text: 'Agent: backend\nWritable paths: api/**\nTeammates: none' }],
    tools,
    messages: [
      {
        role: 'user',
        content: [
          {
            type: 'text',
            text: '<issue repo="o/r" number="5">\n<title>Add tags</title>\n<body>\nx\n</body>\n</issue>',
          },
        ],
      },
      ...messages,
    ],
  };
}

/** The conversation after `turns`: each assistant turn and the results given to it. */
function converse(
  tools: MessagesRequest['tools'],
  answer: (name: string, input: Record<string, unknown>) => string,
  turns: number,
) {
  const messages: RequestMessage[] = [];
  const played = [];
  for (let i = 0; i < turns; i++) {
    const turn = playTurn(request(tools, messages));
    played.push(turn);
    messages.push({ role: 'assistant', content: turn.content.map((b) => ({ ...b })) });
    const results = turn.content.flatMap((b) =>
      b.type === 'tool_use'
        ? [{ type: 'tool_result' as const, tool_use_id: b.id, content: answer(b.name, b.input) }]
        : [],
    );
    if (results.length === 0) break;
    messages.push({ role: 'user', content: results });
  }
  return played;
}

describe('without search or run', () => {
  const view = (input: Record<string, unknown>): string =>
    input.path === 'api/app.js'
      ? "     1\tfunction h() {\n     2\t  return send(res, 404, { error: 'not found' });\n     3\t}"
      : 'api/\napi/app.js';

  it('picks the file from the listing, edits it, adds a test, and says the tests were not run', () => {
    const played = converse(
      [EDITOR, custom('finish')],
      (name, input) => (name === 'finish' ? 'ok' : view(input)),
      6,
    );
    expect(played.map((t) => t.step)).toEqual(['view', 'view', 'edit', 'finish', 'done']);
    const edits = played[2]?.content.flatMap((b) => (b.type === 'tool_use' ? [b.input] : []));
    expect(edits?.map((e) => [e.command, e.path])).toEqual([
      ['str_replace', 'api/app.js'],
      ['create', 'api/tags.test.js'],
    ]);
    const finish = played[3]?.content.find((b) => b.type === 'tool_use');
    expect(finish?.type === 'tool_use' && finish.input.summary).toMatch(/tests were not run/);
  });

  it('with run, a result that is not a run result (an error) ends with the failure said', () => {
    const played = converse(
      [EDITOR, custom('run'), custom('finish')],
      (name, input) =>
        name === 'run' ? 'the sandbox is unavailable' : name === 'finish' ? 'ok' : view(input),
      8,
    );
    expect(played.map((t) => t.step)).toEqual(['view', 'view', 'edit', 'run', 'finish', 'done']);
    const finish = played.at(-2)?.content.find((b) => b.type === 'tool_use');
    expect(finish?.type === 'tool_use' && finish.input.summary).toMatch(
      /Tests still failing: `npm test` \(no exit code\)/,
    );
  });
});
