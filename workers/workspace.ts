/**
 * The workspace worker process: agents' checkouts, editor, search and
 * sandboxed commands. Polls the shared workspace queue (workspaceCreate) and
 * a queue of its own (the calls on the workspaces it holds).
 */
import { Runtime } from '@temporalio/worker';
import { createWorkspaceWorkers } from './create.js';
import { main } from './main.js';

main('workspace', async (ctx) => {
  const w = await createWorkspaceWorkers(ctx);
  Runtime.instance().logger.info(
    `workspace root ${w.store.root}: removed ${w.leftovers.workspaces} workspace(s), ${w.leftovers.partialTrees} partial tree(s) and ${w.leftovers.partialSetups} partial setup result(s) left by a predecessor; commands ${w.commands ? 'on (sandboxed)' : 'off'}`,
    { ...w.leftovers },
  );
  return [w.shared, w.own];
});
