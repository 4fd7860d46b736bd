import { randomBytes } from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';
import { resolveParams } from '../domain/recipe.js';
import { isFinal } from '../domain/run.js';
import type { OverlapPolicy, ScheduleRecord } from '../domain/schedule.js';
import { invalid, notFound } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { cronProblems, nextFireTimes } from '../domain/cron-expression.js';
import type { ScheduleStore } from '../store/schedule-store.js';
import type { RecipeCatalog } from './recipe-catalog.js';
import type { RunService } from './run-service.js';

export interface CreateScheduleInput {
  name?: string | null;
  recipe: string;
  params?: Record<string, unknown>;
  gpus?: number;
  priority?: number;
  cron: string;
  timezone?: string;
  overlap?: OverlapPolicy;
}

export interface ScheduleView extends ScheduleRecord {
  next_fire_times: string[];
}

const NEXT_FIRES_SHOWN = 5;

/**
 * Recurring runs. Each schedule has a node-cron task while the agent runs; every fire submits a normal
 * run through the run service, recording the schedule's id on it. Fires missed while the agent was
 * down are not made up.
 */
export class ScheduleService {
  private readonly tasks = new Map<string, ScheduledTask>();

  constructor(private readonly deps: { store: ScheduleStore; runs: RunService; recipes: RecipeCatalog; logger: Logger }) {}

  /** Arms every persisted schedule (at boot). */
  start(): void {
    for (const schedule of this.deps.store.all) this.arm(schedule);
  }

  async create(input: CreateScheduleInput): Promise<ScheduleView> {
    const timezone = input.timezone ?? 'UTC';
    const problems = cronProblems(input.cron, timezone);
    if (!this.deps.recipes.has(input.recipe)) problems.push(`recipe: '${input.recipe}' does not exist`);
    if (problems.length > 0) throw invalid(problems.join('; '));
    // the parameters are checked now, not at the first fire
    const params = resolveParams(this.deps.recipes.get(input.recipe), input.params ?? {});
    const schedule: ScheduleRecord = {
      id: `sched_${randomBytes(6).toString('hex')}`,
      name: input.name ?? null,
      recipe: input.recipe,
      params,
      gpus: input.gpus ?? null,
      priority: input.priority ?? null,
      cron: input.cron.trim(),
      timezone,
      overlap: input.overlap ?? 'skip',
      created_at: new Date().toISOString(),
      last_fired_at: null,
      last_run_id: null,
      runs_started: 0,
      fires_skipped: 0,
      last_error: null,
    };
    await this.deps.store.save(schedule);
    this.arm(schedule);
    return this.view(schedule);
  }

  list(): ScheduleView[] {
    return this.deps.store.all.map((schedule) => this.view(schedule));
  }

  get(id: string): ScheduleView {
    return this.view(this.record(id));
  }

  async delete(id: string): Promise<void> {
    this.record(id);
    await this.tasks.get(id)?.destroy();
    this.tasks.delete(id);
    await this.deps.store.delete(id);
  }

  close(): void {
    for (const task of this.tasks.values()) void task.destroy();
    this.tasks.clear();
  }

  /** One fire: a run, unless the policy is `skip` and the last run has not finished. */
  async fire(id: string, at: Date): Promise<void> {
    const schedule = this.deps.store.get(id);
    if (!schedule) return; // deleted while the fire was due
    const last = schedule.last_run_id ? this.lastRun(schedule.last_run_id) : null;
    const fired = { ...schedule, last_fired_at: at.toISOString() };
    if (schedule.overlap === 'skip' && last && !isFinal(last.state)) {
      await this.update(id, { ...fired, fires_skipped: schedule.fires_skipped + 1 });
      return;
    }
    try {
      const run = await this.deps.runs.submit({
        recipe: schedule.recipe,
        params: schedule.params,
        ...(schedule.gpus !== null && { gpus: schedule.gpus }),
        ...(schedule.priority !== null && { priority: schedule.priority }),
        name: schedule.name,
        scheduleId: schedule.id,
        start: true,
      });
      await this.update(id, { ...fired, last_run_id: run.id, runs_started: schedule.runs_started + 1, last_error: null });
    } catch (error) {
      this.deps.logger.error('a schedule could not start its run', { schedule: id, error: (error as Error).message });
      await this.update(id, { ...fired, last_error: (error as Error).message });
    }
  }

  /** A schedule deleted while its fire was submitting the run stays deleted. */
  private async update(id: string, record: ScheduleRecord): Promise<void> {
    if (this.deps.store.get(id)) await this.deps.store.save(record);
  }

  private lastRun(runId: string) {
    try {
      return this.deps.runs.get(runId);
    } catch {
      return null;
    }
  }

  private arm(schedule: ScheduleRecord): void {
    const task = cron.schedule(schedule.cron, (context) => this.fire(schedule.id, context.triggeredAt ?? new Date()), {
      name: `schedule-${schedule.id}`,
      timezone: schedule.timezone,
      noOverlap: true,
    });
    // in the agent's log, with the schedule named, rather than node-cron's warning on stdout
    task.on('execution:missed', (context) =>
      this.deps.logger.warn('a schedule missed a fire time (the agent was busy)', { schedule: schedule.id, at: context.date?.toISOString?.() }),
    );
    this.tasks.set(schedule.id, task);
  }

  private record(id: string): ScheduleRecord {
    const schedule = this.deps.store.get(id);
    if (!schedule) throw notFound(`Schedule '${id}' not found`);
    return schedule;
  }

  private view(schedule: ScheduleRecord): ScheduleView {
    return { ...schedule, next_fire_times: nextFireTimes(schedule.cron, schedule.timezone, NEXT_FIRES_SHOWN).map((date) => date.toISOString()) };
  }
}
