/** One simulated repository: git data, refs, labels, issues, comments and pull requests. */
import { GitStore, type CommitObject } from './git-store.js';
import { type Sequence } from './sequence.js';
import { atLeast, type Account, type Permission } from './users.js';

export interface Label {
  id: number;
  name: string;
  color: string;
  description: string | null;
  isDefault: boolean;
}

export interface PullInfo {
  id: number;
  head: string;
  base: string;
  /** Last known tips, used when a branch no longer exists. */
  headSha: string;
  baseSha: string;
  draft: boolean;
  maintainerCanModify: boolean;
}

export interface Issue {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: 'completed' | 'not_planned' | 'reopened' | null;
  labels: Label[];
  author: Account;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  closedBy: Account | null;
  /** Present when this issue is a pull request (they share the number sequence). */
  pull?: PullInfo;
}

export type PullIssue = Issue & { pull: PullInfo };

export interface IssueComment {
  id: number;
  issueNumber: number;
  body: string;
  author: Account;
  createdAt: string;
  updatedAt: string;
}

/** A commit status (`POST /statuses/{sha}`), as GitHub keeps them: newest last. */
export interface CommitStatus {
  id: number;
  state: 'error' | 'failure' | 'pending' | 'success';
  context: string;
  description: string | null;
  targetUrl: string | null;
  creator: Account;
  createdAt: string;
  updatedAt: string;
}

export type RefUpdate = 'ok' | 'missing-ref' | 'not-fast-forward';

export class Repo {
  readonly git = new GitStore();
  readonly refs = new Map<string, string>();
  readonly labels: Label[] = [];
  readonly issues = new Map<number, Issue>();
  readonly comments = new Map<number, IssueComment>();
  readonly collaborators = new Map<string, Permission>();
  /** Commit statuses by commit sha. */
  readonly statuses = new Map<string, CommitStatus[]>();
  pushedAt: string;
  private lastNumber = 0;

  constructor(
    readonly id: number,
    readonly owner: Account,
    readonly name: string,
    readonly defaultBranch: string,
    readonly createdAt: string,
    private readonly seq: Sequence,
  ) {
    this.pushedAt = createdAt;
  }

  get fullName(): string {
    return `${this.owner.login}/${this.name}`;
  }

  /** Public repository: anyone can read, collaborators have their listed level. */
  permissionOf(account: Account | null): Permission {
    return (account && this.collaborators.get(account.login)) ?? 'read';
  }

  canWrite(account: Account | null): boolean {
    return atLeast(this.permissionOf(account), 'write');
  }

  nextNumber(): number {
    this.lastNumber += 1;
    return this.lastNumber;
  }

  findLabel(name: string): Label | undefined {
    return this.labels.find((l) => l.name.toLowerCase() === name.toLowerCase());
  }

  /** Finds a label by name, creating it (grey, like GitHub) when unknown. */
  ensureLabel(name: string): Label {
    const existing = this.findLabel(name);
    if (existing) return existing;
    const label = {
      id: this.seq.nextId(),
      name,
      color: 'ededed',
      description: null,
      isDefault: false,
    };
    this.labels.push(label);
    return label;
  }

  branchSha(branch: string): string | undefined {
    return this.refs.get(`refs/heads/${branch}`);
  }

  /** A branch name, "heads/x", "refs/heads/x", or a (possibly abbreviated) commit sha. */
  resolveCommit(ref: string): CommitObject | undefined {
    const sha =
      this.refs.get(ref) ?? this.refs.get(`refs/${ref}`) ?? this.refs.get(`refs/heads/${ref}`);
    return sha ? this.git.commit(sha) : this.git.findCommit(ref.toLowerCase());
  }

  createRef(ref: string, sha: string): void {
    this.refs.set(ref, sha);
    this.pushedAt = this.seq.now();
  }

  updateRef(ref: string, sha: string, force: boolean): RefUpdate {
    const current = this.refs.get(ref);
    if (current === undefined) return 'missing-ref';
    if (!force && current !== sha && !this.git.isAncestor(current, sha)) return 'not-fast-forward';
    this.refs.set(ref, sha);
    this.pushedAt = this.seq.now();
    return 'ok';
  }

  deleteRef(ref: string): boolean {
    const sha = this.refs.get(ref);
    if (sha === undefined) return false;
    for (const pr of this.pulls()) {
      if (`refs/heads/${pr.head}` === ref) pr.headSha = sha;
      if (`refs/heads/${pr.base}` === ref) pr.baseSha = sha;
    }
    this.refs.delete(ref);
    this.pushedAt = this.seq.now();
    return true;
  }

  /** Current head/base tips of a pull request. */
  pullTips(pr: PullInfo): { headSha: string; baseSha: string } {
    return {
      headSha: this.branchSha(pr.head) ?? pr.headSha,
      baseSha: this.branchSha(pr.base) ?? pr.baseSha,
    };
  }

  /** The open pull request from `head` into `base`, if any. */
  openPull(head: string, base: string): Issue | undefined {
    return [...this.issues.values()].find(
      (i) => i.state === 'open' && i.pull?.head === head && i.pull.base === base,
    );
  }

  /** Opens or closes an issue or pull request, recording who closed it and when. */
  setState(
    issue: Issue,
    state: 'open' | 'closed',
    by: Account,
    reason?: Issue['stateReason'],
  ): void {
    if (issue.state === state) return;
    const now = this.seq.now();
    issue.state = state;
    issue.updatedAt = now;
    issue.closedAt = state === 'closed' ? now : null;
    issue.closedBy = state === 'closed' ? by : null;
    issue.stateReason = reason ?? (state === 'closed' ? 'completed' : 'reopened');
  }

  /**
   * The latest status of each context on a commit, as GitHub's combined status
   * reports them (contexts compared ignoring case, as GitHub does).
   */
  latestStatuses(sha: string): CommitStatus[] {
    const latest = new Map<string, CommitStatus>();
    for (const s of this.statuses.get(sha) ?? []) latest.set(s.context.toLowerCase(), s);
    return [...latest.values()].sort((a, b) => a.context.localeCompare(b.context));
  }

  private pulls(): PullInfo[] {
    return [...this.issues.values()].flatMap((i) => (i.pull ? [i.pull] : []));
  }

  commentCount(issueNumber: number): number {
    let n = 0;
    for (const c of this.comments.values()) if (c.issueNumber === issueNumber) n += 1;
    return n;
  }
}
