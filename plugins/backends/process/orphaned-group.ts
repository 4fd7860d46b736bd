import { readFile } from 'node:fs/promises';
import { groupIsAlive, isAlive, processStartTime } from './process-identity.js';

/** Where, in the run's directory, the supervisor records its training's process group. */
export const GROUP_FILE = 'process-group.json';

export interface GroupRecord {
  pgid: number;
  /** The group leader's start time (field 22 of /proc/<pid>/stat): a reused PID is not taken for it. */
  start_time: string | null;
  stop_signal: NodeJS.Signals;
  grace_ms: number;
}

/** How long the group may linger after SIGKILL (zombies nobody reaps) before the run is given up anyway. */
const AFTER_KILL_WAIT_MS = 10_000;
const POLL_MS = 100;

/**
 * A supervisor that died without recording an exit (`kill -9`, the OOM killer) leaves its training
 * process group running with no parent: the GPUs it holds would be given to the next run while it still
 * uses them, and nothing could stop it. The agent ends the group as a stop would — the recipe's stop
 * signal, SIGKILL after the grace period — and resolves once nothing of it runs. Says what it did, or null
 * when nothing of the group was left (or no group was recorded).
 */
export async function endOrphanedGroup(recordPath: string): Promise<string | null> {
  let record: GroupRecord;
  try {
    record = JSON.parse(await readFile(recordPath, 'utf8')) as GroupRecord;
  } catch {
    return null;
  }
  const { pgid, stop_signal: stopSignal, grace_ms: graceMs } = record;
  if (!Number.isInteger(pgid) || pgid <= 1 || !groupIsAlive(pgid)) return null;
  // a group id is held while any member lives; a live leader with another start time means the id was reused
  if (isAlive(pgid) && record.start_time !== null) {
    const startTime = await processStartTime(pgid);
    if (startTime !== null && startTime !== record.start_time) return null;
  }
  signalGroup(pgid, stopSignal);
  const killAt = Date.now() + graceMs;
  let killedAt: number | null = null;
  while (groupIsAlive(pgid)) {
    if (killedAt === null && Date.now() >= killAt) {
      signalGroup(pgid, 'SIGKILL');
      killedAt = Date.now();
    }
    if (killedAt !== null && Date.now() - killedAt > AFTER_KILL_WAIT_MS)
      return `its process group ${pgid} got ${stopSignal}, then SIGKILL, and has not gone ${AFTER_KILL_WAIT_MS} ms later`;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS).unref());
  }
  return `its process group ${pgid} was still running: ended by the agent with ${stopSignal}${killedAt === null ? '' : `, then SIGKILL after ${graceMs} ms`}`;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone
  }
}
