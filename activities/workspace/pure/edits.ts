/**
 * The text editor tool's edits as pure functions of a file's text, and the
 * record each edit leaves: small (the operation, not the file) and replayable,
 * so a workspace can be rebuilt from the branch head plus its recorded edits.
 */
import { createHash } from 'node:crypto';

/** One edit as recorded (in the agent's history) and replayed. */
export type EditOp =
  | { command: 'create'; path: string; file_text: string }
  | { command: 'str_replace'; path: string; old_str: string; new_str: string }
  | { command: 'insert'; path: string; insert_line: number; insert_text: string };

export interface RecordedEdit {
  op: EditOp;
  /** sha256 of the file after the edit: replay checks it landed the same way. */
  after: string;
  bytes: number;
}

export type EditOutcome = { ok: true; text: string } | { ok: false; error: string };

export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** 1-based line numbers where `needle` starts in `text` (every occurrence, overlaps included). */
export function matchLines(text: string, needle: string): number[] {
  const lines: number[] = [];
  if (needle === '') return lines;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
    lines.push(text.slice(0, at).split('\n').length);
  }
  return lines;
}

export function strReplace(
  text: string,
  oldStr: string,
  newStr: string,
  path: string,
): EditOutcome {
  if (oldStr === '') return { ok: false, error: 'old_str must not be empty' };
  const lines = matchLines(text, oldStr);
  if (lines.length === 0) {
    return {
      ok: false,
      error: `No replacement was performed: old_str did not appear verbatim in ${path}. View the file and copy the exact text (whitespace included).`,
    };
  }
  if (lines.length > 1) {
    return {
      ok: false,
      error: `No replacement was performed: old_str appears ${lines.length} times in ${path}, at lines ${lines.join(', ')}. Include more surrounding lines to make it unique.`,
    };
  }
  const at = text.indexOf(oldStr);
  return { ok: true, text: text.slice(0, at) + newStr + text.slice(at + oldStr.length) };
}

/** Inserts `insertText` after line `line` (0: at the top). */
export function insertAt(
  text: string,
  line: number,
  insertText: string,
  path: string,
): EditOutcome {
  const lines = text === '' ? [] : text.split('\n');
  const trailing = text.endsWith('\n');
  const count = trailing ? lines.length - 1 : lines.length;
  if (!Number.isInteger(line) || line < 0 || line > count) {
    return {
      ok: false,
      error: `insert_line ${line} is out of range: ${path} has ${count} lines (use 0 to ${count})`,
    };
  }
  const body = trailing ? lines.slice(0, -1) : lines;
  const added = insertText.endsWith('\n') ? insertText.slice(0, -1) : insertText;
  const out = [...body.slice(0, line), ...added.split('\n'), ...body.slice(line)];
  return { ok: true, text: `${out.join('\n')}${trailing || count === 0 ? '\n' : ''}` };
}

/** Applies one recorded operation to the current text of its file (undefined: no such file). */
export function applyEdit(current: string | undefined, op: EditOp): EditOutcome {
  if (op.command === 'create') return { ok: true, text: op.file_text };
  if (current === undefined) return { ok: false, error: `${op.path} does not exist` };
  if (op.command === 'str_replace') return strReplace(current, op.old_str, op.new_str, op.path);
  return insertAt(current, op.insert_line, op.insert_text, op.path);
}

/** `cat -n` of a file, optionally lines [start, end] (end -1: to the last line). */
export function numberedView(
  text: string,
  range?: readonly [number, number],
): { ok: true; text: string } | { ok: false; error: string } {
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  let start = 1;
  let end = lines.length;
  if (range) {
    [start, end] = [range[0], range[1] === -1 ? lines.length : range[1]];
    if (!Number.isInteger(start) || start < 1 || start > Math.max(lines.length, 1)) {
      return { ok: false, error: `view_range start ${start} is out of range 1-${lines.length}` };
    }
    if (!Number.isInteger(end) || end < start || end > lines.length) {
      return {
        ok: false,
        error: `view_range end ${range[1]} is out of range ${start}-${lines.length} (or -1)`,
      };
    }
  }
  const out = lines
    .slice(start - 1, end)
    .map((l, i) => `${String(start + i).padStart(6)}\t${l}`)
    .join('\n');
  return { ok: true, text: out };
}
