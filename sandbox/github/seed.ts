/**
 * Builds the seeded repository `blogtube/blogtube`, identical on every reset:
 * the dependency-free Node project of ./project on `main`, in two commits.
 */
import { type FlatTree, type GitPerson } from './git-store.js';
import { Repo } from './repo.js';
import { projectSeedCommits } from './project.js';
import type { SeedCommit } from './seed-files.js';
import { type Sequence } from './sequence.js';
import { ORG, USERS, noreplyEmail } from './users.js';
import type { Account } from './users.js';

const SEED_LABELS = [
  { name: 'bug', color: 'd73a4a', description: "Something isn't working", isDefault: true },
  { name: 'enhancement', color: 'a2eeef', description: 'New feature or request', isDefault: true },
  {
    name: 'question',
    color: 'd876e3',
    description: 'Further information is requested',
    isDefault: true,
  },
  {
    name: 'documentation',
    color: '0075ca',
    description: 'Improvements or additions to documentation',
    isDefault: true,
  },
  {
    name: 'blogtube',
    color: '5319e7',
    description: 'Hand this issue to the BlogTube agents',
    isDefault: false,
  },
];

/**
 * The BlogTube web app repository. Tests may seed copies under other owners
 * (an organization account is made up for the owner), so that test files
 * sharing one Temporal server never share an issue workflow id.
 */
export function seedBlogtubeRepo(
  seq: Sequence,
  owner: Account = ORG,
  name = 'blogtube',
  id = 700001,
  commits: readonly SeedCommit[] = projectSeedCommits(),
): Repo {
  const repo = new Repo(id, owner, name, 'main', '2025-01-06T08:55:00Z', seq);
  repo.collaborators.set(USERS.maintainer.login, 'admin');
  repo.collaborators.set(USERS.contributor.login, 'write');
  repo.collaborators.set(USERS.bot.login, 'write');
  for (const label of SEED_LABELS) repo.labels.push({ id: seq.nextId(), ...label });

  const files: FlatTree = new Map();
  let parents: string[] = [];
  for (const commit of commits) {
    for (const [path, content] of Object.entries(commit.files)) {
      files.set(path, { mode: '100644', sha: repo.git.putBlob(Buffer.from(content)) });
    }
    const person: GitPerson = {
      name: USERS.maintainer.name,
      email: noreplyEmail(USERS.maintainer),
      date: commit.date,
    };
    const { sha } = repo.git.putCommit({
      tree: repo.git.writeFlat(files),
      parents,
      message: commit.message,
      author: person,
      committer: person,
    });
    parents = [sha];
  }
  repo.refs.set('refs/heads/main', parents[0] as string);
  repo.pushedAt = commits[commits.length - 1]?.date ?? repo.createdAt;
  return repo;
}
