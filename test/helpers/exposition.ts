import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The sample names in a Prometheus text exposition (histograms as their _bucket/_sum/_count series). */
export function sampleNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    names.add(line.match(/^[a-zA-Z_:][a-zA-Z0-9_:]*/)![0]);
  }
  return names;
}

/** The agent's metric names a PromQL expression reads (string literals, e.g. label values, left out). */
export function metricNamesIn(promql: string): string[] {
  const withoutStrings = promql.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...new Set(withoutStrings.match(/\b(?:trainer|process|nodejs)_[a-zA-Z0-9_]*/g) ?? [])];
}

export interface DashboardQuery {
  where: string;
  expr: string;
}

/** Every PromQL query the shipped Grafana dashboard runs: panel targets and template variables. */
export function dashboardQueries(): DashboardQuery[] {
  const dashboard = JSON.parse(readFileSync(`${ROOT}/deploy/grafana/trainer.json`, 'utf8')) as {
    panels: { title: string; targets?: { expr: string }[] }[];
    templating: { list: { name: string; query: { query: string } | string }[] };
  };
  const queries: DashboardQuery[] = [];
  for (const panel of dashboard.panels) for (const target of panel.targets ?? []) queries.push({ where: `panel "${panel.title}"`, expr: target.expr });
  for (const variable of dashboard.templating.list) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query.query;
    queries.push({ where: `variable $${variable.name}`, expr: query.replace(/^label_values\((.*),\s*\w+\)$/, '$1') });
  }
  return queries;
}

/** Every alerting rule shipped in deploy/prometheus/. */
export function alertRules(): { alert: string; expr: string }[] {
  const file = parseYaml(readFileSync(`${ROOT}/deploy/prometheus/trainer-alerts.yml`, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
  return file.groups.flatMap((group) => group.rules);
}

/** A dashboard query with Grafana's variables given values Prometheus accepts. */
export function withDashboardVariables(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$run_id', '.*').replaceAll('$metric', 'loss');
}
