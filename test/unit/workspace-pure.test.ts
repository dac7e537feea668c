/** Pure parts of the workspace: output capping, the bwrap plan, edit operations. */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { capOutput, cutMarker, OutputCap } from '../../activities/workspace/pure/output.js';
import { insertAt, matchLines, strReplace } from '../../activities/workspace/pure/edits.js';
import { bwrapArgs, sandboxEnv } from '../../activities/workspace/pure/sandbox-plan.js';

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
