// The INI dialect of supervisord (Python's configparser) and of systemd units: sections,
// `key = value` (or `key: value` in supervisord), comments, continuation lines. Pure.
import { importError } from './spec.ts';

export interface IniEntry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

export interface IniSection {
  readonly name: string;
  readonly line: number;
  readonly entries: IniEntry[];
}

export interface IniDialect {
  /** supervisord: `key: value` too, indented lines continue a value, ` ;` starts a comment. */
  readonly supervisord: boolean;
}

/** Sections in file order; a syntax error throws naming FILE:LINE. */
export function parseIni(text: string, file: string, dialect: IniDialect): IniSection[] {
  const sections: IniSection[] = [];
  const lines = text.split(/\r?\n/);
  let last: { entries: IniEntry[]; index: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const no = i + 1;
    let raw = lines[i] ?? '';
    // systemd: a trailing backslash joins the next line.
    while (!dialect.supervisord && raw.endsWith('\\') && i + 1 < lines.length) raw = raw.slice(0, -1) + ' ' + (lines[++i] ?? '');
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const section = sections[sections.length - 1];
    if (dialect.supervisord && /^\s/.test(raw) && last !== undefined) {
      const prev = last.entries[last.index];
      if (prev !== undefined) last.entries[last.index] = { ...prev, value: `${prev.value}\n${stripComment(trimmed)}` };
      continue;
    }
    const head = /^\[([^\]]+)\]\s*$/.exec(trimmed);
    if (head) {
      sections.push({ name: (head[1] ?? '').trim(), line: no, entries: [] });
      last = undefined;
      continue;
    }
    const m = (dialect.supervisord ? /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/ : /^([^=\s][^=]*?)\s*=\s*(.*)$/).exec(trimmed);
    if (!m) throw importError(`${file}:${no}`, `syntax error: expected [section] or key = value, got ${JSON.stringify(trimmed.slice(0, 60))}`);
    if (section === undefined) throw importError(`${file}:${no}`, `syntax error: ${m[1]} before the first [section]`);
    const key = dialect.supervisord ? (m[1] ?? '').toLowerCase() : (m[1] ?? '');
    if (dialect.supervisord && section.entries.some((e) => e.key === key)) throw importError(`${file}:${no}`, `duplicate key ${key} in [${section.name}]`);
    section.entries.push({ key, value: dialect.supervisord ? stripComment(m[2] ?? '') : (m[2] ?? ''), line: no });
    last = { entries: section.entries, index: section.entries.length - 1 };
  }
  return sections;
}

/** supervisord's inline comment: a `;` after whitespace. */
function stripComment(value: string): string {
  const m = /\s;/.exec(value);
  return (m ? value.slice(0, m.index) : value).trim();
}
