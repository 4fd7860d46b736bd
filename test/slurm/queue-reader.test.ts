import { describe, expect, it } from 'vitest';
import { QueueReader } from '../../dist/plugins/backends/slurm/queue-reader.js';

/** Answers `squeue` for many jobs from a table, counting the queries. */
class FakeQueue {
  jobs = new Map<string, { state: string; reason: string; name: string }>();
  queries: string[][] = [];
  fail: Error | null = null;
  async queueStates(ids: readonly string[]) {
    this.queries.push([...ids]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.fail) throw this.fail;
    return new Map([...this.jobs].filter(([id]) => ids.includes(id)));
  }
}

describe('shared squeue reader', () => {
  it('answers 200 followers with one query, and asks again only once the answer is too old', async () => {
    const fake = new FakeQueue();
    for (let id = 1; id <= 200; id++)
      fake.jobs.set(String(id), { state: id % 2 ? 'RUNNING' : 'PENDING', reason: id % 2 ? 'None' : 'Resources', name: `sess_${id}` });
    // the answers age by this clock only: however slow the machine, "fresh" and "too old" are what the test says
    let now = 1_000_000;
    const reader = new QueueReader(fake, 50, () => now);
    // the first question's query is in flight when the others come: they wait for the next, shared one
    const answers = await Promise.all(Array.from({ length: 200 }, (_, index) => reader.queueState(String(index + 1), `sess_${index + 1}`)));
    expect(answers[0]).toEqual({ state: 'RUNNING', reason: 'None' });
    expect(answers[1]).toEqual({ state: 'PENDING', reason: 'Resources' });
    expect(fake.queries.map((ids) => ids.length)).toEqual([1, 200]);
    // 50 ms later the answer is still fresh enough: no new query, even for a job that changed meanwhile
    now += 50;
    fake.jobs.set('7', { state: 'COMPLETED', reason: 'None', name: 'sess_7' });
    expect(await reader.queueState('7', 'sess_7')).toEqual({ state: 'RUNNING', reason: 'None' });
    expect(fake.queries).toHaveLength(2);
    // a millisecond more and it is too old: one new query, for every job followed
    now += 1;
    expect(await reader.queueState('7', 'sess_7')).toEqual({ state: 'COMPLETED', reason: 'None' });
    expect(fake.queries).toHaveLength(3);
    expect(fake.queries.at(-1)).toHaveLength(200);
  });

  it('says null for a job the controller forgot or whose id now names another job; a released job is not asked about', async () => {
    const fake = new FakeQueue();
    fake.jobs.set('1', { state: 'RUNNING', reason: 'None', name: 'someone-else' });
    const reader = new QueueReader(fake, 0);
    expect(await reader.queueState('1', 'sess_1')).toBeNull();
    expect(await reader.queueState('2', 'sess_2')).toBeNull();
    reader.release('1');
    await reader.queueState('2', 'sess_2');
    expect(fake.queries.at(-1)).toEqual(['2']);
  });

  it('a failed query fails every question waiting on it, and the next question asks again', async () => {
    const fake = new FakeQueue();
    fake.jobs.set('1', { state: 'RUNNING', reason: 'None', name: 'sess_1' });
    fake.fail = new Error('squeue timed out');
    const reader = new QueueReader(fake, 0);
    await expect(Promise.all([reader.queueState('1', 'sess_1'), reader.queueState('1', 'sess_1')])).rejects.toThrow('squeue timed out');
    fake.fail = null;
    expect(await reader.queueState('1', 'sess_1')).toEqual({ state: 'RUNNING', reason: 'None' });
  });
});
