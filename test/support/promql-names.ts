/** Metric names referenced by the Grafana dashboard and the Prometheus rules in deploy/. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

/** Identifiers in a PromQL expression that name our, Node.js' or Temporal's metrics. */
export function metricNamesIn(expr: string): string[] {
  const out = new Set<string>();
  // Drop label matchers and strings first: `{role="x"}` holds no metric names.
  const bare = expr.replace(/\{[^}]*\}/g, '').replace(/"[^"]*"/g, '');
  for (const m of bare.matchAll(/\b(?:blogtube|process|nodejs|temporal)_[a-zA-Z0-9_:]*/g)) {
    out.add(m[0]);
  }
  return [...out];
}

export function dashboardExpressions(): string[] {
  const dash = JSON.parse(readFileSync(root('deploy/grafana/blogtube.json'), 'utf8')) as {
    panels: { targets?: { expr?: string }[] }[];
  };
  return dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));
}

export function alertExpressions(): string[] {
  const rules = parse(readFileSync(root('deploy/prometheus/alerts.yml'), 'utf8')) as {
    groups: { rules: { expr: string }[] }[];
  };
  return rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
}

export const deployPath = root;
