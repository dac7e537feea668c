/**
 * The GitHub App's webhook, simulated: when a test turns it on
 * (`POST /_sim/hooks {url, secret}`), the simulator delivers `issues.opened`
 * and `issue_comment.created` for what its API creates, signed as GitHub signs
 * them (`X-Hub-Signature-256`), and records every delivery with its status, as
 * GitHub's "Recent Deliveries" do: `GET /app/hook/deliveries` lists them and
 * `POST /app/hook/deliveries/{id}/attempts` redelivers one (same guid, new id).
 * Those two routes authenticate as the App: an RS256 JWT whose `iss` is the
 * App id, signed with the key the admin call handed out.
 */
import { createHmac, generateKeyPairSync, randomUUID, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export const SANDBOX_APP_ID = 424242;

export interface HookDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
  throttled_at: string | null;
}

interface Stored {
  delivery: HookDelivery;
  body: string;
}

const MAX_DELIVERIES = 10_000;

export class HookDeliveries {
  private config: { url: string; secret: string; publicKey: KeyObject } | undefined;
  private readonly stored: Stored[] = [];
  private nextId = 1;
  /** Deliveries in flight, so a test (or `close`) can wait for them. */
  private readonly inFlight = new Set<Promise<void>>();

  /** Turns the webhook on; returns the App's id and a fresh private key (PEM) for its JWTs. */
  enable(url: string, secret: string): { appId: number; privateKey: string } {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.config = { url, secret, publicKey };
    return {
      appId: SANDBOX_APP_ID,
      privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    };
  }

  /** Turns it off and forgets every delivery. */
  reset(): void {
    this.config = undefined;
    this.stored.length = 0;
    this.nextId = 1;
  }

  get enabled(): boolean {
    return this.config !== undefined;
  }

  /** Newest first, as GitHub lists them. */
  list(): HookDelivery[] {
    return this.stored.map((s) => s.delivery).reverse();
  }

  /** Whether `authorization` is `Bearer <JWT>` signed by the App's key, unexpired, issued by the App. */
  isApp(authorization: string | undefined): boolean {
    const config = this.config;
    const token = /^bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
    if (!config || !token) return false;
    const [header, payload, signature] = token.split('.');
    if (!header || !payload || !signature) return false;
    try {
      const ok = verify(
        'RSA-SHA256',
        Buffer.from(`${header}.${payload}`),
        config.publicKey,
        Buffer.from(signature, 'base64url'),
      );
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
        iss?: unknown;
        exp?: unknown;
      };
      return (
        ok &&
        String(claims.iss) === String(SANDBOX_APP_ID) &&
        Number(claims.exp) > Date.now() / 1000
      );
    } catch {
      return false;
    }
  }

  /** Delivers a new event (when the webhook is on). */
  emit(
    event: string,
    payload: { action?: string; repository?: { id?: number }; [key: string]: unknown },
  ): void {
    if (!this.config) return;
    this.send(
      event,
      payload.action ?? null,
      payload.repository?.id ?? null,
      JSON.stringify(payload),
      randomUUID(),
      false,
    );
  }

  /** Redelivers delivery `id` (same guid and body); false when there is no such delivery. */
  redeliver(id: number): boolean {
    const found = this.stored.find((s) => s.delivery.id === id);
    if (!found || !this.config) return false;
    const d = found.delivery;
    this.send(d.event, d.action, d.repository_id, found.body, d.guid, true);
    return true;
  }

  /** Resolves when every delivery started so far has been answered (or failed). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private send(
    event: string,
    action: string | null,
    repositoryId: number | null,
    body: string,
    guid: string,
    redelivery: boolean,
  ): void {
    const config = this.config;
    if (!config) return;
    const delivery: HookDelivery = {
      id: this.nextId++,
      guid,
      // The real clock, not the simulated one: the redelivery job compares it with its own.
      delivered_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      redelivery,
      duration: 0,
      status: 'pending',
      status_code: 0,
      event,
      action,
      installation_id: null,
      repository_id: repositoryId,
      throttled_at: null,
    };
    this.stored.push({ delivery, body });
    if (this.stored.length > MAX_DELIVERIES) this.stored.shift();
    const signature = `sha256=${createHmac('sha256', config.secret).update(body).digest('hex')}`;
    const started = Date.now();
    const attempt = fetch(config.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/sandbox',
        'x-github-event': event,
        'x-github-delivery': guid,
        'x-hub-signature-256': signature,
      },
      body,
      signal: AbortSignal.timeout(10_000),
    })
      .then(async (res) => {
        await res.arrayBuffer();
        delivery.status_code = res.status;
        delivery.status = res.ok ? 'OK' : `Invalid HTTP Response: ${res.status}`;
      })
      .catch((err: unknown) => {
        delivery.status_code = 0;
        delivery.status = `failed to connect (${err instanceof Error ? err.message : String(err)})`;
      })
      .finally(() => {
        delivery.duration = (Date.now() - started) / 1000;
        this.inFlight.delete(attempt);
      });
    this.inFlight.add(attempt);
  }
}
