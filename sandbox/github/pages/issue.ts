/** The issue page: title, state, labels, the body and every comment in order. */
import type { Issue, Repo } from '../repo.js';
import { html, type Html } from './html.js';
import { labelChip, layout, stateBadge, when } from './layout.js';
import { renderMarkdown } from './markdown.js';

function commentBox(id: string, author: string, verb: string, at: string, body: string | null) {
  return html`<div class="box" id="${id}">
    <div class="head"><b>${author}</b> ${verb} on ${when(at)}</div>
    <div class="body markdown">${renderMarkdown(body)}</div>
  </div>`;
}

/** The opening post and the comments, oldest first, each with its author. */
export function conversation(repo: Repo, issue: Issue): Html {
  const comments = [...repo.comments.values()]
    .filter((c) => c.issueNumber === issue.number)
    .sort((a, b) => a.id - b.id);
  return html`${commentBox('issue-body', issue.author.login, 'opened this', issue.createdAt, issue.body)}
  ${comments.map((c) => commentBox(`issuecomment-${c.id}`, c.author.login, 'commented', c.createdAt, c.body))}`;
}

export function sidebarLabels(issue: Issue): Html {
  return html`<h3>Labels</h3>
    <div>${issue.labels.length > 0 ? issue.labels.map(labelChip) : 'None yet'}</div>`;
}

export function issuePage(repo: Repo, issue: Issue): string {
  const count = repo.commentCount(issue.number);
  const body = html`<h2 class="title">${issue.title} <span class="num">#${issue.number}</span></h2>
    <div class="meta">
      ${stateBadge(issue)}<span
        ><b>${issue.author.login}</b> opened this issue on ${when(issue.createdAt)} · ${count}
        comment${count === 1 ? '' : 's'}</span
      >
    </div>
    <div class="layout">
      <div class="main">${conversation(repo, issue)}</div>
      <aside>${sidebarLabels(issue)}</aside>
    </div>`;
  return layout({
    title: `${issue.title} · Issue #${issue.number} · ${repo.fullName}`,
    repo,
    tab: 'issues',
    body,
  });
}
