import type { AlertInfo, GpuInfo, RunStatus, SessionSummary } from '../../dist/src/client/trainer-client.js';
import { applyMetrics, applySessions, createDashState, type DashState } from '../../dist/src/dash/dash-state.js';

/** A fixed clock, so elapsed and ETA are exact. */
export const NOW = Date.parse('2026-01-02T03:10:00.000Z');

export function status(id: string, state: string, extra: Partial<RunStatus> = {}): RunStatus {
  return {
    session_id: id,
    state: state as RunStatus['state'],
    current_epoch: null,
    total_epochs: null,
    start_time: null,
    end_time: null,
    error_message: null,
    recipe: 'ticker',
    backend: 'process',
    priority: 0,
    gpus: 0,
    gpu_ids: [],
    exit_code: null,
    end_reason: null,
    queued_at: '2026-01-02T03:00:00.000Z',
    ...extra,
  };
}

export function session(run: RunStatus, extra: Partial<SessionSummary> = {}): SessionSummary {
  return {
    session_id: run.session_id,
    session_name: null,
    config: { epochs: run.total_epochs ?? 10 },
    status: run,
    created_at: run.queued_at ?? '2026-01-02T03:00:00.000Z',
    tags: [],
    ...extra,
  };
}

export const gpu = (index: number, extra: Partial<GpuInfo> = {}): GpuInfo => ({
  index,
  uuid: `GPU-${index}`,
  name: 'NVIDIA A100-SXM4-40GB',
  utilization: 87,
  memory_used_mb: 31034,
  memory_total_mb: 40960,
  memory_percent: 75.8,
  temperature: 71,
  power_w: 312.45,
  run_id: null,
  ...extra,
});

export const alert = (extra: Partial<AlertInfo> = {}): AlertInfo => ({
  alert_id: 'alert_1',
  rule_id: 'rule_1',
  rule_name: 'gpu hot',
  key: 'gpu:0',
  severity: 'high',
  message: 'GPU 0 temperature 88 > 85',
  status: 'active',
  run_id: null,
  triggered_at: '2026-01-02T03:08:00.000Z',
  acknowledged_by: null,
  resolved_at: null,
  ...extra,
});

/**
 * A dashboard state with runs in every state, at NOW = 03:10:
 * - a: running since 03:00, epoch 5/20 (10 min for 5 epochs: 30 min to go), loss and val_accuracy
 * - b: running since 03:05, epoch 1/4, on GPU 0
 * - q1, q2: queued; q2 has the higher priority, so it starts first
 * - c: created
 * - done: completed 03:01-03:02; failed: failed 03:03-03:04
 */
export function sampleState(): DashState {
  const state = createDashState('http://127.0.0.1:8000', NOW);
  state.connection = { state: 'connected', since: NOW };
  const runs = [
    status('sess_aaaaaaaaaaaa', 'running', {
      current_epoch: 5,
      total_epochs: 20,
      start_time: '2026-01-02T03:00:00.000Z',
      queued_at: '2026-01-02T02:59:00.000Z',
    }),
    status('sess_bbbbbbbbbbbb', 'running', { current_epoch: 1, total_epochs: 4, start_time: '2026-01-02T03:05:00.000Z', gpus: 1, gpu_ids: [0] }),
    status('sess_q1q1q1q1q1q1', 'queued', { total_epochs: 10, queued_at: '2026-01-02T03:06:00.000Z' }),
    status('sess_q2q2q2q2q2q2', 'queued', { total_epochs: 10, queued_at: '2026-01-02T03:07:00.000Z', priority: 5 }),
    status('sess_cccccccccccc', 'created', { total_epochs: 10, queued_at: null }),
    status('sess_dddddddddddd', 'completed', {
      current_epoch: 3,
      total_epochs: 3,
      start_time: '2026-01-02T03:01:00.000Z',
      end_time: '2026-01-02T03:02:00.000Z',
      exit_code: 0,
      end_reason: 'success',
    }),
    status('sess_ffffffffffff', 'failed', {
      current_epoch: 2,
      total_epochs: 5,
      start_time: '2026-01-02T03:03:00.000Z',
      end_time: '2026-01-02T03:04:00.000Z',
      exit_code: 3,
      end_reason: 'code_error',
      error_message: 'Process exited with code 3',
    }),
  ];
  // the list endpoint answers newest first
  applySessions(
    state,
    runs.reverse().map((run) => session(run)),
  );
  applyMetrics(state, { session_id: 'sess_aaaaaaaaaaaa', epoch: 5, loss: 0.41234, val_loss: 0.5, val_accuracy: 0.875, timestamp: '2026-01-02T03:09:59.000Z' });
  applyMetrics(state, { session_id: 'sess_dddddddddddd', epoch: 3, loss: 0.3333, accuracy: 0.75, timestamp: '2026-01-02T03:02:00.000Z' });
  return state;
}
