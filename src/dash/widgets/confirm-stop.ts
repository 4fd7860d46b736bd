import type { DashState } from '../dash-state.js';
import { tag, type PanelView } from '../text.js';

/** `x`: the question before a run is stopped. */
export function confirmStopView(state: DashState, runId: string): PanelView {
  const row = state.runs.get(runId);
  const what = row ? `${row.recipe}, ${row.state}${row.totalEpochs ? `, epoch ${row.epoch ?? 0}/${row.totalEpochs}` : ''}` : 'unknown run';
  const verb = row?.state === 'queued' ? 'Cancel' : 'Stop';
  return {
    label: ` ${verb} run `,
    lines: [`${verb} ${tag('bold', runId)} (${tag(null, what)})?`, '', `${tag('bold', 'y')} yes    ${tag('bold', 'any other key')} no`],
  };
}
