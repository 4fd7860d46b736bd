import { RUN_FILTERS, matchesFilter, type DashState } from '../dash-state.js';
import { fit, listWindow, type PanelView } from '../text.js';

/** The filter picker behind `f`: every state, with how many runs are in it. */
export function filterPickerView(state: DashState, index: number, size: { width: number; height: number }): PanelView {
  const items = RUN_FILTERS.map((filter) => {
    const count = [...state.runs.values()].filter((row) => matchesFilter(row.state, filter)).length;
    return fit(`${filter === state.filter ? '●' : ' '} ${filter.padEnd(10)} ${String(count).padStart(4)}`, size.width);
  });
  return { label: ' Show runs (↑↓ Enter, Esc cancel) ', lines: listWindow(items, index, size.height) };
}
