/** The page shell (header, a little CSS) and the small pieces every page uses. */
import type { Issue, Label, Repo } from '../repo.js';
import { html, trusted, type Html, type HtmlPart } from './html.js';

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;background:#fff}
a{color:#0969da;text-decoration:none}a:hover{text-decoration:underline}
header.top{background:#24292f;color:#fff;padding:12px 24px;display:flex;gap:16px;align-items:center}
header.top a{color:#fff;font-weight:600}header.top .sim{color:#9198a1;font-size:12px}
.repohead{border-bottom:1px solid #d1d9e0;padding:16px 24px 0;background:#f6f8fa}
.repohead h1{font-size:20px;font-weight:400;margin:0 0 12px}
.repohead nav a{display:inline-block;padding:8px 12px;color:#1f2328;border-bottom:2px solid transparent}
.repohead nav a.on{border-bottom-color:#fd8c73;font-weight:600}
main{max-width:1280px;margin:0 auto;padding:24px}
h2.title{font-size:28px;font-weight:400;margin:0 0 8px}h2.title .num{color:#59636e}
.meta{color:#59636e;margin-bottom:16px;display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.state{display:inline-block;border-radius:2em;padding:4px 12px;color:#fff;font-weight:500}
.state.open{background:#1f883d}.state.closed{background:#8250df}.state.draft{background:#59636e}.state.issue-closed{background:#8250df}
.layout{display:flex;gap:24px;align-items:flex-start}.layout>.main{flex:1;min-width:0}.layout>aside{width:256px;color:#59636e}
aside h3{font-size:12px;margin:0 0 8px;color:#59636e}
.label{display:inline-block;border-radius:2em;padding:0 8px;font-size:12px;font-weight:500;margin:0 4px 4px 0;border:1px solid rgba(0,0,0,.1)}
.box{border:1px solid #d1d9e0;border-radius:6px;margin-bottom:16px;background:#fff}
.box>.head{background:#f6f8fa;border-bottom:1px solid #d1d9e0;padding:8px 16px;border-radius:6px 6px 0 0;color:#59636e}
.box>.head b{color:#1f2328}.box>.body{padding:16px}
.box>.body>:first-child{margin-top:0}.box>.body>:last-child{margin-bottom:0}
.markdown table{border-collapse:collapse;margin:8px 0}.markdown th,.markdown td{border:1px solid #d1d9e0;padding:6px 13px}
.markdown pre{background:#f6f8fa;padding:16px;border-radius:6px;overflow:auto}
.markdown code{background:#eff1f3;border-radius:6px;padding:.2em .4em;font-size:85%}.markdown pre code{background:none;padding:0}
.markdown img{max-width:100%}.empty{color:#59636e;font-style:italic}
section{margin-bottom:32px}section>h3{font-size:16px;border-bottom:1px solid #d1d9e0;padding-bottom:8px}
ul.rows{list-style:none;margin:0;padding:0;border:1px solid #d1d9e0;border-radius:6px}
ul.rows>li{padding:8px 16px;border-top:1px solid #d1d9e0}ul.rows>li:first-child{border-top:0}
.sha{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
pre.msg{white-space:pre-wrap;margin:4px 0 0;color:#59636e;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
.check{display:flex;gap:8px;align-items:baseline}.check .dot{font-weight:700}
.check.success .dot{color:#1f883d}.check.failure .dot,.check.error .dot{color:#d1242f}.check.pending .dot{color:#9a6700}
table.files{border-collapse:collapse;width:100%}table.files td{border-top:1px solid #d1d9e0;padding:6px 16px}
pre.blob{margin:0;padding:16px;overflow:auto;font-size:12px;counter-reset:line}
.switch a{margin-left:8px}.switch a.on{font-weight:600;color:#1f2328}
.muted{color:#59636e}
`;

export interface LayoutOptions {
  title: string;
  repo?: Repo;
  /** Which repository tab is highlighted. */
  tab?: 'code' | 'issues' | 'pulls';
  body: Html;
  /** Extra CSS (the diff renderer's). */
  css?: string;
}

function repoHeader(repo: Repo, tab: LayoutOptions['tab']): Html {
  const base = `/${repo.fullName}`;
  const counts = [...repo.issues.values()].filter((i) => i.state === 'open');
  const issues = counts.filter((i) => !i.pull).length;
  const pulls = counts.filter((i) => i.pull).length;
  const link = (href: string, name: LayoutOptions['tab'], text: string) =>
    html`<a href="${href}" class="${tab === name ? 'on' : ''}">${text}</a>`;
  return html`<div class="repohead">
    <h1>
      <a href="/${repo.owner.login}">${repo.owner.login}</a> /
      <a href="${base}"><b>${repo.name}</b></a>
    </h1>
    <nav>
      ${link(base, 'code', 'Code')}${link(`${base}/issues`, 'issues', `Issues ${issues}`)}${link(`${base}/pulls`, 'pulls', `Pull requests ${pulls}`)}
    </nav>
  </div>`;
}

export function layout(opts: LayoutOptions): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${opts.title}</title>
        <style>
          ${trusted(CSS + (opts.css ?? ''))}
        </style>
      </head>
      <body>
        <header class="top">
          <a href="/">BlogTube sandbox</a
          ><span class="sim">simulated GitHub: nothing here leaves this machine</span>
        </header>
        ${opts.repo ? repoHeader(opts.repo, opts.tab) : ''}
        <main>${opts.body}</main>
      </body>
    </html> `.value;
}

/** "2025-01-08 09:00 UTC" from the simulator's ISO timestamps. */
export function when(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** A label chip in the label's colour, with readable text on it. */
export function labelChip(label: Label): Html {
  const color = /^[0-9a-f]{6}$/i.test(label.color) ? label.color : 'ededed';
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(color.slice(i, i + 2), 16)) as [
    number,
    number,
    number,
  ];
  const dark = 0.299 * r + 0.587 * g + 0.114 * b < 150;
  return html`<span class="label" style="background:#${color};color:${dark ? '#fff' : '#1f2328'}"
    >${label.name}</span
  >`;
}

export function stateBadge(issue: Issue): Html {
  if (issue.pull?.draft && issue.state === 'open')
    return html`<span class="state draft">Draft</span>`;
  const kind = issue.state === 'open' ? 'open' : 'closed';
  return html`<span class="state ${kind}">${issue.state === 'open' ? 'Open' : 'Closed'}</span>`;
}

/** One row of an issue or pull request list. */
export function issueRow(repo: Repo, issue: Issue): Html {
  const kind = issue.pull ? 'pull' : 'issues';
  return html`<li>
    <a href="/${repo.fullName}/${kind}/${issue.number}"><b>${issue.title}</b></a>
    <span class="muted">#${issue.number}</span> ${stateBadgeText(issue)}
    ${issue.labels.map(labelChip)}
    <div class="muted">opened ${when(issue.createdAt)} by ${issue.author.login}</div>
  </li>`;
}

function stateBadgeText(issue: Issue): string {
  if (issue.pull?.draft && issue.state === 'open') return '· draft';
  return `· ${issue.state}`;
}

export function rows(items: readonly HtmlPart[], empty: string): Html {
  return items.length > 0
    ? html`<ul class="rows">
        ${items}
      </ul>`
    : html`<p class="muted">${empty}</p>`;
}
