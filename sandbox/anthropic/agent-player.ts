/**
 * Plays one turn of one agent as a pure function of the request (and the
 * scenario knobs of its agent type), so a retried request gets the same
 * answer. The script: list the writable area, read a file in it, (extra
 * exploring turns,) write a file named after the issue (retrying at a
 * fallback path when refused), finish with a summary; then end the turn.
 */
import { createHash } from 'node:crypto';
import type { Conversation, ToolCall } from './conversation.js';
import { arg, readConversation } from './conversation.js';
import { oneLine, renderFile } from './file-templates.js';
import {
  globDir,
  globExtension,
  isLiteralGlob,
  joinPath,
  matchesAny,
  matchesGlob,
} from './paths.js';
import type { MessagesRequest, OutputBlock, StopReason } from './protocol.js';
import { base62 } from './protocol.js';
import { playObedient } from './obedient.js';
import { editorToolName, playCareful } from './careful/player.js';

export type SimErrorStatus = 400 | 401 | 429 | 500 | 529;

/** Per-agent-type scenario knobs (admin API `POST /_sim/scenario`). */
export interface AgentKnobs {
  /** Answer this agent's requests with an error (`times` of them; default always). */
  failWith?: { status: SimErrorStatus; times?: number; retryAfter?: number };
  /** At the first write, try this path first (e.g. a protected one). */
  writeFirst?: string;
  /** Extra read/list turns before writing. */
  extraTurns?: number;
  /** A message sent at the first write. */
  messageTo?: { to: string; text: string };
  /** Stream a few events, then never finish. */
  hang?: boolean;
  /** A compromised model: does what the issue says and echoes key-like text (see obedient.ts). */
  obey?: boolean;
  /** Said at the end of the agent's finish summary (closing keywords, mentions, …). */
  summary?: string;
  /**
   * The careful engineer (requests offering the editor tool) slips in its
   * first edit so a test fails; `break-then-fix` fixes it from the failure
   * output, `cannot-fix` keeps making wrong fixes (see careful/player.ts).
   */
  tests?: 'break-then-fix' | 'cannot-fix';
  /** Fix attempts before finishing with the suite failing (default 3; `cannot-fix`: 2). */
  fixAttempts?: number;
}

export type Step =
  | 'list'
  | 'read'
  | 'explore'
  | 'write'
  | 'rewrite'
  | 'finish'
  | 'done'
  // the careful engineer's (careful/player.ts)
  | 'view'
  | 'search'
  | 'edit'
  | 'run'
  | 'fix';

export interface PlayedTurn {
  step: Step;
  content: OutputBlock[];
  stopReason: StopReason;
}

type Action = { name: 'list_files' | 'read_file'; path: string };

const QUOTE_CHARS = 80;

/** Ids derived from the request, so a retry gets the same tool_use ids. */
export function toolUseIds(req: MessagesRequest): () => string {
  const base = createHash('sha256')
    .update(JSON.stringify([req.system, req.messages]))
    .digest('hex');
  let i = 0;
  return () => {
    const digest = createHash('sha256').update(`${base}:${i++}`).digest();
    return `toolu_01${base62(digest, 22)}`;
  };
}

function issueNumber(conv: Conversation): number {
  return conv.issue?.number ?? 0;
}

function listing(conv: Conversation): string[] {
  return conv.calls
    .filter((c) => c.name === 'list_files' && c.result && !c.result.isError)
    .flatMap((c) => (c.result?.text ?? '').split('\n'))
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('(') && !l.endsWith('/'));
}

function nextMigrationNumber(files: readonly string[]): string {
  const used = files.flatMap((f) => {
    const m = /(?:^|\/)migrations\/(\d+)[_-]/.exec(f);
    return m ? [Number(m[1])] : [];
  });
  return String(Math.max(0, ...used) + 1).padStart(3, '0');
}

