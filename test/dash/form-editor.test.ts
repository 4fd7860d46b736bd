import { describe, expect, it } from 'vitest';
import { handleKey, type Mode } from '../../dist/src/dash/keymap.js';
import { clipTagged, fitLabel, visibleLength, withoutColorTags } from '../../dist/src/dash/text.js';
import { editLine } from '../../dist/src/dash/widgets/param-form.js';
import { sampleState } from './dash-fixtures.js';

const context = { pageSize: 3, logPageSize: 10 };

/** Types keys into the start form, as blessed reports them. */
function type(text: string, keys: string[], cursor?: number): Extract<Mode, { kind: 'params' }> {
  let mode: Mode = { kind: 'params', recipe: 'ticker', text, error: null, ...(cursor !== undefined && { cursor }) };
  for (const key of keys) mode = handleKey(sampleState(), mode, key, context).mode;
  return mode as Extract<Mode, { kind: 'params' }>;
}

describe('the start form line editor', () => {
  it('moves with ←/→/Home/End and types and deletes at the cursor', () => {
    expect(type('epochs=10', ['left', 'left', '5'])).toMatchObject({ text: 'epochs=510', cursor: 8 });
    expect(type('epochs=10', ['home', 'x', '_'])).toMatchObject({ text: 'x_epochs=10', cursor: 2 });
    expect(type('epochs=10', ['home', 'end', '0'])).toMatchObject({ text: 'epochs=100', cursor: 10 });
    expect(type('epochs=10', ['left', 'backspace'])).toMatchObject({ text: 'epochs=0', cursor: 7 });
    expect(type('epochs=10', ['home', 'delete'])).toMatchObject({ text: 'pochs=10', cursor: 0 });
    expect(type('a=1 b=2', ['left', 'left', 'left', 'C-w'])).toMatchObject({ text: 'b=2', cursor: 0 });
    expect(type('a=1 b=2', ['left', 'C-w'])).toMatchObject({ text: 'a=1 2', cursor: 4 });
    expect(type('a=1 b=2', ['left', 'left', 'C-u'])).toMatchObject({ text: '=2', cursor: 0 });
  });

  it('stops at the ends', () => {
    expect(type('ab', ['left', 'left', 'left', 'backspace'])).toMatchObject({ text: 'ab', cursor: 0 });
    expect(type('ab', ['right', 'right'])).toMatchObject({ text: 'ab', cursor: 2 });
  });

  it('draws the cursor where it is, and keeps it in view in a long line', () => {
    expect(editLine('epochs=10', 7, 40)).toBe('epochs={inverse}1{/inverse}0');
    expect(editLine('epochs=10', 9, 40)).toBe('epochs=10{inverse} {/inverse}');
    const long = 'a'.repeat(30) + 'CURSOR' + 'b'.repeat(30);
    const drawn = editLine(long, 30, 20);
    expect(visibleLength(drawn)).toBe(20);
    expect(drawn).toMatch(/^…a+\{inverse\}C\{\/inverse\}URSORb+…$/);
  });
});

describe('text cut to a box', () => {
  it('clips marked-up text to visible characters, ends it with … and closes every tag', () => {
    expect(clipTagged('{red-fg}hello{/red-fg} world', 20)).toBe('{red-fg}hello{/red-fg} world');
    expect(clipTagged('{red-fg}hello{/red-fg} world', 7)).toBe('{red-fg}hello{/red-fg} …{/}');
    expect(clipTagged('{open}braces{close}', 4)).toBe('{open}br…{/}');
    expect(visibleLength(clipTagged('{bold}' + 'x'.repeat(100), 30))).toBe(30);
  });

  it('cuts a border label to the box, and removes colour tags only for NO_COLOR', () => {
    expect(fitLabel(' Runs · 1 running · 2 queued ', 60)).toBe(' Runs · 1 running · 2 queued ');
    expect(fitLabel(' Runs · 1 running · 2 queued ', 20)).toBe(' Runs · 1 runn… ');
    expect(fitLabel(' Runs · 1 running · 2 queued ', 20).length).toBeLessThanOrEqual(16);
    expect(withoutColorTags('{bold}{red-fg}x{/red-fg}{/bold} {light-blue-bg}y{/light-blue-bg}{inverse}z{/inverse}')).toBe(
      '{bold}x{/bold} y{inverse}z{/inverse}',
    );
  });
});
