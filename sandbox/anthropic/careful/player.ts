/**
 * The careful engineer: the player for requests that offer Anthropic's text
 * editor tool. Like a model, it knows only the conversation: it views the
 * tree and its area, searches for where the change belongs, opens that file,
 * edits it with `str_replace` (a new file only where natural), adds a test,
 * runs the test command (`Test command: …` in the prompt, else `npm test`)
 * with the `run` tool, reads the `exit code` line, and finishes only when the
 * suite passes. On a failure that names an undefined identifier it searches
 * for it and fixes the line. Pure and deterministic per request.
 *
 * Knob `tests` (admin API): `break-then-fix` slips a typo into its first edit
 * (a test fails) and fixes it from the failure output; `cannot-fix` slips the
 * same way and each fix is another wrong spelling: after `fixAttempts` (2)
 * failed fixes it finishes, saying the suite still fails (a large
 * `fixAttempts` makes it run out of turns instead).
 */
import type { AgentKnobs, PlayedTurn } from '../agent-player.js';
import { receivedQuotes, TurnBuilder } from '../agent-player.js';
import type { Conversation, ToolCall } from '../conversation.js';
import { arg, decodeEntities } from '../conversation.js';
import { oneLine } from '../file-templates.js';
import { globDir, joinPath, matchesAny } from '../paths.js';
import type { MessagesRequest } from '../protocol.js';
import { changeNames, plainTitle } from './names.js';
import { genericEdits, planFor, type ChangeContext, type EditorCall, type Seen } from './plans.js';
import {
  failureLine,
  filesOfListing,
  runOutcome,
  searchHits,
  testCommand,
  textOfView,
  undefinedNames,
  type RunOutcome,
  type SearchHit,
} from './results.js';

/** The identifier the change's code uses for its value (slipped as `resutl`). */
const RESULT = 'result';
const SLIP = 'resutl';
const ROOT = '/workspace';

/** The name of the text editor tool the request offers, if any. */
export function editorToolName(req: MessagesRequest): string | undefined {
  return req.tools.find((t) => t.kind === 'builtin' && t.type.startsWith('text_editor_'))?.name;
}

function offers(req: MessagesRequest, name: string): boolean {
  return req.tools.some((t) => t.name === name);
}

function promptText(req: MessagesRequest): string {
  const system = req.system.map((b) => b.text);
  const first = (req.messages[0]?.content ?? []).flatMap((b) =>
    b.type === 'text' ? [b.text] : [],
  );
  return [...system, ...first].join('\n');
}

function dependencies(req: MessagesRequest): { agent: string; summary: string }[] {
  const text = (req.messages[0]?.content ?? [])
    .flatMap((b) => (b.type === 'text' ? [b.text] : []))
    .join('\n');
  return [...text.matchAll(/<dependency agent="([^"]*)">([\s\S]*?)<\/dependency>/g)].map((m) => ({
    agent: m[1] ?? '',
    summary: decodeEntities((m[2] ?? '').trim()),
  }));
}

function lastIndex<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i] as T)) return i;
  return -1;
}

const isEdit = (c: ToolCall, editor: string): boolean =>
  c.name === editor && ['create', 'str_replace', 'insert'].includes(arg(c, 'command'));

/** Two spellings of `word` that are not `word`: a swap of neighbouring letters. */
function misspelling(word: string, k: number, avoid: string): string {
  const out: string[] = [];
  for (let i = 1; i + 1 < word.length; i++) {
    const w = word.slice(0, i) + word.charAt(i + 1) + word.charAt(i) + word.slice(i + 2);
    if (w !== word && w !== avoid && !out.includes(w)) out.push(w);
  }
  return out[k % Math.max(1, out.length)] ?? `${word}_`;
}

/** The identifier the agent meant where it wrote `bad`: one in its own edits with the same letters. */
function intended(bad: string, texts: readonly string[]): string | undefined {
  const sorted = (w: string): string => [...w].sort().join('');
  const ids = new Set(texts.flatMap((t) => t.match(/[A-Za-z_$][\w$]*/g) ?? []));
  return [...ids].find((id) => id !== bad && sorted(id) === sorted(bad));
}

interface State {
  req: MessagesRequest;
  conv: Conversation;
  knobs: AgentKnobs;
  editor: string;
  turn: TurnBuilder;
}

function finishTurn(s: State, summary: string): PlayedTurn {
  const extra = s.knobs.summary ? ` ${s.knobs.summary}` : '';
  return s.turn.use('finish', { summary: summary + receivedQuotes(s.conv) + extra }).done('finish');
}

