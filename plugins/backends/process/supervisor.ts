/**
 * The supervisor: one small Node process per run, started detached by the process backend. It starts
 * the training command in its own process group, turns its output into log and metric records, and
 * writes the exit record when it ends. It does not depend on the agent being alive: the agent can be
 * restarted or killed while training goes on.
 *
 * Input: a JSON SupervisorSpec on stdin. SIGTERM: stop the training (the recipe's stop signal to its
 * group, SIGKILL after the grace period).
 */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
// the SDK's output half only: a cold launch waits for this process's start-up
import { LineSplitter, OutputParser, ProgressFile, RunOutputWriter, type MetricsFormat } from '../../../src/plugins/run-output.js';
import { GROUP_FILE, type GroupRecord } from './orphaned-group.js';
import { processStartTimeSync } from './process-identity.js';

export interface SupervisorSpec {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  paths: { log: string; metrics: string; exit: string };
  metricsRegex?: string;
  logMetricLines?: boolean;
  metricsFormat?: MetricsFormat;
  /** Also keep the output byte for byte (colours, bar redraws) in RAW_OUTPUT_FILE, up to RAW_OUTPUT_MAX_BYTES. */
  rawOutput?: boolean;
  /** What a stop sends the process group first (SIGTERM by default). */
  stopSignal?: NodeJS.Signals;
  stopGraceMs: number;
  /** The cap on the run's log.jsonl (run_log_cap_mb), rotated beyond it; unlimited when absent. */
  logCapBytes?: number;
  /** Where a supervisor started ahead of its run (a spare, whose stderr goes nowhere) writes what goes wrong. */
  supervisorLog?: string;
}

// A stop can arrive before the spec is read: remember it instead of dying without an exit record.
// One listener for the whole life of the process: removing a signal listener and adding another drops
// a SIGTERM that libuv has caught but not yet dispatched (a stop sent just as the spec arrives was lost).
let stoppedBeforeStart = false;
let onStop: () => void = () => {
  stoppedBeforeStart = true;
};
process.on('SIGTERM', () => onStop());

/** The spec, or null when stdin closed empty: a spare whose agent went away before handing it a run. */
async function readSpec(): Promise<SupervisorSpec | null> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return null;
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as SupervisorSpec;
}

function reportFailuresTo(supervisorLog: string): void {
  const report = (error: unknown) => {
    try {
      appendFileSync(supervisorLog, `supervisor: ${(error as Error)?.stack ?? String(error)}\n`);
    } finally {
      process.exit(1);
    }
  };
  process.on('uncaughtException', report);
  process.on('unhandledRejection', report);
}

