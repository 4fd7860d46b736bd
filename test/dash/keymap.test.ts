import { describe, expect, it } from 'vitest';
import { handleKey, MAIN, normalizeKey, type Mode } from '../../dist/src/dash/keymap.js';
import { sampleState } from './dash-fixtures.js';

const context = { pageSize: 3, logPageSize: 10 };

/** Presses keys one after the other from `mode`, as the terminal would; returns the last mode and every effect. */
function press(state: ReturnType<typeof sampleState>, keys: string[], mode: Mode = MAIN) {
  const effects: unknown[] = [];
  for (const key of keys) {
    const result = handleKey(state, mode, key, context);
    mode = result.mode;
    for (const effect of result.effects) {
      effects.push(effect);
      if (effect.type === 'select') state.selectedId = effect.runId;
    }
  }
  return { mode, effects };
}

// What each key does, without a terminal: (state, mode, key) → next mode and effects.
describe('dashboard keys', () => {
  it('arrows and j/k move the selection through the visible rows; PgDn, g and G jump', () => {
    const state = sampleState();
    expect(press(state, ['j']).effects).toEqual([{ type: 'select', runId: 'sess_bbbbbbbbbbbb' }]);
    press(state, ['down', 'down']);
    expect(state.selectedId).toBe('sess_q1q1q1q1q1q1');
    press(state, ['k']);
    expect(state.selectedId).toBe('sess_q2q2q2q2q2q2');
    press(state, ['G']);
    expect(state.selectedId).toBe('sess_dddddddddddd');
    expect(press(state, ['j']).effects).toEqual([]); // already at the bottom
    press(state, ['g', 'pagedown']);
    expect(state.selectedId).toBe('sess_q1q1q1q1q1q1');
  });

  it('x asks before stopping, and only y stops', () => {
    const state = sampleState();
    const asked = press(state, ['x']);
    expect(asked.mode).toEqual({ kind: 'confirm-stop', runId: 'sess_aaaaaaaaaaaa' });
    expect(press(state, ['y'], asked.mode)).toEqual({ mode: MAIN, effects: [{ type: 'stop', runId: 'sess_aaaaaaaaaaaa' }] });
    expect(press(state, ['n'], asked.mode).effects).toEqual([{ type: 'message', text: 'Not stopped: sess_aaaaaaaaaaaa', level: 'info' }]);
    expect(press(state, ['enter'], asked.mode).effects).not.toContainEqual(expect.objectContaining({ type: 'stop' }));
    // an ended run: nothing to stop, said so
    state.selectedId = 'sess_dddddddddddd';
    expect(press(state, ['x'])).toEqual({
      mode: MAIN,
      effects: [{ type: 'message', text: 'sess_dddddddddddd is completed: nothing to stop.', level: 'info' }],
    });
  });

  it('s picks a recipe, then takes key=value parameters and starts the run', () => {
    const state = sampleState();
    state.recipes = [
      { name: 'demo-mlp', description: '', backend: 'process', default: true, gpus: 0, priority: 0, params: {} },
      {
        name: 'ticker',
        description: '',
        backend: 'process',
        default: false,
        gpus: 0,
        priority: 0,
        params: { epochs: { type: 'int', default: 10 }, interval_ms: { type: 'int', default: 100 } },
      },
    ];
    const picking = press(state, ['s']);
    expect(picking).toEqual({ mode: { kind: 'recipes', index: 0 }, effects: [{ type: 'load-recipes' }] });
    const form = press(state, ['j', 'enter'], picking.mode).mode;
    expect(form).toEqual({ kind: 'params', recipe: 'ticker', text: 'epochs=10 interval_ms=100', error: null });
    // edit: Ctrl-W drops the last word, typed characters append, Backspace deletes
    const edited = press(state, ['C-w', 'x', 'backspace', ...'interval_ms=5'], form).mode;
    expect(edited).toMatchObject({ text: 'epochs=10 interval_ms=5' });
    expect(press(state, ['enter'], edited)).toEqual({ mode: MAIN, effects: [{ type: 'start', recipe: 'ticker', params: { epochs: '10', interval_ms: '5' } }] });
    // a malformed line stays in the form with the reason
    const bad = press(state, ['C-u', ...'epochs', 'enter'], form).mode;
    expect(bad).toMatchObject({ kind: 'params', error: '"epochs" is not key=value (example: epochs=20).' });
    // q is a letter here, not quit; Esc goes back to the recipes
    expect(press(state, ['q'], form).effects).toEqual([]);
    expect(press(state, ['escape'], form).mode).toEqual({ kind: 'recipes', index: 0 });
  });

  it('f picks a state filter', () => {
    const state = sampleState();
    const picking = press(state, ['f']).mode;
    expect(picking).toEqual({ kind: 'filter', index: 0 });
    expect(press(state, ['j', 'j', 'enter'], picking)).toEqual({ mode: MAIN, effects: [{ type: 'filter', filter: 'running' }] });
    expect(press(state, ['escape'], picking)).toEqual({ mode: MAIN, effects: [] });
  });

  it('l opens the full-screen log following the end; scrolling up stops following, G follows again', () => {
    const state = sampleState();
    const log = press(state, ['l']).mode;
    expect(log).toEqual({ kind: 'log', follow: true, fromBottom: 0 });
    expect(press(state, ['k', 'k'], log).mode).toEqual({ kind: 'log', follow: false, fromBottom: 2 });
    expect(press(state, ['pageup'], log).mode).toEqual({ kind: 'log', follow: false, fromBottom: 9 });
    expect(press(state, ['k', 'G'], log).mode).toEqual({ kind: 'log', follow: true, fromBottom: 0 });
    expect(press(state, ['k', 'f'], log).mode).toEqual({ kind: 'log', follow: true, fromBottom: 0 });
    expect(press(state, ['escape'], log).mode).toEqual(MAIN);
  });

  it('Enter shows details, ? shows help; q quits from the main view and closes overlays; Ctrl-C always quits', () => {
    const state = sampleState();
    expect(press(state, ['enter'])).toEqual({ mode: { kind: 'details' }, effects: [{ type: 'load-details', runId: 'sess_aaaaaaaaaaaa' }] });
    expect(press(state, ['enter', 'q']).mode).toEqual(MAIN);
    expect(press(state, ['?']).mode).toEqual({ kind: 'help' });
    expect(press(state, ['?', 'x']).mode).toEqual(MAIN); // any key closes the help
    expect(press(state, ['q']).effects).toEqual([{ type: 'quit' }]);
    for (const mode of [
      MAIN,
      { kind: 'help' },
      { kind: 'params', recipe: 'r', text: '', error: null },
      { kind: 'log', follow: true, fromBottom: 0 },
    ] as Mode[]) {
      expect(handleKey(state, mode, 'C-c', context).effects).toEqual([{ type: 'quit' }]);
    }
  });

  it("turns blessed's key events into keys (Enter once, not twice)", () => {
    expect(normalizeKey('\r', { name: 'return', full: 'return' })).toBeNull();
    expect(normalizeKey('\r', { name: 'enter', full: 'enter' })).toBe('enter');
    expect(normalizeKey('G', { name: 'g', full: 'S-g', shift: true } as never)).toBe('G');
    expect(normalizeKey(undefined, { name: 'c', full: 'C-c', ctrl: true })).toBe('C-c');
    expect(normalizeKey(undefined, { name: 'up', full: 'up' })).toBe('up');
    expect(normalizeKey('=', undefined)).toBe('=');
    expect(normalizeKey(' ', { name: 'space', full: 'space' })).toBe(' ');
  });
});
