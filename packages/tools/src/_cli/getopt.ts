// A tiny ordered getopt: svc's letters are commands whose order matters, and 0.76's
// messages must be kept ("illegal option -- z"), which commander cannot give.

export interface Letters {
  /** Option letters in command-line order, each kept once (its first occurrence). */
  readonly letters: string;
  readonly operands: string[];
  /** The first letter not in the allowed set, if any. */
  readonly illegal?: string;
}

export function getoptLetters(args: readonly string[], allowed: string): Letters {
  let letters = '';
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    for (const ch of arg.slice(1)) {
      if (!allowed.includes(ch)) return { letters, operands: [], illegal: ch };
      if (!letters.includes(ch)) letters += ch;
    }
  }
  return { letters, operands: args.slice(i) };
}