function supervise(spec: SupervisorSpec | null): void {
  if (spec === null) process.exit(0);
  if (spec.supervisorLog) reportFailuresTo(spec.supervisorLog);
  const writer = new RunOutputWriter(spec.paths, { logCapBytes: spec.logCapBytes });
  const parser = new OutputParser(spec.metricsRegex, spec.logMetricLines, spec.metricsFormat);
  const progress = new ProgressFile(writer);
  const stopSignal = spec.stopSignal ?? 'SIGTERM';
  let stopRequested = false;
  let launchError: string | null = null;
  const now = () => new Date().toISOString();

  if (stoppedBeforeStart) {
    writer.appendLogs([{ ts: now(), level: 'INFO', stream: 'agent', message: 'Stopped before the process started' }]);
    void writer.finish({ exit_code: null, signal: null, stop_requested: true, error: null, ended_at: now() }).then(() => process.exit(0));
    return;
  }
  writer.appendLogs([{ ts: now(), level: 'INFO', stream: 'agent', message: `Starting: ${spec.argv.map(quoteForDisplay).join(' ')}` }]);
  const child = spawn(spec.argv[0]!, spec.argv.slice(1), { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid !== undefined)
    recordGroup(writer, { pgid: child.pid, start_time: processStartTimeSync(child.pid), stop_signal: stopSignal, grace_ms: spec.stopGraceMs });

  const consume = (stream: 'stdout' | 'stderr', lines: string[], splitter: LineSplitter) => {
    if (lines.length > 0) {
      const { logText, metricText } = parser.serializeBatch(lines, stream, now());
      writer.appendMetricText(metricText);
      writer.appendLogText(logText);
    }
    const redraw = splitter.takeRedraw();
    if (redraw !== null) parser.observeRedraw(redraw);
    progress.offer(parser.takeProgress());
  };
  const keepRaw = spec.rawOutput ? rawOutputKeeper(writer) : null;
  for (const stream of ['stdout', 'stderr'] as const) {
    const splitter = new LineSplitter();
    child[stream].on('data', (chunk: Buffer) => {
      keepRaw?.(chunk);
      consume(stream, splitter.push(chunk), splitter);
    });
    child[stream].on('end', () => consume(stream, splitter.end(), splitter));
  }

  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // the group is already gone
    }
  };
  onStop = () => {
    if (stopRequested) return;
    stopRequested = true;
    writer.appendLogs([
      { ts: now(), level: 'INFO', stream: 'agent', message: `Stop requested: ${stopSignal}, SIGKILL in ${spec.stopGraceMs} ms if still running` },
    ]);
    signalGroup(stopSignal);
    setTimeout(() => signalGroup('SIGKILL'), spec.stopGraceMs).unref();
  };
  process.on('SIGINT', () => {});
  process.on('SIGHUP', () => {});

  child.on('error', (error) => {
    launchError = `Cannot start ${spec.argv[0]}: ${error.message}`;
  });
  child.on('close', (code, signal) => {
    const exit = {
      exit_code: launchError ? 127 : code,
      signal: signal ?? null,
      stop_requested: stopRequested,
      error: launchError,
      ended_at: now(),
    };
    const summary = launchError ?? (signal ? `Process killed by ${signal}` : `Process exited with code ${code}`);
    writer.appendLogs([{ ts: exit.ended_at, level: exit.exit_code === 0 ? 'INFO' : 'ERROR', stream: 'agent', message: summary }]);
    progress.flush();
    // on a full disk: waits (the training has ended) until its output and exit record are written
    void writer.finish(exit).then(() => {
      writer.close();
      process.exit(0);
    });
  });
}

const RAW_OUTPUT_FILE = 'raw-output.log';
const RAW_OUTPUT_MAX_BYTES = 64 * 1024 * 1024;

/** Appends each chunk of output as printed, both streams as they arrive, until the cap; then says it stopped. */
function rawOutputKeeper(writer: RunOutputWriter): (chunk: Buffer) => void {
  let written = 0;
  let open = true;
  return (chunk) => {
    if (!open) return;
    try {
      const room = RAW_OUTPUT_MAX_BYTES - written;
      writer.appendRunFile(RAW_OUTPUT_FILE, chunk.length <= room ? chunk : chunk.subarray(0, room));
      written += Math.min(chunk.length, room);
      if (written >= RAW_OUTPUT_MAX_BYTES) {
        open = false;
        writer.appendRunFile(
          RAW_OUTPUT_FILE,
          Buffer.from(`\n[trainer: raw output stops here, at its ${RAW_OUTPUT_MAX_BYTES} byte cap; the run's log goes on]\n`),
        );
      }
    } catch {
      open = false; // a full disk ends the raw copy, never the run
    }
  };
}

/**
 * The training's process group, written before any output is read: a supervisor killed outright
 * (`kill -9`, the OOM killer) cannot take its group with it, so the agent ends the group from this record.
 */
function recordGroup(writer: RunOutputWriter, record: GroupRecord): void {
  try {
    writer.writeRunFile(GROUP_FILE, JSON.stringify(record));
  } catch {
    // a safety net only (a full disk must not end the run): without it, only the supervisor can end the group
  }
}

function quoteForDisplay(argument: string): string {
  return /^[\w@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replace(/'/g, `'\\''`)}'`;
}

readSpec().then(supervise, (error: Error) => {
  process.stderr.write(`supervisor: bad spec on stdin: ${error.message}\n`);
  process.exit(2);
});
