import type { RecipeInfo } from '../../client/trainer-client.js';
import type { DashState } from '../dash-state.js';
import { escapeTags, fit, tag, type PanelView } from '../text.js';

/**
 * The form that starts a run: one line of `key=value` pairs, filled in with the recipe's defaults.
 * The agent checks the values against the recipe's types and answers what is wrong.
 */
export function paramTemplate(recipe: RecipeInfo): string {
  return Object.entries(recipe.params)
    .map(([name, param]) => `${name}=${param.default === undefined || param.default === null ? '' : quote(String(param.default))}`)
    .join(' ');
}

/** `a=1 b="two words" c='x'` → { a: '1', b: 'two words', c: 'x' }; values stay strings (the agent coerces them). */
export function parseParamText(text: string): { params: Record<string, string> } | { error: string } {
  const params: Record<string, string> = {};
  const tokens: string[] = [];
  let current = '';
  let quoteChar: string | null = null;
  let inToken = false;
  for (const char of text) {
    if (quoteChar) {
      if (char === quoteChar) quoteChar = null;
      else current += char;
    } else if (char === '"' || char === "'") {
      quoteChar = char;
      inToken = true;
    } else if (/\s/.test(char)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
    } else {
      current += char;
      inToken = true;
    }
  }
  if (quoteChar) return { error: `A ${quoteChar} is not closed.` };
  if (inToken) tokens.push(current);
  for (const token of tokens) {
    const equals = token.indexOf('=');
    if (equals <= 0) return { error: `"${token}" is not key=value (example: epochs=20).` };
    const key = token.slice(0, equals);
    if (key in params) return { error: `${key} is given twice.` };
    params[key] = token.slice(equals + 1);
  }
  return { params };
}

function quote(value: string): string {
  return /[\s"']/.test(value) || value === '' ? `"${value.replace(/"/g, '')}"` : value;
}

export function paramFormView(state: DashState, form: { recipe: string; text: string; error: string | null; cursor?: number }, width: number): PanelView {
  const recipe = state.recipes?.find((one) => one.name === form.recipe);
  const lines: string[] = [];
  if (recipe?.description) lines.push(escapeTags(fit(recipe.description, width).trimEnd()), '');
  const params = Object.entries(recipe?.params ?? {});
  if (params.length > 0) {
    lines.push(tag('bold', 'Parameters'));
    for (const [name, param] of params) {
      const range =
        param.type === 'enum'
          ? param.values.join('|')
          : param.type !== 'float' && param.type !== 'int'
            ? ''
            : [param.min !== undefined ? `≥${param.min}` : '', param.max !== undefined ? `≤${param.max}` : ''].filter(Boolean).join(' ');
      const detail = [param.type, range, param.default !== undefined ? `default ${JSON.stringify(param.default)}` : '', param.description ?? '']
        .filter(Boolean)
        .join(', ');
      lines.push(escapeTags(fit(`  ${name}: ${detail}`, width).trimEnd()));
    }
    lines.push('');
  } else lines.push('This recipe takes no parameters.', '');
  lines.push(tag('bold', 'key=value pairs, separated by spaces:'));
  lines.push(`> ${editLine(form.text, form.cursor ?? form.text.length, Math.max(3, width - 2))}`);
  lines.push('');
  if (form.error) lines.push(tag('red-fg', fit(form.error, width).trimEnd()));
  lines.push(tag('gray-fg', fit('Enter start · ←/→ Home/End move · Backspace Del, Ctrl-U, Ctrl-W edit · Esc back', width).trimEnd()));
  return { label: ` Start a run of ${form.recipe} `, lines };
}

/**
 * The edited text in `room` cells with the cursor drawn inverse: a window of the text that keeps the
 * cursor in view, … where text is cut off on either side.
 */
export function editLine(text: string, cursor: number, room: number): string {
  const at = Math.max(0, Math.min(text.length, cursor));
  const padded = text + ' '; // the cursor may sit after the last character
  let start = 0;
  if (padded.length > room) start = Math.max(0, Math.min(at - Math.floor(room / 2), padded.length - room));
  let end = Math.min(padded.length, start + room);
  const cutLeft = start > 0;
  const cutRight = end < padded.length;
  let shown = padded.slice(start, end);
  let cursorAt = at - start;
  if (cutLeft) {
    shown = '…' + shown.slice(1);
    if (cursorAt === 0) cursorAt = 1;
  }
  if (cutRight) shown = shown.slice(0, -1) + '…';
  end = shown.length;
  return `${escapeTags(shown.slice(0, cursorAt))}{inverse}${escapeTags(shown[cursorAt] ?? ' ')}{/inverse}${escapeTags(shown.slice(cursorAt + 1, end))}`.replace(
    / $/,
    '',
  );
}
