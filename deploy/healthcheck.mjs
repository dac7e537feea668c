// Container health check (Dockerfile HEALTHCHECK): GET $HEALTHCHECK_URL, healthy on 2xx.
// Each service sets its own URL: the bridge's /healthz, a worker's metrics-port /healthz,
// the codec server's /healthz. Plain Node, no dependencies.
const url = process.env.HEALTHCHECK_URL || 'http://127.0.0.1:3000/healthz';
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
