import { describe, expect, it } from 'vitest';
import { joinShellWords, splitShellWords } from '../../dist/src/domain/shell-words.js';

describe('shell words (seed 004 command strings)', () => {
  it('splits as a POSIX shell would, quotes and escapes included', () => {
    expect(splitShellWords('python train.py --config config.yaml')).toEqual(['python', 'train.py', '--config', 'config.yaml']);
    expect(splitShellWords(`  a  'b c'  "d \\"e\\" \\\\ f"  g\\ h  ''  "" `)).toEqual(['a', 'b c', 'd "e" \\ f', 'g h', '', '']);
    expect(splitShellWords(`x'y'"z"`)).toEqual(['xyz']);
    expect(splitShellWords("'a|b' \"c;d\" 'e > f' '$HOME' \\$x")).toEqual(['a|b', 'c;d', 'e > f', '$HOME', '$x']);
    expect(splitShellWords('python -m x \\\n  --lr 0.1')).toEqual(['python', '-m', 'x', '--lr', '0.1']);
    expect(splitShellWords('--set=a=b')).toEqual(['--set=a=b']);
  });

  it('refuses what only a shell would do, and malformed quoting', () => {
    for (const [line, reason] of [
      ['a | b', /'\|' \(shell operator\)/],
      ['a && b', /'&'/],
      ['a; b', /';'/],
      ['a < in', /'<'/],
      ['(a)', /'\('/],
      ['echo $HOME', /'\$' \(expansion\)/],
      ['echo `id`', /'`' \(expansion\)/],
      ['echo "$HOME"', /inside double quotes/],
      ['FOO=1 python', /sets a variable/],
      ["'open", /unterminated single quote/],
      ['"open', /unterminated double quote/],
      ['trailing\\', /lone backslash/],
      ['a\u0000b', /NUL/],
    ] as const) {
      expect(() => splitShellWords(line), line).toThrow(reason);
    }
  });

  it('joins argv back into a line that splits to the same words', () => {
    for (const argv of [
      ['python', 'train.py', '--lr', '0.01'],
      ['a b', "it's", '', '$HOME', 'x|y', 'é'],
    ]) {
      expect(splitShellWords(joinShellWords(argv))).toEqual(argv);
    }
    expect(joinShellWords(['python', 'train.py', 'a b'])).toBe("python train.py 'a b'");
  });
});
