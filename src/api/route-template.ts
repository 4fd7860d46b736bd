/** A Koa route template in OpenAPI's form: `/training/:sessionId/status` → `/training/{sessionId}/status`. */
export function openApiPath(koaPath: string): string {
  return koaPath.replace(/:(\w+)/g, '{$1}');
}
