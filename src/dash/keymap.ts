import { isFinalState } from '../client/trainer-client.js';
import { RUN_FILTERS, selectedRun, visibleRuns, type DashState, type RunFilter } from './dash-state.js';
import { parseParamText, paramTemplate } from './widgets/param-form.js';

/**
 * What the keys do, as a pure function: (state, mode, key) → the next mode and the effects to carry
 * out (select a run, stop one, start one, quit). The terminal layer turns blessed's key events into
 * `Key`s and carries out the effects; the tests call handleKey directly.
 */
export type Mode =
  | { kind: 'main' }
  | { kind: 'help' }
  | { kind: 'details' }
  | { kind: 'log'; follow: boolean; fromBottom: number }
  | { kind: 'filter'; index: number }
  | { kind: 'recipes'; index: number }
  /** `cursor`: where typing goes, 0..text.length; absent means the end */
  | { kind: 'params'; recipe: string; text: string; error: string | null; cursor?: number }
  | { kind: 'confirm-stop'; runId: string };

export type Effect =
  | { type: 'quit' }
  | { type: 'select'; runId: string }
  | { type: 'filter'; filter: RunFilter }
  | { type: 'stop'; runId: string }
  | { type: 'start'; recipe: string; params: Record<string, string> }
  | { type: 'load-recipes' }
  | { type: 'load-details'; runId: string }
  | { type: 'message'; text: string; level: 'info' | 'error' };

/** A key as the dashboard sees it: `up`, `enter`, `escape`, `C-c`, `pagedown`, or the character typed (`j`, `G`, `=`). */
export type Key = string;

export interface KeyContext {
  /** rows the runs table shows at once (PgUp/PgDn move by this) */
  pageSize: number;
  /** lines the full-screen log shows at once */
  logPageSize: number;
}

export interface KeyResult {
  mode: Mode;
  effects: Effect[];
}

export const MAIN: Mode = { kind: 'main' };

/** blessed's (ch, key) to a Key; null for events to ignore (blessed sends Enter twice, as `return` and `enter`). */
export function normalizeKey(ch: string | undefined, key: { name?: string; full?: string; ctrl?: boolean; meta?: boolean } | undefined): Key | null {
  const name = key?.name;
  if (name === 'return') return null;
  if (name === 'enter' || name === 'linefeed') return 'enter';
  if (key?.ctrl && name) return `C-${name}`;
  if (name && NAMED.has(name)) return name;
  if (ch && ch.length === 1 && ch >= ' ') return ch;
  return name ?? null;
}

const NAMED = new Set(['up', 'down', 'left', 'right', 'pageup', 'pagedown', 'home', 'end', 'escape', 'backspace', 'tab', 'delete', 'insert']);

export function handleKey(state: DashState, mode: Mode, key: Key, context: KeyContext): KeyResult {
  if (key === 'C-c') return { mode, effects: [{ type: 'quit' }] };
  switch (mode.kind) {
    case 'main':
      return mainKey(state, key, context);
    case 'help':
      return { mode: MAIN, effects: [] };
    case 'details':
      if (key === 'x') return stopKey(state);
      if (key === 'l') return { mode: { kind: 'log', follow: true, fromBottom: 0 }, effects: [] };
      return { mode: isClose(key) || key === 'enter' ? MAIN : mode, effects: [] };
    case 'log':
      return logKey(mode, key, context);
    case 'filter':
      return pickerKey(mode, key, RUN_FILTERS.length, (index) => ({ mode: MAIN, effects: [{ type: 'filter', filter: RUN_FILTERS[index]! }] }));
    case 'recipes': {
      const recipes = state.recipes ?? [];
      return pickerKey(mode, key, recipes.length, (index) => {
        const recipe = recipes[index]!;
        return { mode: { kind: 'params', recipe: recipe.name, text: paramTemplate(recipe), error: null }, effects: [] };
      });
    }
    case 'params':
      return paramsKey(mode, key);
    case 'confirm-stop':
      if (key === 'y' || key === 'Y') return { mode: MAIN, effects: [{ type: 'stop', runId: mode.runId }] };
      return { mode: MAIN, effects: [{ type: 'message', text: `Not stopped: ${mode.runId}`, level: 'info' }] };
  }
}

function mainKey(state: DashState, key: Key, context: KeyContext): KeyResult {
  const none = (effects: Effect[] = []): KeyResult => ({ mode: MAIN, effects });
  switch (key) {
    case 'q':
      return none([{ type: 'quit' }]);
    case 'up':
    case 'k':
      return none(move(state, -1));
    case 'down':
    case 'j':
      return none(move(state, 1));
    case 'pageup':
      return none(move(state, -Math.max(1, context.pageSize)));
    case 'pagedown':
      return none(move(state, Math.max(1, context.pageSize)));
    case 'home':
    case 'g':
      return none(move(state, -Infinity));
    case 'end':
    case 'G':
      return none(move(state, Infinity));
    case 'enter': {
      const row = selectedRun(state);
      if (!row) return none();
      return { mode: { kind: 'details' }, effects: [{ type: 'load-details', runId: row.id }] };
    }
    case 'x':
      return stopKey(state);
    case 'l':
      return selectedRun(state) ? { mode: { kind: 'log', follow: true, fromBottom: 0 }, effects: [] } : none();
    case 's':
      return { mode: { kind: 'recipes', index: 0 }, effects: [{ type: 'load-recipes' }] };
    case 'f':
      return { mode: { kind: 'filter', index: Math.max(0, RUN_FILTERS.indexOf(state.filter)) }, effects: [] };
    case '?':
    case 'h':
      return { mode: { kind: 'help' }, effects: [] };
    default:
      return none();
  }
}

