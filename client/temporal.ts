/** The Temporal client used by the bridge and the CLI. */
import { Client, Connection } from '@temporalio/client';
import { createDataConverter } from '../common/codec.js';
import type { Settings } from '../common/env.js';

/** A client whose payloads go through the same codec as the workers'. */
export async function connectClient(
  settings: Settings,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Client> {
  const connection = await Connection.connect({
    address: settings.TEMPORAL_ADDRESS,
    connectTimeout: '5s',
  });
  return new Client({
    connection,
    namespace: settings.TEMPORAL_NAMESPACE,
    dataConverter: createDataConverter(env),
  });
}
