const converted = new Map<string, string>();

/** A Koa route template in OpenAPI's form: `/training/:sessionId/status` → `/training/{sessionId}/status`. */
export function openApiPath(koaPath: string): string {
  let path = converted.get(koaPath);
  if (path === undefined) {
    path = koaPath.replace(/:(\w+)/g, '{$1}');
    // route templates only (a few hundred at most): every request's metrics label comes through here
    if (converted.size < 1000) converted.set(koaPath, path);
  }
  return path;
}
