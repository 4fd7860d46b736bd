/**
 * Splits a command line into argv by POSIX shell word rules (spaces separate words; '…' is literal;
 * "…" is literal but for \" \\ \$ \` ; a backslash outside quotes escapes the next character) — and
 * nothing else: no variables, globs, pipes or redirections. The command is never given to a shell, so
 * what a shell would do differently (`|`, `&&`, `>`, `$HOME`, `FOO=1 cmd`) is refused rather than
 * passed on as literal words the user did not mean.
 */
export function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let index = 0;
  const refuse = (what: string): never => {
    throw new Error(
      `${what} at position ${index + 1}: the command is not run by a shell; quote it to pass it as text, or run a shell explicitly (bash -c '…')`,
    );
  };
  while (index < line.length) {
    const char = line[index]!;
    if (char === '\u0000') throw new Error('the command contains a NUL character');
    if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      index++;
      continue;
    }
    inWord = true;
    if (char === "'") {
      const end = line.indexOf("'", index + 1);
      if (end === -1) throw new Error(`unterminated single quote at position ${index + 1}`);
      word += line.slice(index + 1, end);
      index = end + 1;
    } else if (char === '"') {
      index++;
      for (;;) {
        if (index >= line.length) throw new Error('unterminated double quote');
        const inner = line[index]!;
        if (inner === '"') break;
        if (inner === '\\' && index + 1 < line.length && '"\\$`\n'.includes(line[index + 1]!)) {
          if (line[index + 1] !== '\n') word += line[index + 1];
          index += 2;
          continue;
        }
        if (inner === '$' || inner === '`') refuse(`'${inner}' inside double quotes (expansion)`);
        word += inner;
        index++;
      }
      index++;
    } else if (char === '\\') {
      if (index + 1 >= line.length) throw new Error('the command ends with a lone backslash');
      if (line[index + 1] !== '\n') word += line[index + 1];
      else if (word === '') inWord = false;
      index += 2;
    } else if ('|&;<>()'.includes(char)) {
      refuse(`unquoted '${char}' (shell operator)`);
    } else if (char === '$' || char === '`') {
      refuse(`unquoted '${char}' (expansion)`);
    } else {
      word += char;
      index++;
    }
  }
  if (inWord) words.push(word);
  if (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!) && !line.trimStart().startsWith("'") && !line.trimStart().startsWith('"')) {
    throw new Error(`'${words[0]}' sets a variable the way a shell would: put it in "environment" instead`);
  }
  return words;
}

/** argv back to one line a person (or a shell) reads as the same words. */
export function joinShellWords(argv: readonly string[]): string {
  return argv.map((word) => (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(' ');
}
