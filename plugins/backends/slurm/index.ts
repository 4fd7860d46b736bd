import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import {
  OutputParser,
  RunOutputWriter,
  defineBackend,
  type BackendHandle,
  type ExitRecord,
  type Logger,
  type RunFilePaths,
  type RunLaunch,
  type RunningRun,
  type TrainingBackend,
} from '../../../src/plugins/sdk.js';
import { renderBatchScript, submitEnvironment } from './batch-script.js';
import { FOLLOW_STATE_FILE, JobFollower, type FollowState } from './job-follower.js';
import { parseJobOptions, sbatchFlags } from './job-options.js';
import { JobOutputTailer } from './output-tailer.js';
import { QueueReader } from './queue-reader.js';
import { SlurmClient } from './slurm-client.js';

const command = z.string().min(1);

/** Config key `backend:slurm` in the config file's `plugins.config`. */
const ConfigSchema = z
  .object({
    /** The Slurm client commands: names on PATH, or paths. */
    sbatch: command.default('sbatch'),
    squeue: command.default('squeue'),
    scontrol: command.default('scontrol'),
    scancel: command.default('scancel'),
    sacct: command.default('sacct'),
    /** Extra sbatch flags for every job (`["--export=NONE", "--nice=10"]`), before a recipe's options. */
    sbatch_args: z.array(z.string()).default([]),
    /** How often each job's state is asked for (squeue). */
    poll_interval_seconds: z.number().min(0.1).max(3600).default(2),
    /** How often each job's output files are checked for new lines. */
    output_poll_ms: z.number().int().min(20).max(60_000).default(500),
    /**
     * The jobcomp/filetxt file (slurm.conf JobCompLoc), read for jobs the controller has forgotten
     * when there is no accounting. Default: asked of `scontrol show config` when JobCompType is
     * jobcomp/filetxt. `false`: never read one.
     */
    jobcomp_file: z.union([z.string().min(1), z.literal(false)]).optional(),
    /** A Slurm command that has not answered in this time is killed and retried at the next poll. */
    command_timeout_seconds: z.number().min(1).max(600).default(30),
  })
  .strict();
type Config = z.infer<typeof ConfigSchema>;

const HandleSchema = z.object({ job_id: z.string().regex(/^\d+(?:_\d+)?$/) });

const SCRIPT_FILE = 'slurm-job.sh';
const OUT_FILE = 'slurm-job.out';
const ERR_FILE = 'slurm-job.err';

/**
 * Runs a recipe's command as a Slurm batch job. The handle is the job id; the job lives in Slurm, so
 * the agent can restart (or be killed) at any time and re-attach by the id. A small follower per job
 * in the agent tails its output files into the run's log and metrics and records how it ended.
 * GPUs are Slurm's (GRES): the agent does not assign local GPU ids to these runs.
 */
