/** The Temporal client used by the bridge and the CLI. */
import { Client, Connection } from '@temporalio/client';
import { createDataConverter } from '../common/codec.js';
import type { Settings } from '../common/env.js';
import { temporalTarget } from '../common/temporal-config.js';

/** A client whose payloads go through the same codec as the workers'. */
export async function connectClient(
  settings: Settings,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Client> {
  // Temporal's environment configuration: address, namespace, TLS / API key (Temporal Cloud).
  const { connectionOptions: o, namespace } = temporalTarget(settings, env);
  const connection = await Connection.connect({
    address: o.address,
    tls: o.tls,
    apiKey: o.apiKey,
    metadata: o.metadata,
    connectTimeout: '5s',
  });
  return new Client({
    connection,
    namespace,
    dataConverter: createDataConverter(env),
  });
}
