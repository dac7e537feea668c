import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../../scripts/issue-data.js';

/**
 * A bench's command line, when `moduleUrl` is the entry point: `--<count> N`
 * (how many runs or kills, default as given) and `--out DIR` (default
 * bench/results); runs the bench, writes `<stamp>-<name>.json` and `.md` and
 * prints the markdown; exits 1 with the error's stack on failure.
 */
export function benchMain<R extends { startedAt: string }>(
  moduleUrl: string,
  bench: { name: string } & ({ runs: number } | { kills: number }),
  run: (count: number) => Promise<R>,
  markdown: (report: R) => string,
): void {
  if (moduleUrl !== `file://${process.argv[1]}`) return;
  const [option, count] = 'runs' in bench ? ['runs', bench.runs] : ['kills', bench.kills];
  const main = async (): Promise<void> => {
    const { values } = parseArgs({
      options: {
        [option]: { type: 'string', default: String(count) },
        out: { type: 'string', default: join(ROOT, 'bench', 'results') },
      },
    });
    const report = await run(Number(values[option]));
    const md = markdown(report);
    const out = String(values.out);
    mkdirSync(out, { recursive: true });
    const stem = join(out, `${report.startedAt.replace(/[:.]/g, '-')}-${bench.name}`);
    writeFileSync(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(`${stem}.md`, md);
    process.stdout.write(`${md}\nwritten: ${stem}.{json,md}\n`);
  };
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
