/**
 * Screenshots of the Temporal Web UI telling a run's story: the runs of one
 * repository (filtered by the `BlogTubeRepo` search attribute), one run (its
 * summary, details and activity summaries) and one of its agents. Drives
 * headless Chromium (Debian's `chromium`, or `CHROMIUM_PATH`) with
 * playwright-core; never downloads a browser.
 *
 *   npm run build && node dist/scripts/webui-screenshots.js --repo blogtube/blogtube \
 *     [--ui http://127.0.0.1:8233] [--workflow 'issue:blogtube/blogtube#1'] \
 *     [--out artifacts/screenshots] [--docs docs/images] [--json]
 */
import { mkdirSync, copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';

export interface ScreenshotOptions {
  uiUrl: string;
  namespace: string;
  repo: string;
  /** The run to open; default: the newest issue run of the repository. */
  workflowId?: string;
  outDir: string;
  /** Also copy the run's screenshot here (for the README). */
  docsDir?: string;
  chromiumPath: string;
  timeoutMs: number;
  log?: (s: string) => void;
}

export interface Screenshot {
  name: string;
  path: string;
  url: string;
  /** The page's visible text when the screenshot was taken. */
  text: string;
}

export interface ScreenshotResult {
  workflowId: string;
  screenshots: Screenshot[];
  docsCopy?: string;
}

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu'];

/** The visible text of the page and of its frames (the UI renders markdown details in an iframe). */
async function pageText(page: Page): Promise<string> {
  const texts = await Promise.all(
    page.frames().map((f) =>
      f
        .locator('body')
        .innerText({ timeout: 2000 })
        .catch(() => ''),
    ),
  );
  return texts.join('\n');
}

async function shoot(page: Page, outDir: string, name: string): Promise<Screenshot> {
  const path = join(outDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return { name, path, url: page.url(), text: await pageText(page) };
}

/** Wait until the page (or one of its frames) shows `text`: the UI renders asynchronously. */
async function waitForText(page: Page, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await pageText(page)).includes(text)) return;
    if (Date.now() > deadline) throw new Error(`the page never showed "${text}" (${page.url()})`);
    await page.waitForTimeout(250);
  }
}

export async function takeScreenshots(o: ScreenshotOptions): Promise<ScreenshotResult> {
  const log = o.log ?? (() => undefined);
  mkdirSync(o.outDir, { recursive: true });
  const browser = await chromium.launch({ executablePath: o.chromiumPath, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  try {
    page.setDefaultTimeout(o.timeoutMs);
    const ns = encodeURIComponent(o.namespace);
    const shots: Screenshot[] = [];

    // 1. The repository's runs, filtered by search attribute.
    const query = `BlogTubeRepo="${o.repo}"`;
    const listUrl = `${o.uiUrl}/namespaces/${ns}/workflows?query=${encodeURIComponent(query)}`;
    log(`open ${listUrl}`);
    await page.goto(listUrl);
    const prefix = `issue:${o.repo}#`;
    await waitForText(page, o.workflowId ?? prefix, o.timeoutMs);
    shots.push(await shoot(page, o.outDir, 'runs'));
    const workflowId =
      o.workflowId ?? (await page.getByText(prefix, { exact: false }).first().innerText()).trim();

    // 2. The run: summary, current details, the event history with activity summaries.
    const runUrl = `${o.uiUrl}/namespaces/${ns}/workflows/${encodeURIComponent(workflowId)}`;
    log(`open ${runUrl}`);
    await page.goto(runUrl);
    await waitForText(page, workflowId, o.timeoutMs);
    // The event history's timeline labels activities and children by their summaries.
    await waitForText(page, 'progress comment:', o.timeoutMs);
    shots.push(await shoot(page, o.outDir, 'run'));
    // Summary and current details (decoded through the codec endpoint, like every payload).
    await page
      .getByRole('tab', { name: 'User Metadata' })
      .or(page.getByText('User Metadata', { exact: true }))
      .first()
      .click();
    await waitForText(page, 'phase:', o.timeoutMs);
    shots.push(await shoot(page, o.outDir, 'run-details'));

    // 3. One agent of the run, with its turns' summaries.
    const agentId = `${workflowId}/agent:backend`;
    const agentUrl = `${o.uiUrl}/namespaces/${ns}/workflows/${encodeURIComponent(agentId)}`;
    log(`open ${agentUrl}`);
    await page.goto(agentUrl);
    await waitForText(page, 'backend agent: commit', o.timeoutMs);
    shots.push(await shoot(page, o.outDir, 'agent'));

    let docsCopy: string | undefined;
    if (o.docsDir) {
      mkdirSync(o.docsDir, { recursive: true });
      docsCopy = join(o.docsDir, 'webui-run.png');
      copyFileSync(join(o.outDir, 'run.png'), docsCopy);
      copyFileSync(join(o.outDir, 'run-details.png'), join(o.docsDir, 'webui-run-details.png'));
    }
    return { workflowId, screenshots: shots, docsCopy };
  } catch (err) {
    // Keep what the browser saw, to tell why.
    const failed = await shoot(page, o.outDir, 'failure').catch(() => undefined);
    if (failed)
      log(`the page at failure: ${failed.path} (${failed.url})\n${failed.text.slice(0, 4000)}`);
    throw err;
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ui: { type: 'string', default: process.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233' },
      namespace: { type: 'string', default: process.env.TEMPORAL_NAMESPACE ?? 'default' },
      repo: { type: 'string' },
      workflow: { type: 'string' },
      out: { type: 'string', default: 'artifacts/screenshots' },
      docs: { type: 'string' },
      chromium: { type: 'string', default: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
      timeout: { type: 'string', default: '30000' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.repo) {
    process.stdout.write(
      'usage: node dist/scripts/webui-screenshots.js --repo owner/repo [--ui URL] [--namespace NS] [--workflow ID] [--out DIR] [--docs DIR] [--chromium PATH] [--timeout MS] [--json]\n',
    );
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const result = await takeScreenshots({
    uiUrl: values.ui.replace(/\/+$/, ''),
    namespace: values.namespace,
    repo: values.repo,
    workflowId: values.workflow,
    outDir: resolve(values.out),
    docsDir: values.docs ? resolve(values.docs) : undefined,
    chromiumPath: values.chromium,
    timeoutMs: Number(values.timeout),
    log: (s) => void process.stderr.write(`${s}\n`),
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    for (const s of result.screenshots) process.stdout.write(`${s.name}: ${s.path}\n`);
    if (result.docsCopy) process.stdout.write(`copied to ${result.docsCopy}\n`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `webui-screenshots: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exitCode = 1;
  });
}
