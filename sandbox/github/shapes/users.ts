/** User shapes: simple-user, private-user and collaborator. */
import { type Account, type Permission } from '../users.js';
import { nodeId } from './context.js';

const ACCOUNT_CREATED_AT = '2024-06-01T12:00:00Z';

export function simpleUser(origin: string, account: Account) {
  const api = `${origin}/users/${account.login}`;
  return {
    login: account.login,
    id: account.id,
    node_id: nodeId(account.type === 'Organization' ? 'O' : 'U', account.id),
    avatar_url: `${origin}/avatars/u/${account.id}`,
    gravatar_id: '',
    url: api,
    html_url: `${origin}/${account.login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: account.type,
    user_view_type: 'public',
    site_admin: false,
  };
}

/** `GET /user`: the authenticated account, private fields included. */
export function privateUser(origin: string, account: Account) {
  return {
    ...simpleUser(origin, account),
    name: account.name,
    company: null,
    blog: '',
    location: null,
    email: null,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: ACCOUNT_CREATED_AT,
    updated_at: ACCOUNT_CREATED_AT,
    private_gists: 0,
    total_private_repos: 0,
    owned_private_repos: 0,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: true,
  };
}

export function permissionFlags(permission: Permission) {
  const write = permission !== 'read';
  return {
    admin: permission === 'admin',
    maintain: permission === 'admin',
    push: write,
    triage: write,
    pull: true,
  };
}

export function collaborator(origin: string, account: Account, permission: Permission) {
  return {
    ...simpleUser(origin, account),
    permissions: permissionFlags(permission),
    role_name: permission,
  };
}