class SlurmBackend implements TrainingBackend {
  readonly managesGpus = true;
  private readonly slurm: SlurmClient;
  private readonly queue: QueueReader;
  private readonly followers = new Map<string, JobFollower>();
  private jobcompFile: Promise<string | null> | null = null;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
  ) {
    this.slurm = new SlurmClient({ ...config, timeoutMs: config.command_timeout_seconds * 1000 });
    // answers up to half a poll interval old: followers' polls at any phase share about two queries per interval
    this.queue = new QueueReader(this.slurm, (config.poll_interval_seconds * 1000) / 2);
  }

  async start(launch: RunLaunch): Promise<RunningRun> {
    const options = parseJobOptions(launch.recipe.backend_options);
    const writer = new RunOutputWriter(launch.paths, { logCapBytes: launch.logCapBytes });
    try {
      const args = [
        ...this.config.sbatch_args,
        ...sbatchFlags(options, launch.gpus),
        `--job-name=${launch.runId}`,
        `--output=${join(launch.paths.dir, OUT_FILE)}`,
        `--error=${join(launch.paths.dir, ERR_FILE)}`,
        '--open-mode=append',
        `--chdir=${launch.cwd}`,
      ];
      const script = renderBatchScript({
        runId: launch.runId,
        recipe: launch.recipe.name,
        argv: launch.argv,
        env: launch.env,
        recipeEnv: launch.recipe.env,
        gpus: launch.gpus,
        sbatchArgs: args,
      });
      const scriptPath = writer.writeRunFile(SCRIPT_FILE, script);
      const jobId = await this.slurm.submit([...args, scriptPath], submitEnvironment(launch.env));
      writer.appendLogs([
        { ts: new Date().toISOString(), level: 'INFO', stream: 'agent', message: `Submitted Slurm job ${jobId}: sbatch ${args.join(' ')} ${SCRIPT_FILE}` },
      ]);
      const state = {
        ...freshState(jobId, launch.runId, launch.recipe.metrics_regex ?? null, launch.recipe.log_metric_lines),
        metrics_format: launch.recipe.metrics_format,
        stop_signal: launch.recipe.stop_signal,
        log_cap_bytes: launch.logCapBytes ?? null,
      };
      const follower = this.follow(launch.paths, state, writer);
      return { handle: { job_id: jobId }, finished: follower.finished };
    } catch (error) {
      writer.close();
      throw error;
    }
  }

  async stop(handle: BackendHandle, options: { graceMs: number }): Promise<void> {
    const { job_id: jobId } = HandleSchema.parse(handle);
    const follower = this.followers.get(jobId);
    if (follower) return follower.requestStop(options.graceMs);
    await this.slurm.cancel(jobId); // not followed here (should not happen): no grace to keep
  }

  async reattach(handle: BackendHandle, paths: RunFilePaths): Promise<RunningRun> {
    const { job_id: jobId } = HandleSchema.parse(handle);
    const recorded = await readJson<ExitRecord>(paths.exit);
    if (recorded) return { handle, finished: Promise.resolve(recorded) }; // ended and recorded before the agent went down
    const saved = await readJson<FollowState>(join(paths.dir, FOLLOW_STATE_FILE));
    // no saved state: the agent went down between sbatch and saving it, so nothing was consumed yet
    const state = saved?.job_id === jobId ? saved : freshState(jobId, basename(paths.dir), null, false);
    const writer = new RunOutputWriter(paths, { logCapBytes: state.log_cap_bytes ?? undefined });
    writer.appendLogs([{ ts: new Date().toISOString(), level: 'INFO', stream: 'agent', message: `Re-attached to Slurm job ${jobId} after an agent restart` }]);
    const follower = this.follow(paths, state, writer);
    return { handle, finished: follower.finished };
  }

  /** The agent is going away; the jobs are not. A later agent re-attaches them. */
  async close(): Promise<void> {
    const followers = [...this.followers.values()];
    this.followers.clear();
    await Promise.all(followers.map((follower) => follower.close()));
  }

  private follow(paths: RunFilePaths, state: FollowState, writer: RunOutputWriter): JobFollower {
    const parser = new OutputParser(state.metrics_regex ?? undefined, state.log_metric_lines, state.metrics_format);
    const tailer = new JobOutputTailer(
      { out: join(paths.dir, OUT_FILE), err: join(paths.dir, ERR_FILE) },
      { out: state.out_offset, err: state.err_offset },
      parser,
      writer,
    );
    const follower = new JobFollower(
      this.slurm,
      state,
      writer,
      tailer,
      {
        pollIntervalMs: this.config.poll_interval_seconds * 1000,
        outputPollMs: this.config.output_poll_ms,
        jobcompFile: () => this.findJobcompFile(),
        goneProbesBeforeLost: 3,
      },
      this.logger.child({ run: state.job_name, job: state.job_id }),
      this.queue,
    );
    this.followers.set(state.job_id, follower);
    void follower.finished.then(() => this.followers.delete(state.job_id));
    follower.saveState();
    follower.start();
    return follower;
  }

  private findJobcompFile(): Promise<string | null> {
    if (this.config.jobcomp_file === false) return Promise.resolve(null);
    if (this.config.jobcomp_file) return Promise.resolve(this.config.jobcomp_file);
    this.jobcompFile ??= this.slurm.config().then(
      (config) => (config.JobCompType === 'jobcomp/filetxt' && config.JobCompLoc ? config.JobCompLoc : null),
      () => {
        this.jobcompFile = null; // ask again next time
        return null;
      },
    );
    return this.jobcompFile;
  }
}

function freshState(jobId: string, jobName: string, metricsRegex: string | null, logMetricLines: boolean): FollowState {
  return {
    job_id: jobId,
    job_name: jobName,
    metrics_regex: metricsRegex,
    log_metric_lines: logMetricLines,
    out_offset: 0,
    err_offset: 0,
    stop_requested_at: null,
    stop_grace_ms: null,
    cancel_sent: false,
  };
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

export default defineBackend({
  name: 'slurm',
  description: "Runs a recipe's command as a Slurm batch job (sbatch); GPUs through GRES; jobs survive agent restarts.",
  configSchema: ConfigSchema,
  create: (context, config) => new SlurmBackend(config, context.logger),
});
