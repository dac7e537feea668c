/**
 * The pull request page: title, draft or ready, the conversation, the commits
 * with their trailers, the head's commit statuses and the files changed.
 */
import type { CommitObject } from '../git-store.js';
import type { PullIssue, Repo } from '../repo.js';
import { pullChanges } from '../shapes/pulls.js';
import { DIFF_CSS, diffStyle, diffView } from './diff-view.js';
import { html, type Html } from './html.js';
import { layout, stateBadge, when } from './layout.js';
import { conversation, sidebarLabels } from './issue.js';

export function commitRow(repo: Repo, c: CommitObject): Html {
  const [subject = '', ...rest] = c.message.split('\n');
  const details = rest.join('\n').trim();
  return html`<li>
    <a class="sha" href="/${repo.fullName}/commit/${c.sha}">${c.sha.slice(0, 7)}</a>
    <b>${subject}</b>
    <div class="muted">${c.author.name} committed on ${when(c.committer.date)}</div>
    ${details ? html`<pre class="msg">${details}</pre>` : ''}
  </li>`;
}

const SYMBOL = { success: '✓', failure: '✗', error: '✗', pending: '●' } as const;

function checks(repo: Repo, headSha: string): Html {
  const statuses = repo.latestStatuses(headSha);
  if (statuses.length === 0) {
    return html`<p class="muted">No checks reported on ${headSha.slice(0, 7)}.</p>`;
  }
  return html`<ul class="rows">
    ${statuses.map(
      (s) =>
        html`<li class="check ${s.state}">
          <span class="dot">${SYMBOL[s.state]}</span> <b>${s.context}</b><span>${s.state}</span
          ><span class="muted">${s.description ?? ''}</span>
          ${s.targetUrl && /^https?:\/\//.test(s.targetUrl) ? html`<a href="${s.targetUrl}" rel="nofollow">Details</a>` : ''}
        </li>`,
    )}
  </ul>`;
}

export function pullPage(repo: Repo, issue: PullIssue, url: URL): string {
  const { pull } = issue;
  const changes = pullChanges(repo, pull);
  const n = changes.commits.length;
  const verb = issue.state === 'open' ? 'wants to merge' : 'proposed to merge';
  const body = html`<h2 class="title">${issue.title} <span class="num">#${issue.number}</span></h2>
    <div class="meta">
      ${stateBadge(issue)}<span
        ><b>${issue.author.login}</b> ${verb} ${n} commit${n === 1 ? '' : 's'} into
        <code>${pull.base}</code> from <code>${pull.head}</code></span
      >
    </div>
    <p class="switch">
      <a href="#conversation">Conversation</a><a href="#commits">Commits ${n}</a
      ><a href="#checks">Checks</a><a href="#files">Files changed ${changes.files.length}</a
      ><a href="/${repo.fullName}/pull/${issue.number}.diff">.diff</a>
    </p>
    <div class="layout">
      <div class="main">
        <section id="conversation">${conversation(repo, issue)}</section>
        <section id="commits">
          <h3>Commits</h3>
          <ul class="rows">
            ${changes.commits.map((c) => commitRow(repo, c))}
          </ul>
        </section>
        <section id="checks">
          <h3>Checks</h3>
          ${checks(repo, changes.headSha)}
        </section>
        <section id="files">
          <h3>Files changed</h3>
          ${diffView(changes.files, diffStyle(url), url)}
        </section>
      </div>
      <aside>
        ${sidebarLabels(issue)}
        <h3>Head</h3>
        <div class="sha">${changes.headSha.slice(0, 7)}</div>
      </aside>
    </div>`;
  return layout({
    title: `${issue.title} · Pull Request #${issue.number} · ${repo.fullName}`,
    repo,
    tab: 'pulls',
    body,
    css: DIFF_CSS,
  });
}

/** `/pull/{n}.diff`: the pull request's changes as `git diff` prints them. */
export function pullDiffText(repo: Repo, issue: PullIssue): string {
  return pullChanges(repo, issue.pull)
    .files.map((f) => f.gitDiff)
    .join('');
}
