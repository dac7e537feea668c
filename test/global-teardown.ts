/** Jest global teardown: stops the dev server started by global-setup.ts. */
import type { DevServer } from '../scripts/dev-server.js';

declare global {
  var __BLOGTUBE_DEV_SERVER__: DevServer | undefined;
}

export default async function globalTeardown(): Promise<void> {
  const server = globalThis.__BLOGTUBE_DEV_SERVER__;
  globalThis.__BLOGTUBE_DEV_SERVER__ = undefined;
  await server?.stop();
}
