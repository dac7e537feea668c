/**
 * Test support for the Anthropic simulator: an in-memory repository and an
 * agent loop shaped like workflows/agent.ts (same prompt builder, same path
 * guard, same tool results), driven turn by turn through the real SDK.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type {
  Message,
  MessageCreateParamsNonStreaming,
  MessageParam,
} from '@anthropic-ai/sdk/resources/messages';
import { buildSystem, firstUserContent, renderMessages, TOOLS } from '../../common/text/prompts.js';
import { checkRead, checkWrite } from '../../common/path-guard.js';
import type { AgentMessage, AgentType, PromptContext } from '../../common/schemas.js';

export const MODEL = 'claude-sonnet-5-5';

export const REPO_FILES: Readonly<Record<string, string>> = {
  'README.md': '# BlogTube\n\nA blog with videos.\n',
  'api/routes/posts.js': "import { Router } from 'express';\nexport default Router();\n",
  'api/server.js': "import posts from './routes/posts.js';\n",
  'db/migrations/001_init.sql': 'CREATE TABLE posts (id BIGSERIAL PRIMARY KEY);\n',
  'db/migrations/002_comments.sql': 'CREATE TABLE comments (id BIGSERIAL PRIMARY KEY);\n',
  'web/src/components/PostList.jsx': 'export default function PostList() { return null; }\n',
  'deploy/app.yml': 'kind: Deployment\n',
  'docs/guide.md': '# Guide\n',
  '.github/workflows/ci.yml': 'on: push\n',
};

export const WRITABLE: Readonly<Record<AgentType, string[]>> = {
  database: ['db/**'],
  backend: ['api/**'],
  frontend: ['web/**'],
  devops: ['deploy/**'],
  documentation: ['docs/**', 'README.md'],
};

export interface AgentSetup {
  agent: AgentType;
  writablePaths?: string[];
  teammates?: AgentType[];
  issue?: { number: number; title: string; body: string };
  /** Messages waiting in the inbox before the first turn. */
  inbox?: AgentMessage[];
}

export function promptContext(setup: AgentSetup): PromptContext {
  return {
    agent: setup.agent,
    repo: 'blogtube/blogtube',
    issue: setup.issue ?? {
      number: 42,
      title: 'Add video chapters to posts',
      body: 'Posts with a video should show chapters.',
    },
    analysis: {
      type: 'feature',
      confidence: 0.9,
      complexity: 'moderate',
      risk: 'low',
      agents: [setup.agent],
      reasons: [],
    },
    writablePaths: setup.writablePaths ?? WRITABLE[setup.agent],
    teammates: setup.teammates ?? [],
    dependencySummaries: [],
    docsRef: 'main',
  };
}

export interface LoopOptions {
  stream?: boolean;
  maxTurns?: number;
  /** After `finish`, send its tool_result back once more (expects an end_turn answer). */
  afterFinish?: boolean;
  files?: Readonly<Record<string, string>>;
  /** Globs the path guard refuses (like a repository's protected paths). */
  protectedPaths?: string[];
}

export interface LoopResult {
  /** Each request as sent. */
  requests: MessageCreateParamsNonStreaming[];
  replies: Message[];
  messages: MessageParam[];
  /** Tool calls in order: name and input. */
  calls: { name: string; input: Record<string, unknown> }[];
  written: Map<string, string>;
  refused: string[];
  sent: { to: string; text: string }[];
  summary?: string;
  /** The end_turn text, with `afterFinish`. */
  finalText?: string;
}

type ToolResult = { type: 'tool_result'; tool_use_id: string; content: string; is_error?: true };

/** Drives one agent against the simulator until it finishes (or maxTurns). */
export async function runAgentLoop(
  client: Anthropic,
  setup: AgentSetup,
  opts: LoopOptions = {},
): Promise<LoopResult> {
  const ctx = promptContext(setup);
  const files = new Map(Object.entries(opts.files ?? REPO_FILES));
  const rules = {
    allowed: ctx.writablePaths,
    protectedPaths: opts.protectedPaths ?? [],
    maxFileBytes: 100_000,
    maxFiles: 10,
  };
  const result: LoopResult = {
    requests: [],
    replies: [],
    messages: [],
    calls: [],
    written: new Map(),
    refused: [],
    sent: [],
  };
  const inbox = setup.inbox ?? [];
  const first: MessageParam['content'] = firstUserContent(ctx);
  if (inbox.length > 0) first.push({ type: 'text', text: renderMessages(inbox) });
  result.messages.push({ role: 'user', content: first });

  const call = async (): Promise<Message> => {
    const params: MessageCreateParamsNonStreaming = {
      model: MODEL,
      max_tokens: 4096,
      system: buildSystem(ctx),
      tools: TOOLS,
      messages: [...result.messages],
    };
    result.requests.push(params);
    return opts.stream
      ? client.messages.stream(params).finalMessage()
      : client.messages.create(params);
  };

  const run = (name: string, input: Record<string, unknown>, id: string): ToolResult => {
    const ok = (content: string): ToolResult => ({ type: 'tool_result', tool_use_id: id, content });
    const refuse = (content: string): ToolResult => ({ ...ok(content), is_error: true });
    switch (name) {
      case 'list_files': {
        const dir = checkRead(input.path);
        if (!dir.ok) return refuse(`refused: ${dir.reason}`);
        const prefix = dir.path === '' ? '' : `${dir.path}/`;
        const listed = [...files.keys()].filter((p) => p.startsWith(prefix)).sort();
        return ok(listed.length > 0 ? listed.join('\n') : '(no files)');
      }
      case 'read_file': {
        const file = checkRead(input.path);
        if (!file.ok) return refuse(`refused: ${file.reason}`);
        const text = files.get(file.path);
        return text === undefined ? refuse(`not found: ${file.path}`) : ok(text);
      }
      case 'write_file': {
        const verdict = checkWrite(input.path, input.content, rules, [...result.written.keys()]);
        if (!verdict.ok) {
          result.refused.push(String(input.path));
          return refuse(`refused: ${verdict.reason}`);
        }
        const content = String(input.content);
        result.written.set(verdict.path, content);
        return ok(`ok: wrote ${Buffer.byteLength(content)} bytes to ${verdict.path}`);
      }
      case 'send_message': {
        const to = String(input.to);
        if (!ctx.teammates.includes(to as AgentType)) return refuse(`refused: unknown teammate`);
        result.sent.push({ to, text: String(input.text) });
        return ok(`queued for ${to}`);
      }
      case 'finish':
        result.summary = String(input.summary);
        return ok('finished');
      default:
        return refuse(`unknown tool ${name}`);
    }
  };

  const maxTurns = opts.maxTurns ?? 20;
  for (let turn = 0; turn < maxTurns && result.summary === undefined; turn++) {
    const reply = await call();
    result.replies.push(reply);
    result.messages.push({ role: 'assistant', content: reply.content });
    const results: ToolResult[] = [];
    for (const block of reply.content) {
      if (block.type !== 'tool_use') continue;
      const input = block.input as Record<string, unknown>;
      result.calls.push({ name: block.name, input });
      results.push(run(block.name, input, block.id));
    }
    if (results.length === 0) break;
    result.messages.push({ role: 'user', content: results });
  }
  if (opts.afterFinish && result.summary !== undefined) {
    const reply = await call();
    result.replies.push(reply);
    const text = reply.content.find((b) => b.type === 'text');
    result.finalText = text?.type === 'text' ? text.text : undefined;
  }
  return result;
}

export function toolNames(reply: Message): string[] {
  return reply.content.flatMap((b) => (b.type === 'tool_use' ? [b.name] : []));
}
