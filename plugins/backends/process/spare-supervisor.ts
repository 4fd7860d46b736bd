import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

const supervisorPath = fileURLToPath(new URL('./supervisor.js', import.meta.url));

/**
 * Supervisors started ahead of need: a run is handed one that is already up, so its launch does not wait
 * for a Node start-up (~100–150 ms on a small machine). A spare is an ordinary supervisor that has not
 * been given its spec yet; it is detached like any, and exits quietly when its stdin closes without one
 * (the agent went away). After a spare is taken, the next starts `refillMs` later, so that its start-up
 * does not compete with the run being launched.
 */
export class SpareSupervisors {
  private spare: ChildProcess | null = null;
  private refill: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly enabled: boolean,
    private readonly refillMs: number,
  ) {
    if (enabled) this.scheduleRefill();
  }

  /** A supervisor waiting for its spec: a spare when one is up, else one started now with its diagnostics in `supervisorLog`. */
  take(supervisorLog: string, runId: string): { supervisor: ChildProcess; warm: boolean } {
    const spare = this.spare;
    this.spare = null;
    if (this.enabled) this.scheduleRefill();
    if (spare && spare.exitCode === null && spare.signalCode === null && spare.pid !== undefined) return { supervisor: spare, warm: true };
    spare?.kill('SIGKILL');
    const diagnostics = openSync(supervisorLog, 'a');
    try {
      return { supervisor: startSupervisor(diagnostics, runId), warm: false };
    } finally {
      closeSync(diagnostics);
    }
  }

  close(): void {
    this.closed = true;
    if (this.refill) clearTimeout(this.refill);
    this.refill = null;
    this.spare?.kill('SIGKILL'); // it has no child yet
    this.spare = null;
  }

  private scheduleRefill(): void {
    if (this.closed || this.refill !== null) return;
    this.refill = setTimeout(() => {
      this.refill = null;
      if (this.closed || this.spare !== null) return;
      const spare = startSupervisor('ignore', 'spare');
      // a waiting spare must not keep the agent alive, nor an error on its pipe crash it
      (spare.stdin as unknown as Socket).unref();
      spare.stdin!.on('error', () => {});
      spare.once('exit', () => {
        if (this.spare === spare) this.spare = null;
      });
      this.spare = spare;
    }, this.refillMs);
    this.refill.unref();
  }
}

function startSupervisor(diagnostics: number | 'ignore', label: string): ChildProcess {
  const child = spawn(process.execPath, [supervisorPath, label], { detached: true, stdio: ['pipe', diagnostics, diagnostics] });
  child.unref();
  return child;
}
