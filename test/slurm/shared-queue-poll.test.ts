import { describe, expect, it } from 'vitest';
import { SharedQueuePoll } from '../../dist/plugins/backends/slurm/shared-queue-poll.js';

/** A stand-in for the client's one squeue call, recording what each call asked for. */
function fakeSqueue(known: Record<string, { state: string; reason: string; name: string }>, delayMs = 5) {
  const calls: string[][] = [];
  let fail: Error | null = null;
  return {
    calls,
    failNext(error: Error) {
      fail = error;
    },
    async queueStates(ids: readonly string[]) {
      calls.push([...ids]);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (fail) {
        const error = fail;
        fail = null;
        throw error;
      }
      return new Map(ids.filter((id) => id in known).map((id) => [id, known[id]!]));
    },
  };
}

describe('shared squeue poll', () => {
  it('answers many jobs with one squeue, each by its own id and name', async () => {
    const known: Record<string, { state: string; reason: string; name: string }> = {};
    for (let id = 1; id <= 200; id++) known[String(id)] = { state: id % 2 ? 'RUNNING' : 'PENDING', reason: id % 2 ? 'None' : 'Resources', name: `sess_${id}` };
    const squeue = fakeSqueue(known);
    const poll = new SharedQueuePoll(squeue, 50);
    const answers = await Promise.all(Array.from({ length: 200 }, (_, index) => poll.queueState(String(index + 1), `sess_${index + 1}`)));
    expect(squeue.calls).toHaveLength(1);
    expect(squeue.calls[0]).toHaveLength(200);
    expect(answers[0]).toEqual({ state: 'RUNNING', reason: 'None' });
    expect(answers[1]).toEqual({ state: 'PENDING', reason: 'Resources' });
    // unknown to the controller, or the id now names another job: null
    expect(await Promise.all([poll.queueState('999', 'sess_999'), poll.queueState('3', 'sess_other')])).toEqual([null, null]);
    expect(poll.stats).toMatchObject({ polls: 2, requests: 202, jobsAsked: 202 });
  });

  it('requests made while a poll is in flight go to the next poll; an error reaches every waiter of its poll only', async () => {
    const squeue = fakeSqueue({ '7': { state: 'RUNNING', reason: 'None', name: 'a' }, '8': { state: 'COMPLETED', reason: 'None', name: 'b' } }, 30);
    const poll = new SharedQueuePoll(squeue, 10);
    squeue.failNext(new Error('squeue timed out'));
    const first = poll.queueState('7', 'a');
    await new Promise((resolve) => setTimeout(resolve, 5)); // the first poll is in flight
    const second = poll.queueState('8', 'b');
    await expect(first).rejects.toThrow('squeue timed out');
    expect(await second).toEqual({ state: 'COMPLETED', reason: 'None' });
    expect(squeue.calls).toEqual([['7'], ['8']]);
  });

  it('close fails what is still waiting', async () => {
    const poll = new SharedQueuePoll(fakeSqueue({}), 60_000);
    await poll.queueState('1', 'x'); // the first poll runs at once; the next waits for the gap
    const waiting = poll.queueState('1', 'x');
    poll.close();
    await expect(waiting).rejects.toThrow('closing');
  });
});
