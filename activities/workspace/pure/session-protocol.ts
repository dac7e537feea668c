/**
 * The protocol of a sandbox session (../sandbox-session.ts): one sandbox kept
 * for a workspace's commands, so a command pays a fork and an exec instead of
 * new namespaces (about 10 ms of kernel work each time here).
 *
 * Inside the sandbox a small POSIX shell loop, the executor, reads a request
 * from its standard input: a line with a fresh random nonce, the command's
 * lines, and the nonce again. It runs the command with `/bin/sh -c` in the
 * workspace (standard input from /dev/null, output and errors to its own
 * output), waits for it, kills every other process of the sandbox's PID
 * namespace (`kill -KILL -1` spares only PID 1 and the caller), waits until
 * they are gone, and prints `\n<nonce> <status>\n`: nothing of the command can
 * write after it, and the command cannot print the marker itself, since the
 * nonce exists only in the executor's memory (the executor is not dumpable:
 * the command, though the same user, cannot read its memory, environment or
 * descriptors). Every name the loop uses is unset first, so a variable of the
 * environment cannot export the nonce to the command.
 *
 * Pure: the script, the request's bytes and the reader of the end marker.
 */

/** The executor loop, run by a shell (dash/POSIX sh) as the sandbox's only long-lived process. */
export const EXECUTOR_SCRIPT = [
  'unset nonce cmd line st',
  'exec 2>&1',
  'while IFS= read -r nonce; do',
  '  cmd=',
  '  while IFS= read -r line; do',
  '    [ "$line" = "$nonce" ] && break',
  '    cmd="$cmd$line',
  '"',
  '  done',
  '  cd /workspace || exit 70',
  '  /bin/sh -c "$cmd" </dev/null &',
  '  wait $!',
  '  st=$?',
  '  kill -KILL -1 2>/dev/null',
  '  while :; do set -- /proc/[0-9]*; [ $# -le 2 ] && break; done',
  '  set --',
  '  printf \'\\n%s %s\\n\' "$nonce" "$st"',
  'done',
  '',
].join('\n');

/** Hex digits of a request's nonce. */
const NONCE = /^[0-9a-f]{32}$/;

/**
 * The bytes that ask the executor to run `command`. Throws on a bad nonce or a
 * command with a NUL byte (no shell command can hold one).
 */
export function executorRequest(nonce: string, command: string): string {
  if (!NONCE.test(nonce)) throw new Error('a request nonce is 32 lowercase hex digits');
  if (command.includes('\0')) throw new Error('a command cannot contain a NUL byte');
  return `${nonce}\n${command}\n${nonce}\n`;
}

/** What one chunk of the executor's output gave. */
export interface ScanResult {
  /** Output of the command, safe to pass on (never part of the marker). */
  output: Buffer;
  /** The command's exit status, once the end marker arrived. */
  status?: number;
}

/**
 * Reads the executor's output for one request: passes the command's output
 * on as it comes, holding back only the last bytes that could still be the
 * start of the end marker, and reports the status once the marker ends the
 * stream.
 */
export class EndScanner {
  private readonly prefix: Buffer;
  /** The longest a marker can be: `\n`, the nonce, a space, 3 digits, `\n`. */
  private readonly hold: number;
  private held = Buffer.alloc(0);
  private ended = false;

  constructor(nonce: string) {
    this.prefix = Buffer.from(`\n${nonce} `);
    this.hold = this.prefix.length + 4;
  }

  push(chunk: Buffer): ScanResult {
    if (this.ended) return { output: Buffer.alloc(0) };
    const all = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    const at = all.lastIndexOf(this.prefix);
    if (at >= 0) {
      const m = /^(\d{1,3})\n$/.exec(all.subarray(at + this.prefix.length).toString('latin1'));
      if (m) {
        this.ended = true;
        this.held = Buffer.alloc(0);
        return { output: all.subarray(0, at), status: Number(m[1]) };
      }
    }
    const keep = Math.min(this.hold, all.length);
    this.held = Buffer.from(all.subarray(all.length - keep));
    return { output: all.subarray(0, all.length - keep) };
  }

  /** What is still held back (the stream ended without a marker). */
  flush(): Buffer {
    const rest = this.held;
    this.held = Buffer.alloc(0);
    return rest;
  }
}
