/**
 * How the careful engineer reads its tools' answers (exactly what a model
 * sees, nothing else): the editor's `view` of a file (`cat -n` lines) or of a
 * directory (one path a line, directories ending in `/`), search hits
 * (`path:line:text`), and the `run` tool's result, whose first line is
 * `exit code <n>, <ms> ms` (then `, killed: <reason>`), a blank line, then
 * the output.
 */

/** A file's text from the editor's numbered view (`<n>\t<line>` lines). */
export function textOfView(view: string): string | undefined {
  const lines = view.split('\n');
  if (lines.at(-1) === '<response clipped>') return undefined; // not the whole file
  const out: string[] = [];
  for (const line of lines) {
    const m = /^\s*\d+\t(.*)$/.exec(line);
    if (!m) return out.length === 0 && view.trim() === '' ? '' : undefined;
    out.push(m[1] ?? '');
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** The file paths of a directory view (the header and directories left out). */
export function filesOfListing(view: string): string[] {
  return view
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.endsWith('/') && !l.startsWith('<'));
}

export interface SearchHit {
  path: string;
  line: number;
  text: string;
}

/** `path:line:text` hits (`No matches.` and the cut notice give none). */
export function searchHits(output: string): SearchHit[] {
  return output.split('\n').flatMap((l) => {
    const m = /^([^:\n]+):(\d+):(.*)$/.exec(l);
    return m ? [{ path: m[1] ?? '', line: Number(m[2]), text: m[3] ?? '' }] : [];
  });
}

export interface RunOutcome {
  exitCode: number;
  ms: number;
  killed?: string;
  output: string;
}

/** The `run` tool's result, or undefined when the text is not one. */
export function runOutcome(text: string): RunOutcome | undefined {
  const m = /^exit code (-?\d+), (\d+) ms(?:, killed: ([^\n]+))?\n/.exec(text);
  if (!m) return undefined;
  const out: RunOutcome = {
    exitCode: Number(m[1]),
    ms: Number(m[2]),
    output: text.slice(m[0].length).replace(/^\n/, ''),
  };
  if (m[3] !== undefined) out.killed = m[3];
  return out;
}

/** Identifiers a failure names as undefined (`ReferenceError: x is not defined`). */
export function undefinedNames(output: string): string[] {
  return [
    ...new Set(
      [...output.matchAll(/\b([A-Za-z_$][\w$]*) is not defined\b/g)].map((m) => m[1] ?? ''),
    ),
  ];
}

/** The first lines that say what failed (TAP `not ok`, spec `✖`), for a summary. */
export function failureLine(output: string): string | undefined {
  const line = output
    .split('\n')
    .map((l) => l.trim())
    .find((l) => /^not ok \d+/.test(l) || l.startsWith('✖'));
  return line?.slice(0, 160);
}

/** `Test command: <cmd>` in the prompt, or npm's default. */
export function testCommand(prompt: string): string {
  return /^Test command: *(.+?) *$/m.exec(prompt)?.[1] ?? 'npm test';
}
