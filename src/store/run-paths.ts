import { join } from 'node:path';

/** Where each run's files live: `<runs-dir>/<run id>/`. */
export class RunPaths {
  constructor(readonly runsDir: string) {}

  dir(runId: string): string {
    return join(this.runsDir, runId);
  }
  log(runId: string): string {
    return join(this.dir(runId), 'log.jsonl');
  }
  metrics(runId: string): string {
    return join(this.dir(runId), 'metrics.jsonl');
  }
  exit(runId: string): string {
    return join(this.dir(runId), 'exit.json');
  }
  output(runId: string): string {
    return join(this.dir(runId), 'output');
  }
  supervisorLog(runId: string): string {
    return join(this.dir(runId), 'supervisor.log');
  }

  /** Where the run's output says it stands (epoch of epochs, a progress bar's n/total), replaced whole by its backend. */
  progress(runId: string): string {
    return join(this.dir(runId), 'progress.json');
  }
}