function stopKey(state: DashState): KeyResult {
  const row = selectedRun(state);
  if (!row) return { mode: MAIN, effects: [{ type: 'message', text: 'No run selected.', level: 'info' }] };
  if (isFinalState(row.state)) return { mode: MAIN, effects: [{ type: 'message', text: `${row.id} is ${row.state}: nothing to stop.`, level: 'info' }] };
  return { mode: { kind: 'confirm-stop', runId: row.id }, effects: [] };
}

/** Moves the selection by `delta` rows of the visible list (±Infinity: to the first or last). */
function move(state: DashState, delta: number): Effect[] {
  const rows = visibleRuns(state);
  if (rows.length === 0) return [];
  const current = rows.findIndex((row) => row.id === state.selectedId);
  const from = current === -1 ? (delta > 0 ? -1 : rows.length) : current;
  const target = delta === Infinity ? rows.length - 1 : delta === -Infinity ? 0 : Math.max(0, Math.min(rows.length - 1, from + delta));
  const id = rows[target]!.id;
  return id === state.selectedId ? [] : [{ type: 'select', runId: id }];
}

function logKey(mode: Extract<Mode, { kind: 'log' }>, key: Key, context: KeyContext): KeyResult {
  const page = Math.max(1, context.logPageSize - 1);
  const scrollTo = (fromBottom: number): KeyResult => ({ mode: { kind: 'log', follow: fromBottom <= 0, fromBottom: Math.max(0, fromBottom) }, effects: [] });
  switch (key) {
    case 'up':
    case 'k':
      return scrollTo(mode.fromBottom + 1);
    case 'down':
    case 'j':
      return scrollTo(mode.fromBottom - 1);
    case 'pageup':
    case 'b':
      return scrollTo(mode.fromBottom + page);
    case 'pagedown':
    case ' ':
      return scrollTo(mode.fromBottom - page);
    case 'home':
    case 'g':
      return scrollTo(Number.MAX_SAFE_INTEGER);
    case 'end':
    case 'G':
      return scrollTo(0);
    case 'f':
    case 'F':
      return { mode: { kind: 'log', follow: !mode.follow, fromBottom: 0 }, effects: [] };
    default:
      return { mode: isClose(key) || key === 'l' ? MAIN : mode, effects: [] };
  }
}

function pickerKey(mode: { kind: 'filter' | 'recipes'; index: number }, key: Key, count: number, choose: (index: number) => KeyResult): KeyResult {
  const to = (index: number): KeyResult => ({ mode: { ...mode, index: Math.max(0, Math.min(Math.max(0, count - 1), index)) }, effects: [] });
  switch (key) {
    case 'up':
    case 'k':
      return to(mode.index - 1);
    case 'down':
    case 'j':
    case 'tab':
      return to(mode.index + 1);
    case 'home':
    case 'g':
      return to(0);
    case 'end':
    case 'G':
      return to(count - 1);
    case 'enter':
      return count > 0 ? choose(Math.min(mode.index, count - 1)) : { mode, effects: [] };
    default:
      return { mode: isClose(key) || (mode.kind === 'filter' && key === 'f') ? MAIN : mode, effects: [] };
  }
}

/** The start form's line editor: typing and deleting at the cursor, which ←/→/Home/End (and Ctrl-A/E) move. */
function paramsKey(mode: Extract<Mode, { kind: 'params' }>, key: Key): KeyResult {
  const { text } = mode;
  const cursor = Math.max(0, Math.min(text.length, mode.cursor ?? text.length));
  const edit = (next: string, at: number): KeyResult => ({ mode: { ...mode, text: next, cursor: at, error: null }, effects: [] });
  const move = (at: number): KeyResult => ({ mode: { ...mode, cursor: Math.max(0, Math.min(text.length, at)) }, effects: [] });
  switch (key) {
    case 'escape':
      return { mode: { kind: 'recipes', index: 0 }, effects: [{ type: 'load-recipes' }] };
    case 'enter': {
      const parsed = parseParamText(text);
      if ('error' in parsed) return { mode: { ...mode, error: parsed.error }, effects: [] };
      return { mode: MAIN, effects: [{ type: 'start', recipe: mode.recipe, params: parsed.params }] };
    }
    case 'left':
      return move(cursor - 1);
    case 'right':
      return move(cursor + 1);
    case 'home':
    case 'C-a':
      return move(0);
    case 'end':
    case 'C-e':
      return move(text.length);
    case 'backspace':
      return cursor === 0 ? move(0) : edit(text.slice(0, cursor - 1) + text.slice(cursor), cursor - 1);
    case 'delete':
      return edit(text.slice(0, cursor) + text.slice(cursor + 1), cursor);
    case 'C-u':
      return edit(text.slice(cursor), 0);
    case 'C-w': {
      const before = text.slice(0, cursor).replace(/\S+\s*$/, '');
      return edit(before + text.slice(cursor), before.length);
    }
    default:
      return key.length === 1 ? edit(text.slice(0, cursor) + key + text.slice(cursor), cursor + 1) : { mode, effects: [] };
  }
}

const isClose = (key: Key) => key === 'escape' || key === 'q';
