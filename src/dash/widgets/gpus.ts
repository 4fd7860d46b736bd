import type { GpuInfo, SystemInfo } from '../../client/trainer-client.js';
import type { DashState } from '../dash-state.js';
import { bar, fit, levelColor, tag, type PanelView } from '../text.js';

/**
 * How hot the machine runs: a line per GPU when the panel is wide enough (utilization and memory
 * bars, temperature, power, the run that holds it), two lines when it is not. Without GPUs: CPU and
 * memory from the system info.
 */
export function gpuPanelView(state: DashState, size: { width: number; height: number }): PanelView {
  const { gpus, system } = state;
  if (gpus === null) return { label: ' GPUs ', lines: ['Waiting for the agent…'] };
  if (gpus.length === 0) return { label: ' System (no GPU) ', lines: systemLines(system, size.width) };
  const lines: string[] = [];
  const twoLines = size.width < TWO_LINES_BELOW && size.height >= gpus.length * 2;
  for (const gpu of gpus) lines.push(...(twoLines ? gpuTwoLines(gpu, size.width) : [gpuLine(gpu, size.width)]));
  const name = gpus[0]!.name;
  const label = gpus.every((gpu) => gpu.name === name) ? ` GPUs · ${gpus.length}× ${name} ` : ` GPUs · ${gpus.length} `;
  if (lines.length > size.height && size.height > 0) {
    const hidden = lines.length - size.height + 1;
    return { label, lines: [...lines.slice(0, size.height - 1), `… ${hidden} more line${hidden === 1 ? '' : 's'}`] };
  }
  return { label, lines };
}

/** Narrower than this, a GPU takes two lines (if the panel is tall enough), so its bars stay readable. */
const TWO_LINES_BELOW = 56;

/** The lines the panel wants, for the layout. */
export function gpuPanelLines(state: DashState, width: number): number {
  if (state.gpus === null || state.gpus.length === 0) return 2;
  return state.gpus.length * (width < TWO_LINES_BELOW ? 2 : 1);
}

/** `0 UTIL ████░░ 87% MEM ███░░ 76% 71°C 312W sess_…` */
function gpuLine(gpu: GpuInfo, width: number): string {
  // index, the two labels and percents, temperature, power and the spaces between: 35 cells
  const runWidth = width >= 100 ? 18 : 0;
  const barWidth = Math.max(4, Math.floor((width - 35 - (runWidth > 0 ? runWidth + 1 : 0)) / 2));
  const parts = [
    fit(String(gpu.index), 2),
    'UTIL',
    tag(levelColor(gpu.utilization, 50, 90), bar(fraction(gpu.utilization), barWidth)),
    fit(percent(gpu.utilization), 4, 'right'),
    'MEM',
    tag(levelColor(gpu.memory_percent, 70, 90), bar(fraction(gpu.memory_percent), barWidth)),
    fit(percent(gpu.memory_percent), 4, 'right'),
    tag(levelColor(gpu.temperature, 70, 85), fit(gpu.temperature === null ? '-' : `${gpu.temperature}°C`, 5, 'right')),
    fit(gpu.power_w === null ? '-' : `${Math.round(gpu.power_w)}W`, 5, 'right'),
  ];
  if (runWidth > 0) parts.push(tag(gpu.run_id ? 'green-fg' : 'gray-fg', fit(gpu.run_id ?? 'idle', runWidth)));
  return parts.join(' ');
}

/** Narrow panels: the name and readings, then the two bars. */
function gpuTwoLines(gpu: GpuInfo, width: number): string[] {
  const readings = `${gpu.temperature === null ? '-' : `${gpu.temperature}°C`} ${gpu.power_w === null ? '' : `${Math.round(gpu.power_w)}W`}`.trim();
  const head = `${gpu.index} ${gpu.run_id ?? 'idle'}`;
  const first = fit(head, Math.max(0, width - readings.length - 1)) + ' ' + tag(levelColor(gpu.temperature, 70, 85), readings);
  const barWidth = Math.max(3, Math.floor((width - 20) / 2));
  const second = `  U ${tag(levelColor(gpu.utilization, 50, 90), bar(fraction(gpu.utilization), barWidth))}${fit(percent(gpu.utilization), 5, 'right')} M ${tag(levelColor(gpu.memory_percent, 70, 90), bar(fraction(gpu.memory_percent), barWidth))}${fit(percent(gpu.memory_percent), 5, 'right')}`;
  return [first, second];
}

function systemLines(system: SystemInfo | null, width: number): string[] {
  if (!system) return ['Waiting for the agent…'];
  const barWidth = Math.max(4, width - 26);
  const gb = (mb: number) => (mb / 1024).toFixed(1);
  return [
    `CPU ${tag(levelColor(system.cpu_usage_percent, 70, 90), bar(system.cpu_usage_percent / 100, barWidth))} ${fit(percent(system.cpu_usage_percent), 4, 'right')}`,
    `MEM ${tag(levelColor(system.memory_percent, 70, 90), bar(system.memory_percent / 100, barWidth))} ${fit(percent(system.memory_percent), 4, 'right')} ${gb(system.memory_used_mb)}/${gb(system.memory_total_mb)}G`,
  ];
}

const fraction = (value: number | null) => (value === null ? null : value / 100);
const percent = (value: number | null) => (value === null ? '-' : `${Math.round(value)}%`);