function changedFiles(s: State): { edited: string[]; added: string[] } {
  const ok = s.conv.calls.filter((c) => isEdit(c, s.editor) && c.result && !c.result.isError);
  const paths = (cmd: string): string[] => [
    ...new Set(ok.filter((c) => arg(c, 'command') === cmd).map((c) => arg(c, 'path'))),
  ];
  const added = paths('create');
  return { edited: paths('str_replace').filter((p) => !added.includes(p)), added };
}

function describeChange(s: State): string {
  const { edited, added } = changedFiles(s);
  const parts: string[] = [];
  if (edited.length > 0) parts.push(`edited ${edited.join(', ')}`);
  if (added.length > 0) parts.push(`added ${added.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'changed nothing';
}

function finishAfterRun(
  s: State,
  cmd: string,
  outcome: RunOutcome | undefined,
  fixes: number,
): PlayedTurn {
  const n = s.conv.issue?.number ?? 0;
  const title = oneLine(s.conv.issue?.title ?? '', 80);
  const head = `#${n}${title ? ` (${title})` : ''}: ${describeChange(s)}`;
  if (outcome && outcome.exitCode === 0 && !outcome.killed) {
    const fixed = fixes > 0 ? `, after fixing what the first run showed` : '';
    s.turn.say(`\`${cmd}\` passes (exit code 0). I'm done.`);
    return finishTurn(s, `${head}. \`${cmd}\` passes (exit code 0)${fixed}.`);
  }
  const code = outcome
    ? `exit code ${outcome.exitCode}${outcome.killed ? `, killed: ${outcome.killed}` : ''}`
    : 'no exit code';
  const why = outcome ? failureLine(outcome.output) : undefined;
  s.turn.say(`The tests still fail and I could not fix them; I'm stopping here and saying so.`);
  return finishTurn(
    s,
    `${head}. Tests still failing: \`${cmd}\` (${code})${why ? `: ${why}` : ''}. Needs a human look.`,
  );
}

function changeContext(s: State, names: ChangeContext['names'], slip: boolean): ChangeContext {
  return {
    names,
    issue: s.conv.issue?.number ?? 0,
    title: plainTitle(s.conv.issue?.title ?? ''),
    writable: s.conv.writable,
    dependencies: dependencies(s.req),
    result: slip ? SLIP : RESULT,
  };
}

function notes(s: State, edits: readonly EditorCall[]): Map<string, string> {
  const out = new Map<string, string>();
  const route = edits
    .map((e) =>
      e.command === 'str_replace' ? /url\.pathname === '([^']+)'/.exec(e.new_str)?.[1] : undefined,
    )
    .find(Boolean);
  if (s.conv.agent === 'backend' && route && s.conv.teammates.includes('frontend')) {
    out.set(
      'frontend',
      `I added GET ${route} in api/app.js: it answers 200 with a JSON array of rows ({ id, name }), oldest first.`,
    );
  }
  if (s.knobs.messageTo) out.set(s.knobs.messageTo.to, s.knobs.messageTo.text);
  return out;
}

/** The files viewed whole and the hits of every search but the one that located the file. */
function seenSoFar(s: State, located: ToolCall | undefined): Seen {
  const files = new Map<string, string>();
  const hits: SearchHit[] = [];
  for (const c of s.conv.calls) {
    if (!c.result || c.result.isError) continue;
    if (c.name === s.editor && arg(c, 'command') === 'view') {
      const text = textOfView(c.result.text);
      if (text !== undefined) files.set(arg(c, 'path'), text);
    } else if (c.name === 'search' && c !== located) hits.push(...searchHits(c.result.text));
  }
  return { files, hits };
}

/** The first message's text (the issue, or a fix round's failures). */
function firstMessage(req: MessagesRequest): string {
  return (req.messages[0]?.content ?? [])
    .flatMap((b) => (b.type === 'text' ? [b.text] : []))
    .join('\n');
}

/** A fix round: the identifier the checks' failure names as undefined (undefined: not a fix round). */
export function fixRoundFailure(req: MessagesRequest): { round: number; bad?: string } | undefined {
  const text = firstMessage(req);
  const m = /^Fix round (\d+): the repository's checks failed/m.exec(text);
  if (!m) return undefined;
  return { round: Number(m[1]), bad: undefinedNames(decodeEntities(text))[0] };
}

/**
 * A fix round: the agent is sent back with a check's failure. It searches for
 * the undefined name the failure shows, reads the file, fixes that line (with
 * `cannot-fix`, another misspelling), runs the tests and finishes.
 */
