/** The simulator's accounts and the tokens that authenticate them. */
export type AccountType = 'User' | 'Bot' | 'Organization';
export type Permission = 'admin' | 'write' | 'read';

export interface Account {
  login: string;
  id: number;
  type: AccountType;
  name: string;
}

export const SANDBOX_TOKENS = {
  maintainer: 'sbx-maintainer-token',
  contributor: 'sbx-contributor-token',
  outsider: 'sbx-outsider-token',
  bot: 'sbx-bot-token',
} as const;

export const ORG: Account = { login: 'blogtube', id: 9001, type: 'Organization', name: 'BlogTube' };

export const USERS = {
  maintainer: { login: 'sandbox-maintainer', id: 1001, type: 'User', name: 'Sandbox Maintainer' },
  contributor: {
    login: 'sandbox-contributor',
    id: 1002,
    type: 'User',
    name: 'Sandbox Contributor',
  },
  outsider: { login: 'sandbox-outsider', id: 1003, type: 'User', name: 'Sandbox Outsider' },
  bot: { login: 'sandbox-bot', id: 1004, type: 'Bot', name: 'Sandbox Bot' },
} as const satisfies Record<keyof typeof SANDBOX_TOKENS, Account>;

const ACCOUNTS: readonly Account[] = [ORG, ...Object.values(USERS)];

export function accountByToken(token: string): Account | undefined {
  const key = (Object.keys(SANDBOX_TOKENS) as (keyof typeof SANDBOX_TOKENS)[]).find(
    (k) => SANDBOX_TOKENS[k] === token,
  );
  return key ? USERS[key] : undefined;
}

export function accountByLogin(login: string): Account | undefined {
  return ACCOUNTS.find((a) => a.login.toLowerCase() === login.toLowerCase());
}

/** GitHub's no-reply address for an account: how commits are attributed to it. */
export function noreplyEmail(account: Account): string {
  return `${account.id}+${account.login}@users.noreply.github.com`;
}

export function accountByEmail(email: string): Account | undefined {
  return ACCOUNTS.find((a) => noreplyEmail(a) === email.toLowerCase());
}

export function atLeast(have: Permission | 'none', need: Permission): boolean {
  const rank = { none: 0, read: 1, write: 2, admin: 3 } as const;
  return rank[have] >= rank[need];
}
