/**
 * The files the simulated agents write: a few dozen plausible lines, chosen
 * by extension, naming the issue and the file the agent read first. Pure.
 */
import type { IssueInfo } from './conversation.js';

export interface FileSpec {
  agent: string;
  path: string;
  issue: IssueInfo;
  /** The file the agent read before writing, if any. */
  readPath?: string;
  /** The current text of `path` when the agent edits an existing file. */
  previous?: string;
}

/** The issue title, safe inside a one-line comment. */
export function oneLine(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').replace(/\*\//g, '* /').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function pascal(text: string): string {
  return text
    .replace(/[^A-Za-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

function sql({ issue, readPath }: FileSpec): string {
  const table = `issue_${issue.number}_changes`;
  return [
    `-- Migration for issue #${issue.number}: ${oneLine(issue.title)}`,
    `-- Repository: ${issue.repo}`,
    readPath ? `-- Follows the conventions of ${readPath}.` : '-- First migration of this area.',
    '',
    'BEGIN;',
    '',
    `CREATE TABLE IF NOT EXISTS ${table} (`,
    '  id           BIGSERIAL PRIMARY KEY,',
    '  post_id      BIGINT NOT NULL,',
    "  status       TEXT NOT NULL DEFAULT 'pending',",
    "  payload      JSONB NOT NULL DEFAULT '{}'::jsonb,",
    '  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),',
    '  updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()',
    ');',
    '',
    `CREATE INDEX IF NOT EXISTS ${table}_post_id_idx ON ${table} (post_id);`,
    `CREATE INDEX IF NOT EXISTS ${table}_status_idx ON ${table} (status);`,
    '',
    `COMMENT ON TABLE ${table} IS 'Issue #${issue.number}';`,
    '',
    'COMMIT;',
    '',
  ].join('\n');
}

function route({ issue, readPath }: FileSpec): string {
  const n = issue.number;
  return [
    `// Route for issue #${n}: ${oneLine(issue.title)}`,
    readPath ? `// Modelled on ${readPath}.` : '// A self-contained route module.',
    "import { Router } from 'express';",
    '',
    'const router = Router();',
    'const items = new Map();',
    '',
    `router.get('/api/issue-${n}', (_req, res) => {`,
    '  res.json({ items: [...items.values()] });',
    '});',
    '',
    `router.get('/api/issue-${n}/:id', (req, res) => {`,
    '  const item = items.get(req.params.id);',
    "  if (!item) return res.status(404).json({ error: 'not found' });",
    '  return res.json(item);',
    '});',
    '',
    `router.post('/api/issue-${n}', (req, res) => {`,
    "  const title = typeof req.body?.title === 'string' ? req.body.title.trim() : '';",
    "  if (!title) return res.status(400).json({ error: 'title is required' });",
    '  const id = String(items.size + 1);',
    '  const item = { id, title, createdAt: new Date().toISOString() };',
    '  items.set(id, item);',
    '  return res.status(201).json(item);',
    '});',
    '',
    'export default router;',
    '',
  ].join('\n');
}

function component({ issue, readPath, path }: FileSpec): string {
  const n = issue.number;
  const name = /([A-Za-z0-9_]+)\.[jt]sx$/.exec(path)?.[1] ?? `Issue${n}`;
  return [
    `// Component for issue #${n}: ${oneLine(issue.title)}`,
    readPath ? `// Styled like ${readPath}.` : '// A self-contained component.',
    "import { useEffect, useState } from 'react';",
    '',
    `export default function ${name}() {`,
    '  const [items, setItems] = useState([]);',
    '  const [error, setError] = useState(null);',
    '',
    '  useEffect(() => {',
    `    fetch('/api/issue-${n}')`,
    '      .then((res) => (res.ok ? res.json() : Promise.reject(new Error(res.statusText))))',
    '      .then((data) => setItems(data.items ?? []))',
    '      .catch((err) => setError(err.message));',
    '  }, []);',
    '',
    '  if (error) return <p role="alert">Could not load: {error}</p>;',
    '  return (',
    `    <section aria-labelledby="issue-${n}-heading">`,
    `      <h2 id="issue-${n}-heading">${pascal(issue.title) || `Issue ${n}`}</h2>`,
    '      <ul>',
    '        {items.map((item) => (',
    '          <li key={item.id}>{item.title}</li>',
    '        ))}',
    '      </ul>',
    '    </section>',
    '  );',
    '}',
    '',
  ].join('\n');
}

function yaml({ issue, readPath }: FileSpec): string {
  const n = issue.number;
  return [
    `# Deployment change for issue #${n}: ${oneLine(issue.title)}`,
    readPath ? `# Based on ${readPath}.` : '# A standalone manifest.',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: blogtube-issue-${n}`,
    '  labels:',
    '    app: blogtube',
    `    issue: "${n}"`,
    'spec:',
    '  replicas: 2',
    '  selector:',
    '    matchLabels:',
    '      app: blogtube',
    '  template:',
    '    metadata:',
    '      labels:',
    '        app: blogtube',
    '    spec:',
    '      containers:',
    '        - name: api',
    '          image: blogtube/api:latest',
    '          ports:',
    '            - containerPort: 8080',
    '          readinessProbe:',
    '            httpGet:',
    '              path: /healthz',
    '              port: 8080',
    '          resources:',
    '            limits:',
    '              memory: 256Mi',
    '',
  ].join('\n');
}

function markdown({ issue, readPath, agent }: FileSpec): string {
  const n = issue.number;
  const body = oneLine(issue.body, 300);
  return [
    `# Issue #${n}: ${oneLine(issue.title)}`,
    '',
    `Written by the ${agent} agent for ${issue.repo}.`,
    '',
    '## What changed',
    '',
    body ? `The issue asked: ${body}` : 'The issue came without a description.',
    '',
    '## Why',
    '',
    `Resolving #${n} makes the behaviour described above explicit and tested.`,
    '',
    '## How to use it',
    '',
    '1. Update to the release that contains this change.',
    '2. Follow the steps in the issue to check the new behaviour.',
    '3. Report anything unexpected on the issue.',
    '',
    '## References',
    '',
    `- Issue: ${issue.repo}#${n}`,
    readPath ? `- See also: \`${readPath}\`` : '- No related document existed yet.',
    '',
  ].join('\n');
}

/** A section appended to an existing file (a literal writable path such as README.md). */
function appendedSection({ issue, agent, previous = '' }: FileSpec): string {
  return [
    previous.trimEnd(),
    '',
    `## Issue #${issue.number}: ${oneLine(issue.title)}`,
    '',
    `Updated by the ${agent} agent: ${oneLine(issue.body, 300) || 'see the issue for details.'}`,
    '',
  ].join('\n');
}

/** A plausible file for `spec.path`, by its extension. */
export function renderFile(spec: FileSpec): string {
  if (spec.previous !== undefined) return appendedSection(spec);
  const ext = /\.([A-Za-z0-9]+)$/.exec(spec.path)?.[1]?.toLowerCase() ?? '';
  switch (ext) {
    case 'sql':
      return sql(spec);
    case 'js':
    case 'mjs':
    case 'ts':
      return route(spec);
    case 'jsx':
    case 'tsx':
      return component(spec);
    case 'yml':
    case 'yaml':
      return yaml(spec);
    default:
      return markdown(spec);
  }
}
