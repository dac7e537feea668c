/**
 * A Messages API on loopback whose answers a test writes: each request is
 * answered by `script(request)` and streamed with the Anthropic simulator's
 * own event sequence (sandbox/anthropic/sse.ts), so the model worker's real
 * SDK client reads it like the real API. For tests of what the system does
 * with a model's tool calls (the workspace tools) before the simulator plays
 * them; every request is kept for assertions.
 */
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterIssue } from './anthropic/conversation.js';
import type { OutputBlock } from './anthropic/protocol.js';
import { chunker, formatSse, messageEvents, startSse } from './anthropic/sse.js';

export interface ScriptedRequest {
  system: string;
  tools: { name: string; type?: string; input_schema?: unknown }[];
  messages: {
    role: 'user' | 'assistant';
    content: {
      type: string;
      text?: string;
      id?: string;
      name?: string;
      input?: Record<string, unknown>;
      tool_use_id?: string;
      content?: unknown;
      is_error?: boolean;
    }[];
  }[];
  /** The agent its assignment names (`Agent: <type>`, after the issue in the first message). */
  agent: string;
  /** Answers the model gave so far in this conversation (0 on the first call). */
  turn: number;
}

export interface ScriptedModel {
  url: string;
  requests: ScriptedRequest[];
  close(): Promise<void>;
}

export type Script = (req: ScriptedRequest) => OutputBlock[];

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Tool calls of one answer, with ids derived from the turn (a retried call gets the same). */
export function toolCalls(
  turn: number,
  calls: [name: string, input: Record<string, unknown>][],
): OutputBlock[] {
  return calls.map(([name, input], i) => ({
    type: 'tool_use',
    id: `toolu_t${turn}_${i}`,
    name,
    input,
  }));
}

export async function startScriptedModel(script: Script): Promise<ScriptedModel> {
  const requests: ScriptedRequest[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const raw = JSON.parse(await bodyOf(req)) as {
        system?: { text: string }[] | string;
        tools?: ScriptedRequest['tools'];
        messages: ScriptedRequest['messages'];
        model: string;
      };
      const system =
        typeof raw.system === 'string'
          ? raw.system
          : (raw.system ?? []).map((b) => b.text).join('\n');
      const request: ScriptedRequest = {
        system,
        tools: raw.tools ?? [],
        messages: raw.messages,
        agent:
          /^Agent: (\w+)$/m.exec(
            afterIssue((raw.messages[0]?.content ?? []).map((b) => b.text ?? '').join('\n')),
          )?.[1] ?? '',
        turn: raw.messages.filter((m) => m.role === 'assistant').length,
      };
      requests.push(request);
      const content = script(request);
      const message = {
        id: `msg_scripted_${requests.length}`,
        type: 'message' as const,
        role: 'assistant' as const,
        model: raw.model,
        content,
        stop_reason: content.some((b) => b.type === 'tool_use')
          ? ('tool_use' as const)
          : ('end_turn' as const),
        stop_sequence: null,
        usage: {
          input_tokens: 100,
          output_tokens: 20,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      };
      startSse(res, { 'request-id': `req_scripted_${requests.length}` });
      for (const { event } of messageEvents(
        message,
        chunker(() => 0.5),
      )) {
        res.write(formatSse(event));
      }
      res.end();
    })().catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ type: 'error', error: { type: 'api_error', message: String(err) } }),
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
