/** The Temporal client used by the bridge and the CLI. */
import { Client, Connection } from '@temporalio/client';
import type { Settings } from '../common/env.js';

export async function connectClient(settings: Settings): Promise<Client> {
  const connection = await Connection.connect({
    address: settings.TEMPORAL_ADDRESS,
    connectTimeout: '5s',
  });
  return new Client({ connection, namespace: settings.TEMPORAL_NAMESPACE });
}
