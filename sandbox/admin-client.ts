/** A call to a simulator's control API (`/_sim/...`): JSON in, JSON out, errors with the reply. */
export async function adminCall(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const send = () =>
    fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  // A pooled connection the server has just closed as idle (a loaded machine
  // fires the client's keep-alive timer late) fails before any reply: control
  // calls are idempotent, so that one is sent again on a fresh connection.
  const res = await send().catch((err: unknown) => {
    if (resetBeforeReply(err)) return send();
    throw err;
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

function resetBeforeReply(err: unknown): boolean {
  const code = (err as { cause?: { code?: string } } | undefined)?.cause?.code;
  return code === 'ECONNRESET' || code === 'UND_ERR_SOCKET';
}
