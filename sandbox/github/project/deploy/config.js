/** Runtime configuration, read from the environment the container (deploy/Dockerfile) sets. */

export function loadConfig(env = process.env) {
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`PORT must be a port number, got ${JSON.stringify(env.PORT)}`);
  }
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
  };
}
