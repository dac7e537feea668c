/** The index at `/` (every repository, its issues and pull requests) and the two list pages. */
import type { Repo } from '../repo.js';
import type { SimStore } from '../store.js';
import { html } from './html.js';
import { issueRow, layout, rows } from './layout.js';

function newestFirst(repo: Repo, pulls: boolean) {
  return [...repo.issues.values()]
    .filter((i) => (i.pull !== undefined) === pulls)
    .sort((a, b) => b.number - a.number);
}

export function indexPage(store: SimStore): string {
  const body = html`<h2 class="title">Sandbox repositories</h2>
    <p class="muted">
      The GitHub simulator's state: issues the demo opened, the crew's progress comments and pull
      requests. Reload to follow a run.
    </p>
    ${store.all().map(
      (repo) =>
        html`<section>
          <h3><a href="/${repo.fullName}">${repo.fullName}</a></h3>
          <div class="layout">
            <div class="main">
              <h4>Issues</h4>
              ${rows(
                newestFirst(repo, false).map((i) => issueRow(repo, i)),
                'No issues yet: run npx blogtube demo.',
              )}
            </div>
            <div class="main">
              <h4>Pull requests</h4>
              ${rows(
                newestFirst(repo, true).map((i) => issueRow(repo, i)),
                'No pull requests yet.',
              )}
            </div>
          </div>
        </section>`,
    )}`;
  return layout({ title: 'BlogTube sandbox', body });
}

export function listPage(repo: Repo, pulls: boolean): string {
  const what = pulls ? 'Pull requests' : 'Issues';
  const body = html`<h2 class="title">${what}</h2>
    ${rows(
      newestFirst(repo, pulls).map((i) => issueRow(repo, i)),
      `No ${what.toLowerCase()} yet.`,
    )}`;
  return layout({
    title: `${what} · ${repo.fullName}`,
    repo,
    tab: pulls ? 'pulls' : 'issues',
    body,
  });
}
