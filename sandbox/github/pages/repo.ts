/** The repository: a branch's file tree with its README rendered, and single files. */
import type { CommitObject } from '../git-store.js';
import type { Repo } from '../repo.js';
import { encodePath } from '../shapes/context.js';
import { html, type Html } from './html.js';
import { layout } from './layout.js';
import { renderMarkdown } from './markdown.js';

export interface RefPath {
  ref: string;
  commit: CommitObject;
  path: string;
}

/**
 * Splits "blogtube/issue-1/api/routes" into a ref and a path, like GitHub:
 * the longest leading run of segments that names a branch, else a commit sha.
 */
export function splitRefPath(repo: Repo, rest: string): RefPath | undefined {
  const segments = rest.split('/').filter((s) => s !== '');
  for (let i = segments.length; i >= 1; i--) {
    const ref = segments.slice(0, i).join('/');
    const sha = repo.branchSha(ref);
    const commit = sha ? repo.git.commit(sha) : i === 1 ? repo.git.findCommit(ref) : undefined;
    if (commit) return { ref, commit, path: segments.slice(i).join('/') };
  }
  return undefined;
}

function branchLinks(repo: Repo, current: string): Html {
  const branches = [...repo.refs.keys()]
    .filter((r) => r.startsWith('refs/heads/'))
    .map((r) => r.slice('refs/heads/'.length))
    .sort();
  return html`<p class="switch muted">
    Branches:${branches.map(
      (b) =>
        html`<a href="/${repo.fullName}/tree/${encodePath(b)}" class="${b === current ? 'on' : ''}"
          >${b}</a
        >`,
    )}
  </p>`;
}

function crumbs(repo: Repo, at: RefPath): Html {
  const parts = at.path.split('/').filter((s) => s !== '');
  return html`<p>
    <a href="/${repo.fullName}/tree/${encodePath(at.ref)}"><b>${repo.name}</b></a
    >${parts.map(
      (p, i) =>
        html` /
          <a
            href="/${repo.fullName}/tree/${encodePath(at.ref)}/${encodePath(parts.slice(0, i + 1).join('/'))}"
            >${p}</a
          >`,
    )}
  </p>`;
}

export function treePage(repo: Repo, at: RefPath, treeSha: string): string {
  const entries = [...(repo.git.tree(treeSha) ?? [])].sort((a, b) =>
    a.type === b.type ? a.name.localeCompare(b.name) : a.type === 'tree' ? -1 : 1,
  );
  const prefix = at.path === '' ? '' : `${at.path}/`;
  const href = (kind: string, name: string) =>
    `/${repo.fullName}/${kind}/${encodePath(at.ref)}/${encodePath(prefix + name)}`;
  const readme = entries.find((e) => e.type === 'blob' && /^readme\.md$/i.test(e.name));
  const readmeText = readme ? repo.git.blob(readme.sha)?.toString('utf8') : undefined;
  const body = html`${branchLinks(repo, at.ref)}${crumbs(repo, at)}
    <div class="box">
      <div class="head">
        <b>${at.commit.author.name}</b> ${at.commit.message.split('\n')[0]}
        <a class="sha" href="/${repo.fullName}/commit/${at.commit.sha}"
          >${at.commit.sha.slice(0, 7)}</a
        >
      </div>
      <table class="files">
        ${entries.map(
          (e) =>
            html`<tr>
              <td>
                ${e.type === 'tree' ? '📁' : '📄'}
                <a href="${href(e.type === 'tree' ? 'tree' : 'blob', e.name)}">${e.name}</a>
              </td>
            </tr>`,
        )}
      </table>
    </div>
    ${
      readme
        ? html`<div class="box">
            <div class="head"><b>${readme.name}</b></div>
            <div class="body markdown">${renderMarkdown(readmeText ?? '')}</div>
          </div>`
        : ''
    }`;
  return layout({ title: `${repo.fullName} at ${at.ref}`, repo, tab: 'code', body });
}

export function blobPage(repo: Repo, at: RefPath, content: Buffer): string {
  const raw = `/${repo.fullName}/raw/${encodePath(at.ref)}/${encodePath(at.path)}`;
  const text = content.includes(0) ? '(binary file)' : content.toString('utf8');
  const body = html`${branchLinks(repo, at.ref)}${crumbs(repo, at)}
    <div class="box">
      <div class="head">${content.length} bytes · <a href="${raw}">Raw</a></div>
      <pre class="blob">${text}</pre>
    </div>`;
  return layout({ title: `${at.path} at ${at.ref} · ${repo.fullName}`, repo, tab: 'code', body });
}
