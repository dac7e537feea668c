/** Pure parts of the workspace: output capping, the bwrap plan, the session protocol, edit operations. */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { capOutput, cutMarker, OutputCap } from '../../activities/workspace/pure/output.js';
import { insertAt, matchLines, strReplace } from '../../activities/workspace/pure/edits.js';
import {
  bwrapArgs,
  sandboxEnv,
  SESSION_SHELL,
} from '../../activities/workspace/pure/sandbox-plan.js';
import {
  EndScanner,
  EXECUTOR_SCRIPT,
  executorRequest,
} from '../../activities/workspace/pure/session-protocol.js';

describe('output cap', () => {
  it('keeps short output whole', () => {
    expect(capOutput('hello', 100)).toEqual({ text: 'hello', totalBytes: 5, truncated: false });
  });

  it('keeps the head and the tail, and says how much of the middle was cut', () => {
    const r = capOutput(`${'a'.repeat(50)}${'m'.repeat(1000)}${'z'.repeat(50)}`, 100);
    expect(r.truncated).toBe(true);
    expect(r.text).toBe(`${'a'.repeat(50)}${cutMarker(1000)}${'z'.repeat(50)}`);
    expect(r.totalBytes).toBe(1100);
  });

  it('streamed in any chunks, gives what one push gives', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 200 }), { maxLength: 30 }),
        fc.integer({ min: 2, max: 300 }),
        (chunks, max) => {
          const cap = new OutputCap(max);
          for (const c of chunks) cap.push(Buffer.from(c));
          const streamed = cap.result();
          expect(streamed).toEqual(capOutput(Buffer.from(chunks.join('')), max));
          const kept = Buffer.byteLength(streamed.text);
          if (!streamed.truncated) expect(kept).toBe(streamed.totalBytes);
          else
            expect(kept).toBeLessThanOrEqual(
              max + Buffer.byteLength(cutMarker(streamed.totalBytes)) + 6,
            );
        },
      ),
    );
  });
});

describe('edits', () => {
  it('finds every match with its line', () => {
    expect(matchLines('a\nb a\nc\na', 'a')).toEqual([1, 2, 4]);
    expect(strReplace('x\ny\n', 'z', 'q', 'f')).toMatchObject({ ok: false });
  });

  it('inserts at the top, in the middle and at the end, keeping the final newline', () => {
    expect(insertAt('a\nb\n', 0, 'top', 'f')).toEqual({ ok: true, text: 'top\na\nb\n' });
    expect(insertAt('a\nb\n', 1, 'mid\n', 'f')).toEqual({ ok: true, text: 'a\nmid\nb\n' });
    expect(insertAt('a\nb', 2, 'end', 'f')).toEqual({ ok: true, text: 'a\nb\nend' });
    expect(insertAt('', 0, 'only', 'f')).toEqual({ ok: true, text: 'only\n' });
  });
});

describe('the bwrap plan', () => {
  const plan = (network: boolean) =>
    bwrapArgs({
      checkoutDir: '/w/c',
      homeDir: '/w/h',
      tmpDir: '/w/t',
      system: [
        { path: '/usr', kind: 'dir' },
        { path: '/bin', kind: 'symlink', target: 'usr/bin' },
      ],
      network,
      limits: { wallSeconds: 5, memoryBytes: 1024, processes: 8, fileSizeBytes: 2048 },
      command: 'npm test',
      prlimitPath: '/usr/bin/prlimit',
      hide: ['/usr/share/key.pem', '/elsewhere/key.pem'],
    });

  it('unshares everything, the network unless asked, and makes the root read-only', () => {
    const args = plan(false);
    expect(args.slice(0, 2)).toEqual(['--unshare-all', '--die-with-parent']);
    expect(args).not.toContain('--share-net');
    expect(plan(true)).toContain('--share-net');
    expect(args.join(' ')).toContain('--remount-ro /');
    expect(args.join(' ')).toContain('--ro-bind-try /dev/null /usr/share/key.pem');
    expect(args.join(' ')).not.toContain('/elsewhere/key.pem');
    expect(args.slice(-9)).toEqual([
      '--data=1024',
      '--nproc=8',
      '--fsize=2048',
      '--core=0',
      '--nofile=4096',
      '--',
      '/bin/sh',
      '-c',
      'npm test',
    ]);
  });

  it('sets a clean environment whatever the extras say', () => {
    expect(sandboxEnv({ HOME: '/root', CI: 'false', FOO: '1' })).toMatchObject({
      CI: 'true',
      HOME: '/home/agent',
      FOO: '1',
    });
    expect(() => sandboxEnv({ 'BAD NAME': 'x' })).toThrow(/bad variable name/);
  });
});

describe('sandbox session protocol', () => {
  const nonce = '0123456789abcdef0123456789abcdef';

  it('frames a command between two nonce lines, refusing what no shell command can hold', () => {
    expect(executorRequest(nonce, 'echo a\necho b')).toBe(`${nonce}\necho a\necho b\n${nonce}\n`);
    expect(() => executorRequest(nonce, 'echo \0')).toThrow(/NUL/);
    expect(() => executorRequest('not-a-nonce', 'true')).toThrow(/32 lowercase hex/);
  });

  it('the executor unsets its names before reading, and kills what a command left', () => {
    expect(EXECUTOR_SCRIPT.split('\n')[0]).toBe('unset nonce cmd line st');
    expect(EXECUTOR_SCRIPT).toContain('kill -KILL -1');
    expect(EXECUTOR_SCRIPT).toContain('</dev/null &');
  });

  it('passes the output on and finds the status, however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        fc.integer({ min: 0, max: 255 }),
        fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 8 }),
        (text, status, cuts) => {
          const stream = Buffer.from(`${text}\n${nonce} ${status}\n`);
          const scanner = new EndScanner(nonce);
          const out: Buffer[] = [];
          let found: number | undefined;
          let at = 0;
          for (const cut of [
            ...cuts.map((c) => Math.min(c, stream.length)).sort((a, b) => a - b),
            stream.length,
          ]) {
            if (cut <= at) continue;
            const r = scanner.push(stream.subarray(at, cut));
            out.push(r.output);
            if (r.status !== undefined) found = r.status;
            at = cut;
          }
          expect(found).toBe(status);
          expect(Buffer.concat(out).toString()).toBe(text);
        },
      ),
    );
  });

  it('is not fooled by another nonce or an unfinished marker', () => {
    const scanner = new EndScanner(nonce);
    const fake = `\n${'f'.repeat(32)} 0\n`;
    const first = scanner.push(Buffer.from(`out${fake}\n${nonce} 1`));
    expect(first.status).toBeUndefined();
    expect(scanner.flush().toString()).toContain(`${nonce} 1`);
    expect(first.output.toString()).toContain('out');
  });

  it("a session's plan runs the executor shell bound read-only, with room for its own processes", () => {
    const args = bwrapArgs({
      checkoutDir: '/w/c',
      homeDir: '/w/h',
      tmpDir: '/w/t',
      system: [{ path: '/usr', kind: 'dir' }],
      network: false,
      limits: { wallSeconds: 1, memoryBytes: 1, processes: 66, fileSizeBytes: 1 },
      command: EXECUTOR_SCRIPT,
      prlimitPath: '/usr/bin/prlimit',
      shell: '/root/ws/bin/sandbox-sh',
    });
    expect(args.join(' ')).toContain(`--ro-bind /root/ws/bin/sandbox-sh ${SESSION_SHELL}`);
    expect(args.slice(-3)).toEqual([SESSION_SHELL, '-c', EXECUTOR_SCRIPT]);
    expect(args).toContain('--nproc=66');
  });
});
