import { describe, expect, it } from 'vitest';
import { RecipeSchema, resolveParams } from '../../dist/src/domain/recipe.js';
import { HistoryQuery, ListSessionsQuery, LogsQuery } from '../../dist/src/api/schemas.js';

const recipe = {
  ...RecipeSchema.parse({
    name: 'numbers',
    command: ['{node}', '{steps}', '{lr}'],
    params: { steps: { type: 'int', default: 1 }, lr: { type: 'float', default: 0.1 } },
  }),
  dir: '/tmp',
};

/** Issue 14 finding 17: loose numbers were rounded or read as hex. */
describe('numbers are decimal and exact', () => {
  it('an int param refuses an unsafe integer instead of rounding it (9007199254740993 → …992)', () => {
    expect(() => resolveParams(recipe, { steps: '9007199254740993' })).toThrow(/steps.*9007199254740993/);
    expect(() => resolveParams(recipe, { steps: 9007199254740993 })).toThrow(/steps/);
    expect(resolveParams(recipe, { steps: '9007199254740991' }).steps).toBe(9007199254740991);
  });

  it('a float param refuses what is not decimal notation: 0x10, 0b1, blanks, Infinity', () => {
    for (const bad of ['0x10', '0b1', '0o7', '', ' ', ' 5 ', 'Infinity', '1_000', '1e']) {
      expect(() => resolveParams(recipe, { lr: bad }), bad).toThrow(/lr/);
    }
    for (const [good, value] of [
      ['16', 16],
      ['-0.5', -0.5],
      ['.5', 0.5],
      ['1e-3', 0.001],
      ['+2.', 2],
    ] as const) {
      expect(resolveParams(recipe, { lr: good }).lr).toBe(value);
    }
  });

  it('a name the prototype has (constructor, __proto__) is an unknown parameter, not silently taken', () => {
    expect(() => resolveParams(recipe, { constructor: 1 })).toThrow(/unknown parameter 'constructor'/);
    expect(() => resolveParams(recipe, JSON.parse('{"__proto__": 1}'))).toThrow(/unknown parameter '__proto__'/);
  });

  it('query integers are decimal digits: 0x10, 1e3 and blanks are refused, not coerced', () => {
    for (const bad of ['0x10', '1e3', '', ' 5', '9007199254740993', '2.5']) {
      expect(ListSessionsQuery.safeParse({ limit: bad }).success, bad).toBe(false);
    }
    expect(ListSessionsQuery.parse({ limit: '16' }).limit).toBe(16);
    expect(ListSessionsQuery.parse({}).limit).toBeUndefined(); // no limit: every session (seed 000)
    expect(LogsQuery.parse({}).limit).toBe(100);
    expect(LogsQuery.safeParse({ cursor: '0x10' }).success).toBe(false);
    expect(HistoryQuery.safeParse({ max_points: '0x10' }).success).toBe(false);
  });
});
