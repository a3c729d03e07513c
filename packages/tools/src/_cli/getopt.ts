// A tiny ordered getopt: svc's letters are commands whose order matters, and 0.76's
// messages must be kept ("illegal option -- z"), which commander cannot give.

export interface Letters {
  /** Option letters in command-line order, each kept once (its first occurrence). */
  readonly letters: string;
  readonly operands: string[];
  /** The first letter not in the allowed set, if any. */
  readonly illegal?: string;
  /** Arguments of the letters that take one (`-w 10`, `-w10`), present only when given. */
  readonly values?: Readonly<Record<string, string>>;
  /** A letter that takes an argument but came last, without one. */
  readonly missing?: string;
}

/** `valued` letters take an argument (the rest of the word, or the next word) and are not in `letters`. */
export function getoptLetters(args: readonly string[], allowed: string, valued = ''): Letters {
  let letters = '';
  let values: Record<string, string> | undefined;
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    for (let j = 1; j < arg.length; j++) {
      const ch = arg[j] ?? '';
      if (valued.includes(ch)) {
        const value = j + 1 < arg.length ? arg.slice(j + 1) : args[++i];
        if (value === undefined) return { letters, operands: [], missing: ch };
        values = { ...values, [ch]: value };
        break;
      }
      if (!allowed.includes(ch)) return { letters, operands: [], illegal: ch };
      if (!letters.includes(ch)) letters += ch;
    }
  }
  return values === undefined ? { letters, operands: args.slice(i) } : { letters, operands: args.slice(i), values };
}