function playFixRound(s: State, bad: string | undefined): PlayedTurn {
  const { turn, conv, editor } = s;
  const calls = conv.calls;
  const cmd = testCommand(promptText(s.req));
  const pattern = bad ? `\\b${bad}\\b` : undefined;
  const searched = calls.find((c) => c.name === 'search' && c.result);
  if (pattern && !searched) {
    return turn
      .say(`The checks fail with \`${bad} is not defined\`. Let me find where that is.`)
      .use('search', { pattern })
      .done('search');
  }
  const hit = searched?.result
    ? searchHits(searched.result.text).find((h) => matchesAny(h.path, conv.writable))
    : undefined;
  if (!bad || !hit) {
    s.turn.say(`The failure does not point at anything in my area that I can fix.`);
    return finishTurn(s, `Fix round: could not find the cause of the failure in my area.`);
  }
  const view = calls.find(
    (c) => c.name === editor && arg(c, 'command') === 'view' && arg(c, 'path') === hit.path,
  );
  if (!view?.result) {
    return turn
      .say(`I'll read \`${hit.path}\`.`)
      .use(editor, { command: 'view', path: hit.path })
      .done('view');
  }
  if (!calls.some((c) => isEdit(c, editor))) {
    const meant = intended(bad, [textOfView(view.result.text) ?? '']);
    if (!meant) return finishTurn(s, `Fix round: \`${bad}\` matches nothing I can tell it meant.`);
    const fix = s.knobs.tests === 'cannot-fix' ? misspelling(meant, 0, bad) : meant;
    return turn
      .say(`Line ${hit.line} of \`${hit.path}\` uses \`${bad}\`; it should be \`${fix}\`.`)
      .use(editor, {
        command: 'str_replace',
        path: hit.path,
        old_str: hit.text,
        new_str: hit.text.replace(new RegExp(`\\b${bad}\\b`, 'g'), fix),
      })
      .done('fix');
  }
  if (!offers(s.req, 'run'))
    return finishTurn(s, `Fix round: ${describeChange(s)}; tests not run.`);
  const lastRun = calls.filter((c) => c.name === 'run').at(-1);
  if (!lastRun) {
    return turn
      .say(`Now the test suite: \`${cmd}\`.`)
      .use('run', { command: cmd, timeout_seconds: 120 })
      .done('run');
  }
  const outcome = lastRun.result ? runOutcome(lastRun.result.text) : undefined;
  return finishAfterRun(s, cmd, outcome, 1);
}

