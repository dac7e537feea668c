/** The authenticated user, repositories and collaborator permissions. */
import { notFound, ok } from '../http.js';
import { repoRoute, userRoute, type Route } from '../router.js';
import { fullRepository } from '../shapes/repos.js';
import { collaborator, privateUser } from '../shapes/users.js';
import { accountByLogin } from '../users.js';

export const repoRoutes: Route[] = [
  userRoute('GET', '/user', (ctx) => ok(privateUser(ctx.origin, ctx.viewer))),

  repoRoute('GET', '/repos/{owner}/{repo}', 'read', (ctx) => ok(fullRepository(ctx.shape))),

  repoRoute('GET', '/repos/{owner}/{repo}/collaborators/{username}/permission', 'user', (ctx) => {
    const account = accountByLogin(ctx.params.username ?? '');
    if (!account || account.type === 'Organization') throw notFound();
    const permission = ctx.repo.permissionOf(account);
    return ok({
      permission,
      role_name: permission,
      user: collaborator(ctx.origin, account, permission),
    });
  }),
];
