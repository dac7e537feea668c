/**
 * Anthropic's own tool types in `tools`, through the real SDK: accepted with
 * their one name and counted as the API counts them; an unknown type or a
 * wrong name gets the real API's 400. A request offering the editor tool is
 * played by the careful engineer, deterministically.
 */
import { describe, expect, it } from '@jest/globals';
import Anthropic from '@anthropic-ai/sdk';
import type { ToolUnion } from '@anthropic-ai/sdk/resources/messages';
import { buildSystem, firstUserMessage, TOOLS } from '../../common/text/prompts.js';
import { BUILTIN_TOOLS } from '../../sandbox/anthropic/protocol.js';
import { MODEL, promptContext } from './anthropic-sim-harness.js';
import { useAnthropicSim } from '../support/sims.js';

const anthropic = useAnthropicSim({}, { reset: false });

const EDITOR = { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' } as const;
const messages = [{ role: 'user' as const, content: 'Hello' }];

async function rejection(
  tools: unknown[],
): Promise<{ status: number; type: string; message: string }> {
  try {
    await anthropic.client.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages,
      tools: tools as ToolUnion[],
    });
  } catch (err) {
    if (err instanceof Anthropic.APIError) {
      const body = err.error as { error: { type: string; message: string } };
      return { status: err.status ?? 0, type: body.error.type, message: body.error.message };
    }
    throw err;
  }
  throw new Error('the request was accepted');
}

describe('built-in tool types', () => {
  it('accepts the editor, bash and the other types of SDK 1.13 next to custom tools', async () => {
    const tools = [
      EDITOR,
      { type: 'text_editor_20250429', name: 'str_replace_based_edit_tool_old' },
    ];
    // One name per type: two editors may not share it, and each has its own name.
    expect((await rejection(tools)).message).toBe(
      "tools.1.text_editor_20250429.name: Input should be 'str_replace_based_edit_tool'",
    );
    const reply = await anthropic.client.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages,
      tools: [
        { ...EDITOR, max_characters: 10_000 },
        { type: 'bash_20250124', name: 'bash' },
        { type: 'web_search_20250305', name: 'web_search', max_uses: 2 },
        { name: 'finish', input_schema: { type: 'object', properties: {} } },
      ],
    });
    expect(reply.type).toBe('message');
    for (const type of [
      'text_editor_20250124',
      'text_editor_20250429',
      'code_execution_20250825',
      'memory_20250818',
    ]) {
      const name = BUILTIN_TOOLS[type]?.name ?? '';
      const ok = await anthropic.client.messages.countTokens({
        model: MODEL,
        messages,
        tools: [{ type, name } as ToolUnion],
      });
      expect(ok.input_tokens).toBeGreaterThan(BUILTIN_TOOLS[type]?.tokens ?? 0);
    }
  });

  it('counts a built-in tool as its definition costs, not as the few bytes sent', async () => {
    const none = await anthropic.client.messages.countTokens({ model: MODEL, messages });
    const editor = await anthropic.client.messages.countTokens({
      model: MODEL,
      messages,
      tools: [EDITOR],
    });
    const bash = await anthropic.client.messages.countTokens({
      model: MODEL,
      messages,
      tools: [{ type: 'bash_20250124', name: 'bash' }],
    });
    expect(editor.input_tokens - none.input_tokens).toBe(700);
    expect(bash.input_tokens - none.input_tokens).toBe(245);
  });

  it("answers an unknown type with the API's 400 listing the expected tags", async () => {
    const r = await rejection([
      { name: 'finish', input_schema: { type: 'object' } },
      { type: 'text_editor_20990101', name: 'x' },
    ]);
    expect(r.status).toBe(400);
    expect(r.type).toBe('invalid_request_error');
    expect(r.message).toMatch(
      /^tools\.1: Input tag 'text_editor_20990101' found using 'type' does not match any of the expected tags: 'bash_20241022', .*'custom', .*'text_editor_20250728'/,
    );
    expect(
      (
        await rejection([
          { type: 'str_replace_based_edit_tool', name: 'str_replace_based_edit_tool' },
        ])
      ).message,
    ).toMatch(/^tools\.0: Input tag 'str_replace_based_edit_tool' found using 'type'/);
  });

  it('answers a missing or wrong name of a built-in tool with the field in error', async () => {
    expect((await rejection([{ type: 'bash_20250124' }])).message).toBe(
      'tools.0.bash_20250124.name: Field required',
    );
    expect(
      (await rejection([{ type: 'text_editor_20250728', name: 'str_replace_editor' }])).message,
    ).toBe("tools.0.text_editor_20250728.name: Input should be 'str_replace_based_edit_tool'");
    expect(
      (
        await rejection([
          EDITOR,
          { name: 'str_replace_based_edit_tool', input_schema: { type: 'object' } },
        ])
      ).message,
    ).toBe('tools: Tool names must be unique.');
  });
});

describe('a request offering the editor tool', () => {
  const ctx = promptContext({ agent: 'backend' });
  const params = {
    model: MODEL,
    max_tokens: 4096,
    system: buildSystem(ctx),
    tools: [EDITOR, ...TOOLS.filter((t) => t.name === 'finish')] as ToolUnion[],
    messages: [
      { role: 'user' as const, content: `${firstUserMessage(ctx)}\nTest command: npm test` },
    ],
  };

  it('is played by the careful engineer: it views the tree first, the same way on a retry', async () => {
    const first = await anthropic.client.messages.create(params);
    const again = await anthropic.client.messages.create(params);
    expect(first.stop_reason).toBe('tool_use');
    const uses = first.content.filter((b) => b.type === 'tool_use');
    expect(uses.map((b) => (b.type === 'tool_use' ? [b.name, b.input] : []))).toEqual([
      ['str_replace_based_edit_tool', { command: 'view', path: '/workspace' }],
      ['str_replace_based_edit_tool', { command: 'view', path: 'api' }],
    ]);
    expect(again.content).toEqual(first.content);
  });

  it('without the editor tool, the whole-file player answers as before', async () => {
    const reply = await anthropic.client.messages.create({ ...params, tools: TOOLS });
    expect(reply.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'list_files' });
  });
});
