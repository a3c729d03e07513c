// Splits a command line into words the way supervisord (Python's shlex) and systemd do:
// whitespace separates, single and double quotes group, backslash escapes.

export interface Word {
  /** The word with quotes removed. */
  readonly text: string;
  /** Whether any part of it was quoted (systemd: a quoted $VAR is not split). */
  readonly quoted: boolean;
}

/** Returns the words, or a string saying what is wrong (an unterminated quote). */
export function splitWords(line: string): Word[] | string {
  const words: Word[] = [];
  let cur = '';
  let quoted = false;
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? '';
    if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) words.push({ text: cur, quoted });
      cur = '';
      quoted = false;
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
    } else if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end < 0) return `unterminated ${c === "'" ? 'single' : 'double'} quote`;
      let part = line.slice(i + 1, end);
      if (c === '"') part = part.replace(/\\(["\\$`])/g, '$1');
      cur += part;
      quoted = true;
      i = end;
    } else {
      cur += c;
    }
  }
  if (inWord) words.push({ text: cur, quoted });
  return words;
}
