/** Every GitHub REST route the simulator serves. */
import type { Route } from '../router.js';
import { appRoutes } from './app.js';
import { compareRoutes } from './compare.js';
import { archiveRoutes } from './archives.js';
import { contentRoutes } from './contents.js';
import { gitRoutes } from './git.js';
import { issueRoutes } from './issues.js';
import { labelRoutes } from './labels.js';
import { pullRoutes } from './pulls.js';
import { repoRoutes } from './repos.js';
import { statusRoutes } from './statuses.js';

export const API_ROUTES: readonly Route[] = [
  ...repoRoutes,
  ...issueRoutes,
  ...labelRoutes,
  ...gitRoutes,
  // Before the contents routes: `commits/{ref}` takes the rest of the path.
  ...statusRoutes,
  ...contentRoutes,
  ...pullRoutes,
  ...compareRoutes,
  ...archiveRoutes,
  ...appRoutes,
];

export { downloadRoutes as DOWNLOAD_ROUTES } from './archives.js';