function typedPath(conv: Conversation): string | undefined {
  const n = issueNumber(conv);
  switch (conv.agent) {
    case 'database':
      return `db/migrations/${nextMigrationNumber(listing(conv))}_issue_${n}.sql`;
    case 'backend':
      return `api/routes/issue-${n}.js`;
    case 'frontend':
      return `web/src/components/Issue${n}.jsx`;
    case 'devops':
      return `deploy/issue-${n}.yml`;
    case 'documentation':
      return `docs/changes/issue-${n}.md`;
    default:
      return undefined;
  }
}

/** `<dir>/issue-<n>.md` inside a glob (the glob itself when it names one file). */
function genericPath(glob: string | undefined, n: number): string {
  if (!glob) return `issue-${n}.md`;
  if (isLiteralGlob(glob)) return glob.replace(/^\.?\/+/, '');
  return joinPath(globDir(glob), `issue-${n}${globExtension(glob) ?? '.md'}`);
}

/** The agent's own file: its typed path if inside the first writable glob, else the generic one. */
function normalPath(conv: Conversation): string {
  const first = conv.writable[0];
  const typed = typedPath(conv);
  if (typed && first && matchesGlob(typed, first)) return typed;
  return genericPath(first, issueNumber(conv));
}

function writeCandidates(conv: Conversation, knobs: AgentKnobs): string[] {
  const n = issueNumber(conv);
  const all = [
    ...(knobs.writeFirst ? [knobs.writeFirst] : []),
    normalPath(conv),
    ...conv.writable.map((g) => genericPath(g, n)),
  ];
  return [...new Set(all)];
}

function readTarget(conv: Conversation): string | undefined {
  return listing(conv).find((f) => matchesAny(f, conv.writable));
}

/** The read/list turns between the first listing and the first write. */
function explorationQueue(conv: Conversation, extraTurns: number): Action[] {
  const queue: Action[] = [];
  const target = readTarget(conv);
  if (target) queue.push({ name: 'read_file', path: target });
  const others = listing(conv).filter((f) => f !== target);
  const dirs = [...new Set([...conv.writable.map(globDir), ''])];
  for (let k = 0; k < extraTurns; k++) {
    const file = others[Math.floor(k / 2) % Math.max(1, others.length)];
    if (k % 2 === 0 && file) queue.push({ name: 'read_file', path: file });
    else queue.push({ name: 'list_files', path: dirs[k % dirs.length] ?? '' });
  }
  return queue;
}

export function receivedQuotes(conv: Conversation): string {
  if (conv.received.length === 0) return '';
  const quotes = conv.received.map(
    (m) => `${m.from}: "${m.text.replace(/\s+/g, ' ').trim().slice(0, QUOTE_CHARS)}"`,
  );
  return `; messages received: ${quotes.join('; ')}`;
}

function apiNote(path: string, n: number): string {
  return (
    `I added a REST API for issue #${n} in ${path}: GET /api/issue-${n} lists items, ` +
    `GET /api/issue-${n}/:id returns one, POST /api/issue-${n} with { title } creates one. ` +
    `Errors come back as JSON { error } with status 400 or 404.`
  );
}

export class TurnBuilder {
  readonly content: OutputBlock[] = [];
  constructor(private readonly nextId: () => string) {}

  say(text: string): this {
    this.content.push({ type: 'text', text });
    return this;
  }

  use(name: string, input: Record<string, unknown>): this {
    this.content.push({ type: 'tool_use', id: this.nextId(), name, input });
    return this;
  }

  done(step: Step): PlayedTurn {
    const stopReason = this.content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
    return { step, content: this.content, stopReason };
  }
}

