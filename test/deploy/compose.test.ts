/**
 * The deployment files: docker-compose validates them (`docker-compose config -q`,
 * Debian's docker-compose 1.29, installed by .ci/run), and their content is
 * checked as parsed YAML: services, ports, health checks, pinned images, secrets
 * only by reference, the Dockerfile's non-root user and production install,
 * and the GitHub App manifest's permissions.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../common/search-attributes.js';
import { readSearchAttributes, SHARED_TEMPORAL_FILES } from '../../scripts/temporal-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (p: string) => readFileSync(join(root, p), 'utf8');

type Service = {
  image?: string;
  build?: unknown;
  ports?: string[];
  expose?: string[];
  healthcheck?: { test: string[] };
  container_name?: string;
  environment?: Record<string, string | number | null>;
  secrets?: string[];
  command?: string[] | string;
  init?: boolean;
  profiles?: string[];
  volumes?: string[];
  security_opt?: string[];
  privileged?: boolean;
  cap_add?: string[];
};
type Compose = { services: Record<string, Service>; secrets?: Record<string, { file: string }> };

/** `docker-compose config` of some files: exit status and the merged, interpolated YAML. */
function composeConfig(files: string[], quiet: boolean): { status: number; out: string } {
  const args = files.flatMap((f) => ['-f', f]).concat(['config', ...(quiet ? ['-q'] : [])]);
  const r = spawnSync('docker-compose', args, {
    cwd: root,
    encoding: 'utf8',
    // A placeholder, only for interpolation: the files require it to be set.
    env: { PATH: process.env.PATH, POSTGRES_PASSWORD: 'placeholder-for-config' },
  });
  if (r.error)
    throw new Error(
      `docker-compose not runnable (apt-get install docker-compose): ${r.error.message}`,
    );
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

const TEMPORAL = 'docker-compose.temporal.yml';
const APP = 'docker-compose.yml';

describe('docker-compose files', () => {
  it('docker-compose 1.29 accepts each file and the pair', () => {
    const version = execFileSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
    expect(version.trim()).toMatch(/^\d+\.\d+/);
    for (const files of [[TEMPORAL], [APP], [TEMPORAL, APP]]) {
      const r = composeConfig(files, true);
      expect({ files, ...r }).toEqual({ files, status: 0, out: '' });
    }
  });

  it('the Temporal file refuses to start without a database password', () => {
    const r = spawnSync('docker-compose', ['-f', TEMPORAL, 'config', '-q'], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/POSTGRES_PASSWORD/);
  });

  const temporal = parse(read(TEMPORAL)) as Compose;
  const app = parse(read(APP)) as Compose;
  const merged = parse(composeConfig([TEMPORAL, APP], false).out) as Compose;

  it('has Temporal with PostgreSQL, the Web UI, admin tools and the search-attribute job', () => {
    expect(Object.keys(temporal.services).sort()).toEqual(
      ['postgresql', 'temporal', 'temporal-admin-tools', 'temporal-setup', 'temporal-ui'].sort(),
    );
    expect(temporal.services.temporal!.environment!.DB).toBe('postgres12');
    expect(temporal.services.temporal!.ports).toEqual([
      '${BLOGTUBE_ADMIN_BIND:-127.0.0.1}:${TEMPORAL_HOST_PORT:-7233}:7233',
    ]);
    expect(temporal.services['temporal-ui']!.ports).toEqual([
      '${BLOGTUBE_ADMIN_BIND:-127.0.0.1}:${TEMPORAL_UI_HOST_PORT:-8233}:8080',
    ]);
    // The search attributes and the dynamic config are the files `npm run stack:prod` uses.
    const setup = temporal.services['temporal-setup']!;
    expect(setup.volumes).toContain(
      './deploy/temporal/search-attributes.txt:/etc/blogtube/search-attributes.txt:ro',
    );
    expect([setup.command].flat().join('\n')).toContain('/etc/blogtube/search-attributes.txt');
    expect(readSearchAttributes(root)).toEqual(SEARCH_ATTRIBUTES);
    expect(temporal.services.temporal!.volumes).toContain(
      `./${SHARED_TEMPORAL_FILES.dynamicConfig}:/etc/temporal/config/dynamicconfig/blogtube.yaml:ro`,
    );
  });

  it("has BlogTube's processes, from the one Dockerfile; model workers scale", () => {
    const names = ['orchestrator', 'model-worker', 'workspace-worker', 'bridge', 'codec-server'];
    for (const n of names) {
      const s = merged.services[n]!;
      expect(s.build).toBeDefined();
      expect(s.init).toBe(true);
      expect(s.healthcheck?.test).toEqual(['CMD', 'node', 'deploy/healthcheck.mjs']);
      expect(s.environment?.HEALTHCHECK_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/healthz$/);
    }
    const model = app.services['model-worker']!;
    expect([model.container_name, model.ports]).toEqual([undefined, undefined]);
    expect(app.services.orchestrator!.ports).toBeUndefined();
    expect(app.services.bridge!.ports).toEqual(['${BRIDGE_HOST_PORT:-3000}:3000']);
    expect(app.services['codec-server']!.ports).toEqual([
      '${BLOGTUBE_ADMIN_BIND:-127.0.0.1}:${CODEC_SERVER_HOST_PORT:-8888}:8888',
    ]);
    expect(merged.services.orchestrator!.command).toEqual(['node', 'dist/workers/orchestrator.js']);
    expect(merged.services['model-worker']!.command).toEqual(['node', 'dist/workers/model.js']);
    const workspace = merged.services['workspace-worker']!;
    expect(workspace.command).toEqual(['node', 'dist/workers/workspace.js']);
    // Namespaces for bubblewrap without privileges: unconfined profiles, no capability added.
    expect([...(workspace.security_opt ?? [])].sort()).toEqual([
      'apparmor=unconfined',
      'seccomp=unconfined',
      'systempaths=unconfined',
    ]);
    expect([workspace.privileged, workspace.cap_add]).toEqual([undefined, undefined]);
    // With a workspace worker in the file, runs give their agents workspaces by default.
    expect(merged.services.orchestrator!.environment?.WORKSPACE_AGENTS).toBe('on');
    expect([workspace.container_name, workspace.ports]).toEqual([undefined, undefined]);
    expect(merged.services.bridge!.command).toEqual(['node', 'dist/client/bridge-main.js']);
    // Every long-running service says whether it is healthy.
    for (const [n, s] of Object.entries(merged.services)) {
      const oneShot = ['temporal-setup', 'temporal-admin-tools'].includes(n);
      const optional = s.profiles !== undefined;
      if (!oneShot && !optional) expect([n, s.healthcheck !== undefined]).toEqual([n, true]);
    }
  });

  it('pins every image (no latest, no bare name)', () => {
    // Pulled images; BlogTube's own is built from the Dockerfile (its base is pinned there).
    const images = Object.entries(merged.services)
      .filter(([, s]) => s.build === undefined)
      .map(([n, s]) => [n, s.image ?? '']);
    for (const [n, image] of images) {
      expect([n, image]).toEqual([n, expect.stringMatching(/^[\w./-]+:[\w.-]*\d[\w.-]*$/)]);
      expect(image).not.toMatch(/:latest$/);
    }
    expect(merged.services.temporal!.image).toBe('temporalio/auto-setup:1.29.1');
    expect(merged.services['temporal-ui']!.image).toMatch(/^temporalio\/ui:2\.\d+\.\d+$/);
    expect(merged.services.postgresql!.image).toMatch(/^postgres:16\./);
  });

  it('passes secrets only as files; no secret value anywhere', () => {
    for (const [n, s] of Object.entries(app.services)) {
      for (const [k, v] of Object.entries(s.environment ?? {})) {
        if (/(TOKEN|KEY|SECRET|PASSWORD|PWD|KEYS)(_FILE)?$/.test(k))
          expect([n, k, String(v)]).toEqual([
            n,
            k,
            expect.stringMatching(/^(\/run\/secrets\/\w+|\$\{\w+:-\}|)$/),
          ]);
      }
      for (const secret of s.secrets ?? []) expect(app.secrets?.[secret]).toBeDefined();
    }
    for (const [, s] of Object.entries(app.secrets ?? {}))
      expect(s.file).toMatch(/^\.\/deploy\/secrets\/[\w.-]+$/);
    expect(read('deploy/secrets/.gitignore').split('\n')).toContain('*');
    const pg = temporal.services.postgresql!.environment!;
    expect(String(pg.POSTGRES_PASSWORD)).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
  });

  it('no deployment file holds a credential', () => {
    const files = [
      'Dockerfile',
      '.dockerignore',
      TEMPORAL,
      APP,
      ...walk('deploy').filter((p) => !p.startsWith('deploy/secrets/') || p.endsWith('README.md')),
      ...walk('examples'),
    ];
    const credential =
      /-----BEGIN [A-Z ]*PRIVATE KEY-----|\bgh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|sk-ant-[\w-]{10,}|sbx-bot-token|sandbox-anthropic-key|sandbox-webhook-secret|\bAKIA[0-9A-Z]{16}\b/;
    for (const f of files) expect([f, credential.test(read(f))]).toEqual([f, false]);
  });
});

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const p = join(dir, name);
    if (statSync(join(root, p)).isDirectory()) out.push(...walk(p));
    else out.push(relative(root, join(root, p)));
  }
  return out;
}

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  const lines = text.split('\n').filter((l) => !l.trimStart().startsWith('#'));
  it('builds in stages from a pinned Debian slim Node LTS image', () => {
    expect(text).toMatch(/^ARG NODE_IMAGE=node:(22|24)\.\d+\.\d+-bookworm-slim$/m);
    expect(lines.filter((l) => /^FROM /.test(l))).toEqual([
      'FROM ${NODE_IMAGE} AS build',
      'FROM ${NODE_IMAGE} AS runtime',
    ]);
  });
  it('installs production dependencies only, runs as a non-root user, checks health, gets SIGTERM', () => {
    const runtime = text.slice(text.indexOf('AS runtime'));
    expect(runtime).toMatch(/RUN npm ci --omit=dev\b/);
    const users = lines.filter((l) => /^USER /.test(l));
    expect(users).toEqual(['USER node']);
    expect(runtime.indexOf('USER node')).toBeLessThan(runtime.indexOf('CMD ['));
    expect(runtime).toMatch(/^HEALTHCHECK .*\\\n\s+CMD \["node", "deploy\/healthcheck\.mjs"\]/m);
    expect(runtime).toMatch(/^CMD \["node", "dist\/workers\/orchestrator\.js"\]$/m); // exec form
    expect(text).not.toMatch(/^(ENV|ARG) .*(TOKEN|SECRET|PASSWORD|API_KEY)=/m);
  });
  it('keeps secrets and local state out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const p of ['.git', 'node_modules', '.data', 'deploy/secrets', '**/.env', '**/*.pem'])
      expect(ignored).toContain(p);
  });
});

describe('GitHub App manifest', () => {
  const manifest = JSON.parse(read('deploy/github-app-manifest.json')) as {
    default_permissions: Record<string, string>;
    default_events: string[];
    hook_attributes: { url: string };
    public: boolean;
  };
  it('asks for exactly what BlogTube needs', () => {
    expect(manifest.default_permissions).toEqual({
      contents: 'write',
      issues: 'write',
      pull_requests: 'write',
      metadata: 'read',
    });
    expect(manifest.default_events.sort()).toEqual(['issue_comment', 'issues']);
    expect(manifest.hook_attributes.url).toMatch(/^https:\/\/.*\/webhooks$/);
    expect(manifest.public).toBe(false);
  });
});

describe('GitHub Actions example', () => {
  type Concurrency = string | { group: string; 'cancel-in-progress'?: boolean | string };
  const wf = parse(read('examples/github-actions/blogtube.yml')) as {
    on: Record<string, { types: string[] }>;
    concurrency?: Concurrency;
    jobs: {
      trigger: {
        concurrency?: Concurrency;
        steps: { run?: string; env?: Record<string, string> }[];
      };
    };
  };
  it('hands issue events and comments to `blogtube trigger`, secrets from Actions secrets only', () => {
    expect(wf.on.issues!.types).toEqual(expect.arrayContaining(['opened', 'labeled']));
    expect(wf.on.issue_comment!.types).toEqual(['created']);
    const step = wf.jobs.trigger.steps.find((s) => s.run?.includes('bin/blogtube.js trigger'));
    expect(step).toBeDefined();
    for (const [k, v] of Object.entries(step!.env ?? {}))
      if (/(KEY|KEYS|SECRET|TOKEN)$/.test(k))
        expect([k, v]).toEqual([
          k,
          expect.stringMatching(/^\$\{\{ (secrets\.\w+|github\.token) \}\}$/),
        ]);
    expect(step!.env!.BLOGTUBE_MODE).toBe('live');
  });

  it('never cancels a queued maintainer command because of other comments (issue 16, property 10)', () => {
    // A group shared by two events of one issue keeps only the newest pending job: each
    // event's group must be its own (the run id), and nothing cancels a running job.
    const groups = [wf, ...Object.values(wf.jobs)].flatMap((w) =>
      w.concurrency === undefined ? [] : [w.concurrency],
    );
    for (const c of groups) {
      const group = typeof c === 'string' ? c : c.group;
      expect(group).toMatch(/\$\{\{ github\.run_id \}\}/);
      if (typeof c !== 'string') expect(c['cancel-in-progress']).not.toBe(true);
    }
  });
});

describe('only the bridge is published by default (issue 16, property 2)', () => {
  it('every other published port binds loopback unless BLOGTUBE_ADMIN_BIND says otherwise', () => {
    const files = ['docker-compose.temporal.yml', 'docker-compose.yml'];
    const { status, out } = composeConfig(files, false);
    expect(status).toBe(0);
    const merged = parse(out) as {
      services: Record<string, { ports?: (string | { host_ip?: string; published?: number })[] }>;
    };
    const published = Object.entries(merged.services).flatMap(([name, s]) =>
      (s.ports ?? []).map((p) => ({ name, p: typeof p === 'string' ? p : JSON.stringify(p) })),
    );
    expect(published.length).toBeGreaterThan(1);
    for (const { name, p } of published) {
      if (name === 'bridge') expect(p).not.toMatch(/127\.0\.0\.1/);
      else expect(p).toMatch(/127\.0\.0\.1/);
    }
  });
});
