import { describe, expect, it } from 'vitest';
import { startTestAgent, waitFor, waitForState } from '../helpers/agent-harness.js';

const STARTS = 50;
const PROCESS_EVENTS = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'uncaughtException', 'unhandledRejection', 'warning'] as const;

/** Active handles and requests by type (`Timeout`, `TCPServerWrap`, `FSReqCallback`...). */
function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/** Types of which there are more now than in `before`. */
function leftOver(before: Map<string, number>): Record<string, number> {
  const extra: Record<string, number> = {};
  for (const [type, count] of activeResources()) if (count > (before.get(type) ?? 0)) extra[type] = count - (before.get(type) ?? 0);
  return extra;
}

const processListeners = () => Object.fromEntries(PROCESS_EVENTS.map((event) => [event, process.listenerCount(event)]));

describe('the agent closes everything it started', () => {
  it(`leaves no listener, handle or timer behind after ${STARTS} starts and closes in one process`, async () => {
    // one start and close first: what module loading leaves for good (prom-client's, undici's) is not the agent's
    await (await startTestAgent()).close();
    const resourcesBefore = activeResources();
    const listenersBefore = processListeners();

    for (let start = 0; start < STARTS; start++) {
      const test = await startTestAgent();
      // some work through every kind of part: an API call, a tracked run that is followed, metrics, a scrape
      expect((await test.api('GET', '/health')).status).toBe(200);
      const created = await test.api('POST', '/api/v1/training/sessions', { tracking_only: true });
      expect(created.status, JSON.stringify(created.body)).toBeLessThan(300);
      const id = created.body.session_id;
      expect((await test.api('POST', `/api/v1/training/${id}/metrics`, { points: [{ epoch: 1, metrics: { loss: 0.8 } }] })).status).toBe(202);
      await test.api('GET', '/metrics');
      expect((await test.api('POST', `/api/v1/training/${id}/complete`, {})).status).toBeLessThan(300);
      await waitForState(test.api, id, ['completed']);
      const { events } = test.agent;
      await test.close();
      expect(events.listenerCount(), `event-bus listeners after close ${start + 1}`).toBe(0);
    }

    // handles close asynchronously (a socket's close callback): wait for them, then compare
    await waitFor(() => Object.keys(leftOver(resourcesBefore)).length === 0, `no handle left (left: ${JSON.stringify(leftOver(resourcesBefore))})`).catch(
      () => undefined,
    );
    expect(leftOver(resourcesBefore)).toEqual({});
    expect(processListeners()).toEqual(listenersBefore);
  });
});