/** The assistant's answer to one request that offers the editor tool. */
export function playCareful(
  req: MessagesRequest,
  conv: Conversation,
  knobs: AgentKnobs,
  nextId: () => string,
  editor: string,
): PlayedTurn {
  const s: State = { req, conv, knobs, editor, turn: new TurnBuilder(nextId) };
  const { turn, calls } = { turn: s.turn, calls: conv.calls };
  const finished = calls.find((c) => c.name === 'finish' && c.result);
  if (finished)
    return turn.say(`Done. ${arg(finished, 'summary') || 'my part is complete'}`).done('done');
  const fixRound = fixRoundFailure(req);
  if (fixRound) return playFixRound(s, fixRound.bad);

  const plan = planFor(conv.agent, conv.writable);
  const area = plan?.search.path ?? globDir(conv.writable[0] ?? '');
  const editorCalls = calls.filter((c) => c.name === editor);
  const viewed = (path: string): ToolCall | undefined =>
    editorCalls.find((c) => arg(c, 'command') === 'view' && arg(c, 'path') === path && c.result);

  // 1. The tree and the area.
  if (calls.length === 0) {
    turn.say(
      `I'll look at the repository and the \`${area || '.'}\` area before changing anything.`,
    );
    turn.use(editor, { command: 'view', path: ROOT });
    if (area !== '') turn.use(editor, { command: 'view', path: area });
    return turn.done('view');
  }
  const listed = [viewed(ROOT), viewed(area)].flatMap((c) =>
    c?.result && !c.result.isError ? filesOfListing(c.result.text) : [],
  );
  const names = changeNames(conv.issue?.title ?? '', conv.issue?.number ?? 0, (kebab) =>
    listed.some(
      (f) => f === joinPath(area, `${kebab}.js`) || f === joinPath(area, `${kebab}.test.js`),
    ),
  );

  // 2. Where the change belongs.
  const canSearch = offers(req, 'search');
  const located = calls.find((c) => c.name === 'search' && c.result);
  if (plan && canSearch && !calls.some((c) => c.name === 'search')) {
    return turn
      .say(`Let me find where this belongs.`)
      .use('search', { ...plan.search })
      .done('search');
  }
  const candidates =
    located?.result && !located.result.isError
      ? [...new Set(searchHits(located.result.text).map((h) => h.path))]
      : listed.filter((f) => f.startsWith(`${area}/`) && !f.endsWith('.test.js'));
  const target = plan?.pick(candidates.filter((p) => matchesAny(p, conv.writable)));

  // 3. Read the file before editing it.
  if (target && !viewed(target)) {
    turn.say(`I'll read \`${target}\`.`).use(editor, { command: 'view', path: target });
    for (const look of plan?.lookAround?.(names, listed) ?? []) {
      if (look.tool === 'view') turn.use(editor, { command: 'view', path: look.path });
      else if (canSearch) turn.use('search', { ...look.input });
    }
    return turn.done('view');
  }

  // 4. The change and its test.
  const firstRunAt = calls.findIndex((c) => c.name === 'run');
  if (!calls.some((c) => isEdit(c, editor))) {
    const view = target ? viewed(target) : undefined;
    const text = view?.result && !view.result.isError ? textOfView(view.result.text) : undefined;
    const ctx = changeContext(s, names, knobs.tests !== undefined);
    let edits = plan?.edits(
      ctx,
      target && text !== undefined ? { path: target, text } : undefined,
      seenSoFar(s, located),
    );
    if (!edits || !edits.every((e) => matchesAny(e.path, conv.writable))) edits = genericEdits(ctx);
    if (knobs.writeFirst) {
      turn.use(editor, {
        command: 'create',
        path: knobs.writeFirst,
        file_text: `# ${names.human} (#${ctx.issue})\n`,
      });
    }
    const edited = edits.filter((e) => e.command === 'str_replace').map((e) => e.path);
    const added = edits.filter((e) => e.command === 'create').map((e) => e.path);
    turn.say(
      [
        edited.length > 0
          ? `I'll change \`${edited.join('`, `')}\``
          : `Nothing here to extend; I'll add a module`,
        `and add ${added.map((p) => `\`${p}\``).join(', ')} with a test for the change.`,
      ].join(' '),
    );
    for (const e of edits) turn.use(editor, { ...e });
    for (const [to, text] of notes(s, edits)) turn.use('send_message', { to, text });
    return turn.done('edit');
  }

  // 5. Run the tests after the last change.
  const cmd = testCommand(promptText(req));
  if (!offers(req, 'run')) {
    return finishTurn(
      s,
      `#${conv.issue?.number ?? 0}: ${describeChange(s)}. Commands are off, so the tests were not run.`,
    );
  }
  const lastEditAt = lastIndex(calls, (c) => isEdit(c, editor));
  const lastRunAt = lastIndex(calls, (c) => c.name === 'run');
  if (lastRunAt < lastEditAt) {
    return turn
      .say(`Now the test suite: \`${cmd}\`.`)
      .use('run', { command: cmd, timeout_seconds: 120 })
      .done('run');
  }
  const lastRun = calls[lastRunAt];
  const outcome = lastRun?.result ? runOutcome(lastRun.result.text) : undefined;
  const fixes = calls.filter((c, i) => i > firstRunAt && isEdit(c, editor)).length;
  if (!outcome || outcome.exitCode === 0 || lastRun?.result?.isError) {
    return finishAfterRun(s, cmd, outcome, fixes);
  }

  // 6. A failure: find what it names, fix that line, run again.
  const limit = knobs.fixAttempts ?? (knobs.tests === 'cannot-fix' ? 2 : 3);
  const bad = undefinedNames(outcome.output)[0];
  if (fixes >= limit || bad === undefined) return finishAfterRun(s, cmd, outcome, fixes);
  const pattern = `\\b${bad}\\b`;
  const searched = calls
    .slice(lastRunAt + 1)
    .filter((c) => c.name === 'search' && arg(c, 'pattern') === pattern)
    .at(-1);
  if (!searched && canSearch) {
    return turn
      .say(
        `exit code ${outcome.exitCode}: \`${bad} is not defined\`. Let me find where I wrote \`${bad}\`.`,
      )
      .use('search', { pattern })
      .done('search');
  }
  const hit = searched?.result
    ? searchHits(searched.result.text).find((h) => matchesAny(h.path, conv.writable))
    : undefined;
  const own = calls
    .filter((c) => isEdit(c, editor))
    .map((c) => `${arg(c, 'new_str')}\n${arg(c, 'file_text')}`);
  const meant = intended(bad, own);
  if (!hit || !meant) return finishAfterRun(s, cmd, outcome, fixes);
  const fix = knobs.tests === 'cannot-fix' ? misspelling(meant, fixes, bad) : meant;
  return turn
    .say(`Line ${hit.line} of \`${hit.path}\` uses \`${bad}\`; it should be \`${fix}\`.`)
    .use(editor, {
      command: 'str_replace',
      path: hit.path,
      old_str: hit.text,
      new_str: hit.text.replace(new RegExp(pattern, 'g'), fix),
    })
    .done('fix');
}
