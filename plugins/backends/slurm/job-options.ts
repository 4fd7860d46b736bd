import { z } from 'zod';

const NAME = /^[A-Za-z0-9_.+-]{1,128}$/;
const nameOf = (what: string) => z.string().regex(NAME, `a Slurm ${what} name (letters, digits, "_", ".", "+", "-")`);

/** Slurm's time formats: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS, or UNLIMITED. */
const TIME = /^(?:\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d{1,2}(?::\d{1,2}(?::\d{1,2})?)?|UNLIMITED|INFINITE)$/;

/** A recipe's `backend_options` for the slurm backend; validated when a run starts. */
export const JobOptionsSchema = z
  .object({
    partition: nameOf('partition').optional(),
    account: nameOf('account').optional(),
    qos: nameOf('QOS').optional(),
    /** `--time`: minutes (a number) or a Slurm time string ("2:00:00", "1-12"). */
    time_limit: z.union([z.number().int().positive(), z.string().regex(TIME, 'a Slurm time limit: minutes, "HH:MM:SS", "D-HH:MM" or UNLIMITED')]).optional(),
    cpus_per_task: z.number().int().min(1).max(4096).optional(),
    /** `--mem`: megabytes (a number) or with a unit ("16G"). */
    mem: z.union([z.number().int().positive(), z.string().regex(/^\d+[KMGT]?$/i, 'a memory size like 4096, "512M" or "16G"')]).optional(),
    /** How the run's GPU count is asked for: `--gres=gpu[:type]:N` (default) or `--gpus=[type:]N`. */
    gpu_option: z.enum(['gres', 'gpus']).default('gres'),
    /** A GPU type the cluster defines in gres.conf (`a100`). */
    gpu_type: nameOf('GPU type').optional(),
    /** `--constraint`: node features ("volta&ib"). */
    constraint: z
      .string()
      .regex(/^[\w.&|!()[\]*:,-]{1,256}$/, 'a Slurm constraint expression')
      .optional(),
  })
  .strict();
export type JobOptions = z.infer<typeof JobOptionsSchema>;

/** Parses a recipe's backend_options; a bad one throws with every problem named. */
export function parseJobOptions(raw: unknown): JobOptions {
  const parsed = JobOptionsSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new Error(`Invalid backend_options for the slurm backend: ${problems}`);
  }
  return parsed.data;
}

/** The sbatch flags that the options and the run's GPU count make (each one argv entry). */
export function sbatchFlags(options: JobOptions, gpus: number): string[] {
  const flags: string[] = [];
  if (options.partition) flags.push(`--partition=${options.partition}`);
  if (options.account) flags.push(`--account=${options.account}`);
  if (options.qos) flags.push(`--qos=${options.qos}`);
  if (options.time_limit !== undefined) flags.push(`--time=${options.time_limit}`);
  if (options.cpus_per_task !== undefined) flags.push(`--cpus-per-task=${options.cpus_per_task}`);
  if (options.mem !== undefined) flags.push(`--mem=${options.mem}`);
  if (options.constraint) flags.push(`--constraint=${options.constraint}`);
  if (gpus > 0) {
    const type = options.gpu_type ? `${options.gpu_type}:` : '';
    flags.push(options.gpu_option === 'gpus' ? `--gpus=${type}${gpus}` : `--gres=gpu:${type}${gpus}`);
  }
  return flags;
}
