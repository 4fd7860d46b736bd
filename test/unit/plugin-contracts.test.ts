// Every built-in plugin runs the contract suite the SDK ships to plugin authors (trainer/plugin/testing).
import { describe, it } from 'vitest';
import divergence from '../../plugins/alert-rules/divergence/index.js';
import gpuIdle from '../../plugins/alert-rules/gpu-idle/index.js';
import nanLoss from '../../plugins/alert-rules/nan-loss/index.js';
import plateau from '../../plugins/alert-rules/plateau/index.js';
import stalled from '../../plugins/alert-rules/stalled/index.js';
import threshold from '../../plugins/alert-rules/threshold/index.js';
import processBackend from '../../plugins/backends/process/index.js';
import slurmBackend from '../../plugins/backends/slurm/index.js';
import discord from '../../plugins/notifiers/discord/index.js';
import log from '../../plugins/notifiers/log/index.js';
import slack from '../../plugins/notifiers/slack/index.js';
import webhookNotifier from '../../plugins/notifiers/webhook/index.js';
import httpJson from '../../plugins/webhooks/http-json/index.js';
import { EMPTY_SNAPSHOT, pluginContractChecks, type ContractOptions } from '../../src/plugins/testing/contract-suite.js';
import type { AlertSnapshot, MetricRecord, RunSnapshot } from '../../src/plugins/sdk.js';

const now = '2026-01-01T12:00:00.000Z';
const run = (overrides: Partial<RunSnapshot>): RunSnapshot => ({
  id: 'sess_1',
  recipe: 'mnist',
  state: 'running',
  gpu_ids: [],
  started_at: '2026-01-01T11:00:00.000Z',
  last_output_at: now,
  latest: null,
  recent: [],
  ...overrides,
});
const snapshot = (overrides: Partial<AlertSnapshot>): AlertSnapshot => ({ ...EMPTY_SNAPSHOT, now, ...overrides });
const system = (overrides: Partial<NonNullable<AlertSnapshot['system']>>): AlertSnapshot['system'] => ({
  cpu_percent: 10,
  memory_percent: 10,
  disk_percent: 10,
  gpus: [],
  ...overrides,
});
const epochs = (metric: string, values: (number | string)[]): MetricRecord[] => values.map((value, index) => ({ ts: now, epoch: index + 1, [metric]: value }));

const plugins: [unknown, ContractOptions][] = [
  [divergence, { params: { percent: 50 }, firingSnapshot: snapshot({ runs: [run({ recent: epochs('loss', [1, 0.5, 2]) })] }) }],
  [
    gpuIdle,
    {
      params: { utilization_below: 10 },
      firingSnapshot: snapshot({
        system: system({ gpus: [{ index: 0, name: 'A100', utilization: 2, memory_percent: 50, temperature: 40, power_w: 80 }] }),
        runs: [run({ gpu_ids: [0] })],
      }),
    },
  ],
  [nanLoss, { params: {}, firingSnapshot: snapshot({ runs: [run({ latest: { ts: now, epoch: 3, loss: 'NaN' } })] }) }],
  [plateau, { params: { epochs: 2 }, firingSnapshot: snapshot({ runs: [run({ recent: epochs('val_loss', [1, 0.5, 0.6, 0.7, 0.8]) })] }) }],
  [stalled, { params: { minutes: 5 }, firingSnapshot: snapshot({ runs: [run({ last_output_at: '2026-01-01T11:50:00.000Z' })] }) }],
  [
    threshold,
    { params: { metric: 'cpu_percent', condition: 'greater_than', threshold: 90 }, firingSnapshot: snapshot({ system: system({ cpu_percent: 95 }) }) },
  ],
  [processBackend, { config: { warm_supervisor: false } }],
  [slurmBackend, {}],
  [discord, { targetForUrl: (url) => ({ webhook_url: url }) }],
  [log, { target: {} }],
  [slack, { targetForUrl: (url) => ({ webhook_url: url }) }],
  [webhookNotifier, { targetForUrl: (url) => ({ url }) }],
  [httpJson, {}],
];

describe('built-in plugins meet the plugin contract', () => {
  for (const [definition, options] of plugins) {
    for (const check of pluginContractChecks(definition, options)) it(check.name, check.run);
  }
});
