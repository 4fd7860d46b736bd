/**
 * The half of the plugin SDK that reads a training process's output and writes a run's files, without
 * the plugin definitions (and so without zod): what a run's detached supervisor loads, since every cold
 * launch waits for its start-up. Published as `trainer/plugin/output`; `trainer/plugin` re-exports it.
 */
export { RunOutputWriter, type RunOutputPaths } from '../store/run-output-writer.js';
// lines (tqdm redraws included), metrics in every format a recipe names, progress
export { LineSplitter, latestRedrawIn } from './output/line-splitter.js';
export { OutputParser, type OutputProgress } from './output/output-parser.js';
export { parseKerasStepLine, parseKeyValueLine, parsePythonDict, type MetricsFormat, type MetricValue } from './output/output-formats.js';
export { barPosition, stripAnsi, type BarPosition } from './output/progress-bar.js';
export { PROGRESS_FILE, ProgressFile } from './output/progress-file.js';
