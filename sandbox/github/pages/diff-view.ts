/** A set of file changes drawn by `diff2html`, unified or side by side. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { html as diffToHtml } from 'diff2html';
import type { FileChange } from '../diff.js';
import { html, trusted, type Html } from './html.js';

const STYLESHEET = createRequire(import.meta.url).resolve(
  'diff2html/bundles/css/diff2html.min.css',
);

/** diff2html's stylesheet, without its script-driven parts (file-list toggle, "Viewed"). */
export const DIFF_CSS = `${readFileSync(STYLESHEET, 'utf8')}
.d2h-file-switch,.d2h-file-collapse{display:none}.d2h-wrapper{text-align:left}`;

export type DiffStyle = 'unified' | 'split';

export function diffStyle(url: URL): DiffStyle {
  return url.searchParams.get('diff') === 'split' ? 'split' : 'unified';
}

export function diffView(changes: readonly FileChange[], style: DiffStyle, url: URL): Html {
  const link = (to: DiffStyle, text: string) => {
    const target = new URL(url);
    target.searchParams.set('diff', to);
    target.hash = 'files';
    return html`<a
      href="${target.pathname}${target.search}${target.hash}"
      class="${style === to ? 'on' : ''}"
      >${text}</a
    >`;
  };
  const switcher = html`<p class="switch muted">
    View:${link('unified', 'Unified')}${link('split', 'Split')}
  </p>`;
  if (changes.length === 0)
    return html`${switcher}
      <p class="muted">No changes.</p>`;
  const rendered = diffToHtml(changes.map((c) => c.gitDiff).join(''), {
    outputFormat: style === 'split' ? 'side-by-side' : 'line-by-line',
    drawFileList: true,
    matching: 'lines',
  });
  // diff2html escapes file names and every line of content itself.
  return html`${switcher}${trusted(rendered)}`;
}
