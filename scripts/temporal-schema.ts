/**
 * Creates Temporal's two PostgreSQL databases (persistence and visibility) and
 * sets up or updates their schemas with Temporal's SQL tool, from the schemas
 * embedded in it. Idempotent: run at every start, like the server's own
 * auto-setup image does.
 */
import { run } from './go-install.js';
import type { PostgresTarget } from './postgres.js';

export const TEMPORAL_DATABASES = {
  persistence: { name: 'temporal', schema: 'postgresql/v12/temporal' },
  visibility: { name: 'temporal_visibility', schema: 'postgresql/v12/visibility' },
} as const;

/** The SQL tool's connection settings, as environment (the password never on a command line). */
function sqlEnv(target: PostgresTarget, database: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: target.host,
    SQL_PORT: String(target.port),
    SQL_USER: target.user,
    SQL_PASSWORD: target.password,
    SQL_DATABASE: database,
  };
}

export async function setupTemporalSchemas(
  sqlTool: string,
  target: PostgresTarget,
  log: (s: string) => void = () => {},
): Promise<void> {
  for (const { name, schema } of Object.values(TEMPORAL_DATABASES)) {
    const env = sqlEnv(target, name);
    const sql = async (args: string[], accept?: RegExp): Promise<void> => {
      const { ok, output } = await run(sqlTool, args, env, 120_000);
      if (!ok && !(accept && accept.test(output))) {
        throw new Error(
          `temporal-sql-tool ${args.join(' ')} (database ${name}) failed:\n${output.trim().slice(-2000)}`,
        );
      }
    };
    await sql(['create-database'], /already exists/);
    await sql(['setup-schema', '-v', '0.0']);
    await sql(['update-schema', '--schema-name', schema]);
    log(`[temporal-schema] database ${name}: schema ${schema} up to date`);
  }
}
