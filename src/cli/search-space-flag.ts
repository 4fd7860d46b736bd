/**
 * `--space` values of `trainer sweep`: `name=float:LOW:HIGH[:log|:step=S]`, `name=int:LOW:HIGH[:log|:step=S]`,
 * `name=cat:A,B,C` (numbers and true/false are sent as such).
 */
export function parseSearchSpace(specs: readonly string[], fail: (message: string) => never): Record<string, Record<string, unknown>> {
  const space: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) {
    const match = /^([a-z][a-z0-9_]*)=(float|int|cat|categorical):(.+)$/.exec(spec);
    if (!match) fail(`--space ${JSON.stringify(spec)} is not name=float:LOW:HIGH[:log], name=int:LOW:HIGH or name=cat:A,B,C`);
    const [, name, type, rest] = match;
    if (type === 'cat' || type === 'categorical') {
      space[name!] = { type: 'categorical', choices: rest!.split(',').map(scalar) };
      continue;
    }
    const [low, high, ...options] = rest!.split(':');
    const dimension: Record<string, unknown> = { type, low: Number(low), high: Number(high) };
    if (!Number.isFinite(dimension.low) || !Number.isFinite(dimension.high)) fail(`--space ${JSON.stringify(spec)}: LOW and HIGH must be numbers`);
    for (const option of options) {
      if (option === 'log') dimension.log = true;
      else if (option.startsWith('step=') && Number.isFinite(Number(option.slice(5)))) dimension.step = Number(option.slice(5));
      else fail(`--space ${JSON.stringify(spec)}: unknown option '${option}' (log or step=S)`);
    }
    space[name!] = dimension;
  }
  return space;
}

function scalar(text: string): number | string | boolean {
  if (text === 'true' || text === 'false') return text === 'true';
  const number = Number(text);
  return text.trim() !== '' && Number.isFinite(number) ? number : text;
}
