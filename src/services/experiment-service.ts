import { randomBytes } from 'node:crypto';
import type { Run } from '../domain/run.js';
import type { Experiment } from '../domain/workspace.js';
import { conflict, notFound } from '../errors.js';
import type { RunLifecycle } from './run-lifecycle.js';
import type { WorkspaceStore } from '../store/workspace-store.js';

/** Experiments (seeds 002 and 004): named groups of runs. */
export class ExperimentService {
  constructor(
    private readonly store: WorkspaceStore,
    private readonly state: RunLifecycle,
  ) {}

  async create(input: { name: string; description?: string; tags?: string[] }): Promise<Experiment> {
    if (this.store.data.experiments.some((experiment) => experiment.name === input.name)) throw conflict(`An experiment named '${input.name}' already exists`);
    const now = new Date().toISOString();
    const experiment: Experiment = {
      experiment_id: `exp_${randomBytes(6).toString('hex')}`,
      name: input.name,
      description: input.description ?? '',
      tags: input.tags ?? [],
      created_at: now,
      updated_at: now,
    };
    this.store.data.experiments.push(experiment);
    await this.store.save();
    return experiment;
  }

  list(): Experiment[] {
    return [...this.store.data.experiments];
  }

  get(id: string): Experiment {
    const experiment = this.store.data.experiments.find((candidate) => candidate.experiment_id === id);
    if (!experiment) throw notFound(`Experiment '${id}' not found`);
    return experiment;
  }

  async update(id: string, changes: { name?: string; description?: string; tags?: string[] }): Promise<Experiment> {
    const experiment = this.get(id);
    if (changes.name && changes.name !== experiment.name && this.store.data.experiments.some((other) => other.name === changes.name))
      throw conflict(`An experiment named '${changes.name}' already exists`);
    Object.assign(experiment, changes, { updated_at: new Date().toISOString() });
    await this.store.save();
    return experiment;
  }

  /** With runs it is a 409 unless `detach`: then its runs stay and lose the link. */
  async delete(id: string, detach: boolean): Promise<{ detached: number }> {
    this.get(id);
    const runs = this.runs(id);
    if (runs.length > 0 && !detach) throw conflict(`Experiment ${id} has ${runs.length} run(s): delete with ?detach=true to keep them without the experiment`);
    await this.state.detachFromExperiment(runs.map((run) => run.id));
    this.store.data.experiments = this.store.data.experiments.filter((experiment) => experiment.experiment_id !== id);
    await this.store.save();
    return { detached: runs.length };
  }

  runs(id: string): Run[] {
    this.get(id);
    return this.state.runs.filter((run) => run.experiment_id === id).sort((a, b) => b.seq - a.seq);
  }

  exists(id: string): boolean {
    return this.store.data.experiments.some((experiment) => experiment.experiment_id === id);
  }
}
