import { ROUTE_DOCS } from '../../dist/src/api/route-docs.js';

const STREAM_ROUTES = Object.entries(ROUTE_DOCS)
  .filter(([, doc]) => doc.stream)
  .map(([key, doc]) => ({ key, doc, pattern: new RegExp(`^${key.split(' ')[1]!.replace(/:\w+/g, '[^/]+')}$`) }));

/**
 * Checks one event a stream route sent against what the route documents (route-docs.ts `events`):
 * its name must be documented and its data must match that event's schema. Throws naming the
 * difference, so that the test reading the stream fails.
 */
export function checkStreamEvent(url: string, name: string, data: unknown): void {
  const path = new URL(url).pathname;
  const route = STREAM_ROUTES.find((candidate) => candidate.pattern.test(path));
  if (!route) throw new Error(`${path} is not a documented stream route`);
  const event = route.doc.events?.[name];
  if (!event)
    throw new Error(`${route.key} sent the event '${name}', which it does not document (documented: ${Object.keys(route.doc.events ?? {}).join(', ')})`);
  const result = event.data.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || 'data'}: ${issue.message}`);
    throw new Error(`${route.key} sent a '${name}' event that does not match its documented schema: ${problems.join('; ')}`);
  }
}
