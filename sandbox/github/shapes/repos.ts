/** Repository shapes: `repository` (nested in pulls) and `full-repository` (GET repo). */
import { permissionFlags, simpleUser } from './users.js';
import { repoApiUrl, repoHtmlUrl, nodeId, type ShapeContext } from './context.js';

export function repository(ctx: ShapeContext) {
  const { repo, origin } = ctx;
  const api = repoApiUrl(ctx);
  const host = new URL(origin).host;
  const openIssues = [...repo.issues.values()].filter((i) => i.state === 'open').length;
  const headSha = repo.branchSha(repo.defaultBranch);
  const headTree = headSha ? repo.git.commit(headSha)?.tree : undefined;
  const bytes = headTree
    ? [...repo.git.flatten(headTree).values()].reduce(
        (sum, f) => sum + (repo.git.blob(f.sha)?.length ?? 0),
        0,
      )
    : 0;
  return {
    id: repo.id,
    node_id: nodeId('R', repo.id),
    name: repo.name,
    full_name: repo.fullName,
    private: false,
    owner: simpleUser(origin, repo.owner),
    html_url: repoHtmlUrl(ctx),
    description: 'A blogging platform where posts embed videos',
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_url: `git://${host}/${repo.fullName}.git`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    ssh_url: `git@${host}:${repo.fullName}.git`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
    clone_url: `${repoHtmlUrl(ctx)}.git`,
    mirror_url: null,
    hooks_url: `${api}/hooks`,
    svn_url: repoHtmlUrl(ctx),
    homepage: null,
    language: 'JavaScript',
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: Math.ceil(bytes / 1024),
    default_branch: repo.defaultBranch,
    open_issues_count: openIssues,
    open_issues: openIssues,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: 'public',
    license: null,
    allow_forking: true,
    web_commit_signoff_required: false,
    pushed_at: repo.pushedAt,
    created_at: repo.createdAt,
    updated_at: repo.pushedAt,
    ...(ctx.viewer ? { permissions: permissionFlags(repo.permissionOf(ctx.viewer)) } : {}),
  };
}

export function fullRepository(ctx: ShapeContext) {
  return {
    ...repository(ctx),
    network_count: 0,
    subscribers_count: 0,
    temp_clone_token: null,
  };
}
