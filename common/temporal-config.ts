/**
 * How every process reaches Temporal, by Temporal's own environment
 * configuration (`@temporalio/envconfig`): `TEMPORAL_ADDRESS`,
 * `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS*`, `TEMPORAL_GRPC_META_*`,
 * or a profile (`TEMPORAL_PROFILE`) in the TOML file `TEMPORAL_CONFIG_FILE`
 * (default `~/.config/temporalio/temporal.toml`); `TEMPORAL_API_KEY_FILE` too. Variables win over the file;
 * without either, the settings' defaults (the local dev server) apply.
 */
import { readFileSync } from 'node:fs';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Settings } from './env.js';

export interface TemporalTarget {
  /** For `NativeConnection.connect` (workers) and, field by field, `Connection.connect` (clients). */
  connectionOptions: NativeConnectionOptions & { address: string };
  namespace: string;
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  // An empty variable (compose's `${VAR:-}`) means unset, not `TEMPORAL_TLS=false`.
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  // Like the other secrets, the Temporal Cloud API key may come from a file.
  if (!out.TEMPORAL_API_KEY && out.TEMPORAL_API_KEY_FILE)
    out.TEMPORAL_API_KEY = readFileSync(out.TEMPORAL_API_KEY_FILE, 'utf8').trim();
  return out;
}

export function temporalTarget(settings: Settings, env: NodeJS.ProcessEnv): TemporalTarget {
  const { connectionOptions, namespace } = loadClientConnectConfig({
    overrideEnvVars: definedOnly(env),
  });
  return {
    connectionOptions: {
      ...connectionOptions,
      address: connectionOptions.address ?? settings.TEMPORAL_ADDRESS,
    },
    namespace: namespace ?? settings.TEMPORAL_NAMESPACE,
  };
}
