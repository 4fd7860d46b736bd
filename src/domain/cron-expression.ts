import cron from 'node-cron';
import { isValidTimeZone } from './schedule.js';

/** What is wrong with a cron expression or time zone; empty when both are valid. */
export function cronProblems(expression: string, timezone: string): string[] {
  const problems: string[] = [];
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6)
    problems.push(`cron: '${expression}' has ${fields.length} fields; use 5 (minute hour day month weekday) or 6 (second first)`);
  else {
    const validation = cron.validateDetailed(expression);
    if (!validation.valid)
      problems.push(
        ...(validation.errors.length > 0
          ? validation.errors.map((error) => `cron: ${error.field}: ${error.message}`)
          : [`cron: '${expression}' is not a valid expression`]),
      );
  }
  if (!isValidTimeZone(timezone)) problems.push(`timezone: '${timezone}' is not an IANA time zone (e.g. UTC, Europe/Paris)`);
  return problems;
}

/** The next `count` fire times, from node-cron's own calculator on a task that is never started. */
export function nextFireTimes(expression: string, timezone: string, count: number): Date[] {
  const task = cron.createTask(expression, () => {}, { timezone });
  try {
    return task.getNextRuns(count);
  } finally {
    void task.destroy();
  }
}
