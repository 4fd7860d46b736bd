import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../helpers/agent-harness.js';

const README = new URL('../../README.md', import.meta.url);
const HEADER = '| method | path | status | what |';

type OpenApi = { paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }>> };

/** The rows of README's "REST API reference" table. */
function restTable(readme: string): string[] {
  const section = readme.slice(readme.indexOf('## REST API reference'));
  const lines = section.slice(0, section.indexOf('\n## ', 1)).split('\n');
  const header = lines.indexOf(HEADER);
  if (header < 0) throw new Error(`README's REST API section has no table headed ${HEADER}`);
  const rows: string[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line);
  }
  return rows;
}

/**
 * What a table claims and the document does not serve: every method on every path of a row (WS rows
 * are WebSocket upgrades, outside the document), each query parameter named after `?`, and each
 * status as a response of each of those operations.
 */
function problemsOf(rows: string[], document: OpenApi): string[] {
  const byTemplate = new Map(Object.entries(document.paths).map(([path, operations]) => [path.replace(/\{\w+\}/g, '{}'), operations]));
  const problems: string[] = [];
  for (const row of rows) {
    const [, methodCell = '', pathCell = '', statusCell = ''] = row.split('|');
    const methods = methodCell
      .split(',')
      .map((method) => method.trim())
      .filter(Boolean);
    if (methods.includes('WS')) continue;
    const statuses = statusCell
      .split(',')
      .map((status) => status.trim())
      .filter(Boolean);
    if (statuses.length === 0) problems.push(`${row.slice(0, 60)}…: no status`);
    for (const [, documented] of pathCell.matchAll(/`([^`]+)`/g)) {
      const [path = '', query = ''] = documented.split('?');
      for (const method of methods) {
        const operation = byTemplate.get(path.replace(/\{\w+\}/g, '{}'))?.[method.toLowerCase()];
        if (!operation) {
          problems.push(`${method} ${path}: not in the document`);
          continue;
        }
        for (const name of query
          .split('&')
          .map((pair) => pair.split('=')[0]!)
          .filter(Boolean)) {
          if (!operation.parameters?.some((parameter) => parameter.in === 'query' && parameter.name === name))
            problems.push(`${method} ${path}: no query parameter ${name}`);
        }
        for (const status of statuses) if (!(status in operation.responses)) problems.push(`${method} ${path}: no ${status} response`);
      }
    }
  }
  return problems;
}

describe("README's REST API table", () => {
  let t: TestAgent;
  let document: OpenApi;
  beforeAll(async () => {
    t = await startTestAgent();
    document = (await t.api('GET', '/openapi.json')).body;
  });
  afterAll(async () => {
    await t.close();
  });

  it('documents only methods, paths, query parameters and statuses the served document has', async () => {
    const rows = restTable(await readFile(README, 'utf8'));
    expect(rows.length).toBeGreaterThan(40);
    expect(problemsOf(rows, document)).toEqual([]);
  });

  it('names each row that claims what the document does not', () => {
    const rows = [
      '| GET | `/api/v1/nope`, `/health` | 200 | an unknown path |',
      '| POST | `/health` | 200 | a method the path does not take |',
      '| GET | `/health` | 201 | a status it does not answer |',
      '| GET | `/api/v1/training/sessions?limit&bogus` | 200 | a query parameter it does not take |',
      '| GET | `/api/v1/gpus` | | no status |',
    ];
    expect(problemsOf(rows, document)).toEqual([
      'GET /api/v1/nope: not in the document',
      'POST /health: not in the document',
      'GET /health: no 201 response',
      'GET /api/v1/training/sessions: no query parameter bogus',
      '| GET | `/api/v1/gpus` | | no status |…: no status',
    ]);
  });
});
