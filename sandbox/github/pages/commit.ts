/** A commit: its message, author, parents and its changes against the first parent. */
import { diffCommits } from '../diff.js';
import type { CommitObject } from '../git-store.js';
import type { Repo } from '../repo.js';
import { DIFF_CSS, diffStyle, diffView } from './diff-view.js';
import { html } from './html.js';
import { layout, when } from './layout.js';

export function commitPage(repo: Repo, commit: CommitObject, url: URL): string {
  const [subject = '', ...rest] = commit.message.split('\n');
  const details = rest.join('\n').trim();
  const parents = commit.parents.map(
    (p) => html` <a class="sha" href="/${repo.fullName}/commit/${p}">${p.slice(0, 7)}</a>`,
  );
  const body = html`<h2 class="title">${subject}</h2>
    ${details ? html`<pre class="msg">${details}</pre>` : ''}
    <div class="meta">
      <span><b>${commit.author.name}</b> committed on ${when(commit.committer.date)}</span>
      <span class="sha">commit ${commit.sha}</span
      ><span>parent${parents.length === 1 ? '' : 's'}${parents}</span>
    </div>
    <section id="files">
      ${diffView(diffCommits(repo.git, commit.parents[0], commit.sha), diffStyle(url), url)}
    </section>`;
  return layout({
    title: `${subject} · ${repo.fullName}@${commit.sha.slice(0, 7)}`,
    repo,
    tab: 'code',
    body,
    css: DIFF_CSS,
  });
}
