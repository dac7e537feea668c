import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  cacheRoot,
  cachedCliPath,
  ensureTemporalCli,
  parseCliVersion,
  parseGoVersion,
  TEMPORAL_CLI_VERSION,
} from '../../scripts/temporal-cli.js';
import { makeTempDir, writeExecutable } from '../support/tmp.js';

const fakeCli = (version: string): string =>
  `#!/bin/sh\necho "temporal version ${version} (Server 1.29.1, UI 2.42.1)"\n`;

let dir: string;
let cleanup: () => Promise<void>;
let logs: string[];
const log = (s: string): void => void logs.push(s);

beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
  logs = [];
});
afterEach(async () => cleanup());

/** An environment that sees only `bin` on PATH and caches under `dir/cache`. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { HOME: dir, PATH: join(dir, 'bin'), BLOGTUBE_CACHE_DIR: join(dir, 'cache'), ...extra };
}

test('pinned version', () => {
  expect(TEMPORAL_CLI_VERSION).toBe('1.5.1');
});

describe('cache location', () => {
  test('BLOGTUBE_CACHE_DIR, else XDG_CACHE_HOME/blogtube, else ~/.cache/blogtube', () => {
    expect(cacheRoot({ BLOGTUBE_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/c');
    expect(cacheRoot({ XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/x/blogtube');
    expect(cacheRoot({ HOME: '/h' })).toBe('/h/.cache/blogtube');
    expect(cachedCliPath({ HOME: '/h' })).toBe('/h/.cache/blogtube/temporal-cli/v1.5.1/temporal');
  });
});

test('version parsers', () => {
  expect(parseCliVersion('temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)\n')).toBe('1.5.1');
  expect(parseCliVersion('temporal version 0.0.0-DEV (Server 1.29.1, UI 2.42.1)')).toBe(
    '0.0.0-DEV',
  );
  expect(parseCliVersion('bash: temporal: not found')).toBeUndefined();
  expect(parseGoVersion('go version go1.26.8 linux/amd64')).toEqual([1, 26]);
  expect(parseGoVersion('go version go1.22rc1 linux/amd64')).toEqual([1, 22]);
});

describe('ensureTemporalCli', () => {
  test('TEMPORAL_CLI_PATH wins when executable', async () => {
    const cli = await writeExecutable(join(dir, 'custom', 'temporal'), fakeCli('9.9.9'));
    await writeExecutable(join(dir, 'bin', 'temporal'), fakeCli('1.5.1'));
    expect(await ensureTemporalCli({ env: env({ TEMPORAL_CLI_PATH: cli }), log })).toBe(cli);
  });

  test('TEMPORAL_CLI_PATH that is missing or not executable is a clear error', async () => {
    await expect(
      ensureTemporalCli({ env: env({ TEMPORAL_CLI_PATH: join(dir, 'nope') }), log }),
    ).rejects.toThrow(/TEMPORAL_CLI_PATH=.*nope is not an executable file/);
  });

  test('a temporal on PATH at the pinned version', async () => {
    const cli = await writeExecutable(join(dir, 'bin', 'temporal'), fakeCli('1.5.1'));
    expect(await ensureTemporalCli({ env: env(), log })).toBe(cli);
  });

  test('a temporal on PATH at another version is ignored for the cache', async () => {
    await writeExecutable(join(dir, 'bin', 'temporal'), fakeCli('1.4.0'));
    const cached = await writeExecutable(cachedCliPath(env()), fakeCli('0.0.0-DEV'));
    expect(await ensureTemporalCli({ env: env(), log })).toBe(cached);
    expect(logs.join('\n')).toMatch(/ignoring .*bin\/temporal \(version 1\.4\.0, need 1\.5\.1\)/);
  });

  test('no CLI and no Go: install instructions', async () => {
    const err = await ensureTemporalCli({ env: env(), log, goFallbacks: [] }).catch(
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/install Go >= 1\.22/);
    expect((err as Error).message).toMatch(/TEMPORAL_CLI_PATH/);
    expect((err as Error).message).toMatch(/v1\.5\.1/);
  });

  test('Go older than 1.22 is refused with instructions', async () => {
    await writeExecutable(
      join(dir, 'bin', 'go'),
      '#!/bin/sh\necho "go version go1.20.3 linux/amd64"\n',
    );
    await expect(ensureTemporalCli({ env: env(), log, goFallbacks: [] })).rejects.toThrow(
      /Go 1\.20; building the Temporal CLI needs Go >= 1\.22/,
    );
  });

  test('builds with go install into a temp GOBIN, then renames into the cache', async () => {
    const argsFile = join(dir, 'go-args');
    // A fake `go`: `version`, and `install` writing a fake CLI into $GOBIN.
    await writeExecutable(
      join(dir, 'bin', 'go'),
      `#!/bin/sh
if [ "$1" = version ]; then echo "go version go1.26.1 linux/amd64"; exit 0; fi
echo "$@" > ${argsFile}
echo "GOBIN=$GOBIN CGO_ENABLED=$CGO_ENABLED" >> ${argsFile}
echo "go: downloading github.com/temporalio/cli v1.5.1" >&2
printf '#!/bin/sh\\necho "temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)"\\n' > "$GOBIN/temporal"
`,
    );
    const path = await ensureTemporalCli({ env: env(), log });
    expect(path).toBe(cachedCliPath(env()));
    expect(existsSync(path)).toBe(true);
    const recorded = await readFile(argsFile, 'utf8');
    expect(recorded).toContain('install');
    expect(recorded).toContain('github.com/temporalio/cli/cmd/temporal@v1.5.1');
    expect(recorded).toContain('-X github.com/temporalio/cli/temporalcli.Version=1.5.1');
    expect(recorded).toMatch(new RegExp(`GOBIN=${join(dir, 'cache', 'temporal-cli')}/\\.build-`));
    expect(recorded).toContain('CGO_ENABLED=0');
    expect(logs).toContain('[go] go: downloading github.com/temporalio/cli v1.5.1');
    // The temporary GOBIN is gone.
    expect(await readdir(join(dir, 'cache', 'temporal-cli'))).toEqual(['v1.5.1']);
    // Second call: straight from the cache, no build.
    logs = [];
    expect(await ensureTemporalCli({ env: env(), log })).toBe(path);
    expect(logs).toEqual([]);
  });

  test('a failed build leaves neither a binary nor a build directory, and reports go output', async () => {
    await writeExecutable(
      join(dir, 'bin', 'go'),
      `#!/bin/sh
if [ "$1" = version ]; then echo "go version go1.26.1 linux/amd64"; exit 0; fi
printf 'half a binary' > "$GOBIN/temporal"
echo "go: github.com/temporalio/cli@v1.5.1: connection refused" >&2
exit 1
`,
    );
    await expect(ensureTemporalCli({ env: env(), log })).rejects.toThrow(/connection refused/);
    expect(existsSync(cachedCliPath(env()))).toBe(false);
    expect(await readdir(join(dir, 'cache', 'temporal-cli'))).toEqual([]);
  });

  test('a cached binary that does not run is rebuilt', async () => {
    await writeExecutable(cachedCliPath(env()), '#!/bin/sh\nexit 3\n');
    await writeExecutable(
      join(dir, 'bin', 'go'),
      `#!/bin/sh
if [ "$1" = version ]; then echo "go version go1.26.1 linux/amd64"; exit 0; fi
printf '#!/bin/sh\\necho "temporal version 1.5.1 (x)"\\n' > "$GOBIN/temporal"
`,
    );
    const path = await ensureTemporalCli({ env: env(), log });
    expect(await readFile(path, 'utf8')).toContain('temporal version 1.5.1');
    expect(logs.join('\n')).toMatch(/does not run/);
  });
});
