/**
 * Reads one request the way a simulated agent sees it: who it is (its
 * assignment, after the issue in the first user message, and the system
 * prompt's lines), the issue (first user message), what its tools answered so
 * far and which teammate messages it received. Pure.
 */
import type { MessagesRequest, RequestMessage } from './protocol.js';
import { toolResultText } from './protocol.js';

export interface IssueInfo {
  repo: string;
  number: number;
  title: string;
  body: string;
}

export interface ToolCall {
  id: string;
  name: string;
  input: Record<string, unknown>;
  /** The tool_result that answered it, if any. */
  result?: { text: string; isError: boolean };
}

export interface TeamMessage {
  from: string;
  text: string;
}

export interface Conversation {
  /** `Agent: <type>` from the assignment, if present. */
  agent: string | null;
  writable: string[];
  teammates: string[];
  issue: IssueInfo | null;
  /** Assistant turns already in `messages`. */
  turn: number;
  /** Every tool call so far, oldest first. */
  calls: ToolCall[];
  /** The calls the last user message answered. */
  lastAnswered: ToolCall[];
  received: TeamMessage[];
}

function labelledLine(lines: string, label: string): string | undefined {
  const re = new RegExp(`^[ \\t]*${label}:[ \\t]*(.*)$`, 'm');
  return re.exec(lines)?.[1]?.trim();
}

function list(value: string | undefined): string[] {
  if (!value || value.toLowerCase() === 'none') return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s.toLowerCase() !== 'none');
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  return text.replace(/&(#\d+|lt|gt|amp|quot|apos);/g, (m, name: string) =>
    name.startsWith('#') ? String.fromCharCode(Number(name.slice(1))) : (ENTITIES[name] ?? m),
  );
}

function texts(message: RequestMessage | undefined): string[] {
  return (message?.content ?? []).flatMap((b) => (b.type === 'text' ? [b.text] : []));
}

function readIssue(firstUser: RequestMessage | undefined): IssueInfo | null {
  const text = texts(firstUser).join('\n');
  const open = /<issue\s+repo="([^"]*)"\s+number="(\d+)"\s*>/.exec(text);
  if (!open) return null;
  const rest = text.slice(open.index);
  const title = /<title>([\s\S]*?)<\/title>/.exec(rest)?.[1] ?? '';
  const body = /<body>([\s\S]*?)<\/body>/.exec(rest)?.[1] ?? '';
  return {
    repo: decodeEntities(open[1] ?? ''),
    number: Number(open[2]),
    title: title.trim(),
    body: body.trim(),
  };
}

const MESSAGE = /<message from="([^"]*)">([\s\S]*?)<\/message>/g;

function readTeamMessages(messages: readonly RequestMessage[]): TeamMessage[] {
  const out: TeamMessage[] = [];
  for (const m of messages) {
    if (m.role !== 'user') continue;
    for (const text of texts(m)) {
      for (const match of text.matchAll(MESSAGE)) {
        out.push({ from: match[1] ?? '', text: (match[2] ?? '').trim() });
      }
    }
  }
  return out;
}

/**
 * The lines that say who the agent is: the system prompt's, then the first
 * user message's after the issue (never the issue's own text, which anyone
 * can write).
 */
function assignmentLines(req: MessagesRequest): string {
  return [...req.system.map((b) => b.text), afterIssue(texts(req.messages[0]).join('\n'))].join(
    '\n',
  );
}

/** The first message's text from the end of its issue on (all of it without an issue). */
export function afterIssue(firstMessageText: string): string {
  const end = firstMessageText.indexOf('</issue>');
  return end >= 0 ? firstMessageText.slice(end) : firstMessageText;
}

export function readConversation(req: MessagesRequest): Conversation {
  const lines = assignmentLines(req);
  const calls: ToolCall[] = [];
  const byId = new Map<string, ToolCall>();
  let lastAnswered: ToolCall[] = [];
  for (const m of req.messages) {
    if (m.role === 'assistant') {
      for (const b of m.content) {
        if (b.type !== 'tool_use') continue;
        const call: ToolCall = { id: b.id, name: b.name, input: b.input };
        calls.push(call);
        byId.set(b.id, call);
      }
      continue;
    }
    lastAnswered = [];
    for (const b of m.content) {
      if (b.type !== 'tool_result') continue;
      const call = byId.get(b.tool_use_id);
      if (!call) continue;
      call.result = { text: toolResultText(b), isError: b.is_error === true };
      lastAnswered.push(call);
    }
  }
  return {
    agent: labelledLine(lines, 'Agent') || null,
    writable: list(labelledLine(lines, 'Writable paths')),
    teammates: list(labelledLine(lines, 'Teammates')),
    issue: readIssue(req.messages[0]),
    turn: req.messages.filter((m) => m.role === 'assistant').length,
    calls,
    lastAnswered,
    received: readTeamMessages(req.messages),
  };
}

/** A string argument of a tool call ('' when absent). */
export function arg(call: ToolCall, name: string): string {
  const v = call.input[name];
  return typeof v === 'string' ? v : '';
}
