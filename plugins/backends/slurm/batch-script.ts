/** Variables the agent sets for every run besides the recipe's own `env`. */
const RUN_VARIABLES = ['TRAINER_RUN_ID', 'TRAINER_OUTPUT_DIR', 'PYTHONUNBUFFERED'];
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One shell word that the shell takes literally, whatever it holds: `'…'`, with `'` written as `'\''`. */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('an argument or variable contains a NUL byte');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface BatchScriptInput {
  runId: string;
  recipe: string;
  argv: string[];
  /** The run's complete environment (the agent's own, the recipe's, TRAINER_*). */
  env: Record<string, string>;
  /** The recipe's own variables: written into the script with the agent's per-run ones. */
  recipeEnv: Record<string, string>;
  gpus: number;
  /** For the comment that says how the script was submitted. */
  sbatchArgs: string[];
}

/**
 * The batch script of a run. The recipe's argv is `exec`ed with every argument single-quoted, so no
 * value is ever interpreted by the shell (no expansion, no word splitting, no second command) and the
 * training process is the batch step itself: Slurm's signals reach it directly and its exit code is the
 * job's. The run's own variables are exported in the script (so a person can resubmit it as is); the
 * rest of the agent's environment reaches the job through sbatch's default `--export=ALL`, so that
 * secrets of the agent's environment are not written to disk. CUDA_VISIBLE_DEVICES is left to Slurm
 * when GPUs are asked for (GRES sets it to the allocated devices) and emptied when none are.
 */
export function renderBatchScript(input: BatchScriptInput): string {
  if (input.argv.length === 0) throw new Error('the recipe command is empty');
  const lines = [
    '#!/bin/sh',
    `# Slurm batch script of trainer run ${input.runId} (recipe ${input.recipe}), written by the agent's slurm backend.`,
    `# Submitted as: sbatch ${input.sbatchArgs.map(displayWord).join(' ')} <this file>`.replace(/[\r\n]/g, ' '),
  ];
  const names = [...Object.keys(input.recipeEnv), ...RUN_VARIABLES.filter((name) => !(name in input.recipeEnv))];
  for (const name of names) {
    if (!VARIABLE_NAME.test(name)) throw new Error(`the recipe's env names a variable the shell cannot set: ${JSON.stringify(name)}`);
    const value = input.env[name] ?? input.recipeEnv[name];
    if (value !== undefined) lines.push(`export ${name}=${shellQuote(value)}`);
  }
  if (input.gpus === 0) lines.push(`export CUDA_VISIBLE_DEVICES=''  # no GPUs asked for: none visible`);
  else lines.push(`# CUDA_VISIBLE_DEVICES: set by Slurm to the ${input.gpus} GPU(s) it allocated`);
  lines.push(`exec ${input.argv.map(shellQuote).join(' ')}`, '');
  return lines.join('\n');
}

/** The environment sbatch runs with (and, by `--export=ALL`, the job's): the run's, less what Slurm sets. */
export function submitEnvironment(env: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    // the executor's CUDA_VISIBLE_DEVICES names local GPUs; Slurm sets the job's own
    if (name === 'CUDA_VISIBLE_DEVICES') continue;
    result[name] = value;
  }
  return result;
}

function displayWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : shellQuote(word);
}