function firstWrite(
  conv: Conversation,
  knobs: AgentKnobs,
  turn: TurnBuilder,
  path: string,
): PlayedTurn {
  const n = issueNumber(conv);
  const normal = normalPath(conv);
  turn.say(`Now I'll write \`${path}\` for issue #${n}.`);
  turn.use('write_file', { path, content: fileFor(conv, path) });
  const notes = new Map<string, string>();
  if (conv.agent === 'backend' && conv.teammates.includes('frontend')) {
    notes.set('frontend', apiNote(normal, n));
  }
  if (knobs.messageTo) notes.set(knobs.messageTo.to, knobs.messageTo.text);
  for (const [to, text] of notes) turn.use('send_message', { to, text });
  return turn.done('write');
}

function fileFor(conv: Conversation, path: string): string {
  const read = conv.calls.find(
    (c) => c.name === 'read_file' && c.result && !c.result.isError && arg(c, 'path') !== '',
  );
  const readPath = read ? arg(read, 'path') : undefined;
  const previous = read && readPath === path ? read.result?.text : undefined;
  const issue = conv.issue ?? { repo: 'unknown/unknown', number: 0, title: 'the task', body: '' };
  return renderFile({ agent: conv.agent ?? 'coding', path, issue, readPath, previous });
}

function finish(
  conv: Conversation,
  turn: TurnBuilder,
  written: ToolCall | undefined,
  said: string | undefined,
): PlayedTurn {
  const n = issueNumber(conv);
  const title = oneLine(conv.issue?.title ?? '', 80);
  let summary: string;
  if (written) {
    summary = `Wrote ${arg(written, 'path')} for #${n}${title ? `: ${title}` : ''}`;
  } else {
    const last = conv.calls.filter((c) => c.name === 'write_file').at(-1);
    const reason = oneLine(last?.result?.text ?? 'no writable path', QUOTE_CHARS);
    summary = `Could not write a file for #${n}: ${reason}`;
  }
  const extra = said ? ` ${said}` : '';
  return turn.use('finish', { summary: summary + receivedQuotes(conv) + extra }).done('finish');
}

/** The assistant's answer to one request. */
export function playTurn(req: MessagesRequest, knobs: AgentKnobs = {}): PlayedTurn {
  const conv = readConversation(req);
  const nextId = toolUseIds(req);
  if (knobs.obey) return playObedient(req, conv, nextId);
  const editor = editorToolName(req);
  if (editor) return playCareful(req, conv, knobs, nextId, editor);
  const turn = new TurnBuilder(nextId);

  const finished = conv.calls.find((c) => c.name === 'finish' && c.result);
  if (finished) {
    const summary = arg(finished, 'summary') || 'my part is complete';
    return turn.say(`Done. ${summary}`).done('done');
  }

  const writes = conv.calls.filter((c) => c.name === 'write_file' && c.result);
  const written = writes.find((c) => !c.result?.isError);
  if (written) return finish(conv, turn, written, knobs.summary);
  if (writes.length > 0) {
    const tried = new Set(writes.map((c) => arg(c, 'path')));
    const next = writeCandidates(conv, knobs).find((p) => !tried.has(p));
    if (!next) return finish(conv, turn, undefined, knobs.summary);
    const reason = oneLine(writes.at(-1)?.result?.text ?? 'refused', QUOTE_CHARS);
    return turn
      .say(`That write was refused (${reason}); I'll write \`${next}\` instead.`)
      .use('write_file', { path: next, content: fileFor(conv, next) })
      .done('rewrite');
  }

  if (conv.turn === 0) {
    const dir = globDir(conv.writable[0] ?? '');
    return turn
      .say(`I'll look at the ${dir ? `\`${dir}\`` : 'repository root'} area first.`)
      .use('list_files', { path: dir })
      .done('list');
  }

  const queue = explorationQueue(conv, Math.max(0, knobs.extraTurns ?? 0));
  const action = queue[conv.turn - 1];
  if (action) {
    const step: Step = conv.turn === 1 && action.name === 'read_file' ? 'read' : 'explore';
    return turn.use(action.name, { path: action.path }).done(step);
  }
  const first = writeCandidates(conv, knobs)[0] ?? normalPath(conv);
  return firstWrite(conv, knobs, turn, first);
}
