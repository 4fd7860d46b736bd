import { open } from 'node:fs/promises';
import { parseExitCode, type JobEnd } from './job-states.js';
import { parseFields } from './slurm-client.js';

const CHUNK = 64 * 1024;

/**
 * Finds how a job ended in a jobcomp/filetxt file (`JobCompLoc`): one `JobId=… Name=… JobState=…
 * ExitCode=N:S …` line per finished job, appended by slurmctld. This is the record left once the
 * controller has forgotten the job (MinJobAge) on a cluster without accounting. The file holds every
 * job of the cluster, so it is read backwards from its end (newest first), at most `maxBytes` of it.
 * A requeued job has a line per attempt: the last one wins. Null when there is no such line.
 */
export async function findJobcompRecord(file: string, jobId: string, jobName: string, maxBytes = 64 * 1024 * 1024): Promise<JobEnd | null> {
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return null;
  try {
    const { size } = await handle.stat();
    const needle = `JobId=${jobId} `;
    let position = size;
    let carry = Buffer.alloc(0); // the start of a line whose beginning is in the part not read yet
    while (position > 0 && size - position < maxBytes) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      await handle.read(chunk, 0, length, position);
      let text = Buffer.concat([chunk, carry]);
      if (position > 0) {
        const firstNewline = text.indexOf(0x0a);
        if (firstNewline === -1) {
          carry = text;
          continue;
        }
        carry = text.subarray(0, firstNewline);
        text = text.subarray(firstNewline + 1);
      } else carry = Buffer.alloc(0);
      const lines = text.toString('utf8').split('\n');
      for (let index = lines.length - 1; index >= 0; index--) {
        const line = lines[index]!;
        if (!line.startsWith(needle)) continue;
        const record = toJobEnd(parseFields(line), jobName);
        if (record) return record;
      }
    }
    return null;
  } finally {
    await handle.close();
  }
}

function toJobEnd(fields: Record<string, string>, jobName: string): JobEnd | null {
  const code = parseExitCode(fields.ExitCode);
  if (fields.Name !== jobName || !fields.JobState || !code) return null;
  return { state: fields.JobState.toUpperCase(), reason: null, exitCode: code[0], signal: code[1], source: 'jobcomp', endTime: fields.EndTime ?? null };
}
