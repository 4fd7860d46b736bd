import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/**
 * A process's start time (field 22 of /proc/<pid>/stat), so that a PID recorded before an agent
 * restart is not mistaken for an unrelated process that reused it. Null where /proc is absent.
 */
export async function processStartTime(pid: number): Promise<string | null> {
  try {
    return startTimeIn(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

export function processStartTimeSync(pid: number): string | null {
  try {
    return startTimeIn(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

function startTimeIn(stat: string): string | null {
  // the command name (field 2) is in parentheses and may contain spaces: split after the last ')'
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
}

/** Whether any process of the group is left. */
export function groupIsAlive(pgid: number): boolean {
  return isAlive(-pgid);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Alive and, where it can be checked, the same process that was recorded. */
export async function isSameProcess(pid: number, startTime: string | null): Promise<boolean> {
  if (!isAlive(pid)) return false;
  if (startTime === null) return true;
  const current = await processStartTime(pid);
  return current === null || current === startTime;
}
