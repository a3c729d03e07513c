// Man pages from docs/<prog>.md (the one source): build/man/<prog>.8, in man(7) with tbl(1)
// tables. Knows exactly the Markdown the docs use: #/##/### headings, paragraphs, "- " and
// "1. " lists, tables, indented and fenced code, `code`, **bold**, *em*, [links](x.md).
// Usage: node scripts/man.mjs OUTDIR prog...   (hand-written: a few dozen lines, no dependency)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [outDir, ...programs] = process.argv.slice(2);
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const SECTION = '8';

/** Escapes text for roff: backslashes, and a leading . or ' that would read as a request. */
const esc = (s) => s.replace(/\\/g, '\\e').replace(/[^\x00-\x7f]/gu, (c) => `\\[u${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}]`);
const lineSafe = (s) => s.replace(/^([.'])/, '\\&$1');

/** Inline markup to roff fonts; links to other programs become NAME(8). */
function inline(text) {
  const parts = text.split(/(`[^`]*`)/);
  return parts.map((p) => {
    if (p.startsWith('`') && p.endsWith('`') && p.length >= 2) return `\\fB${esc(p.slice(1, -1)).replace(/-/g, '\\-')}\\fR`;
    return esc(p)
      .replace(/\[([^\]]+)\]\(([^)]+)\)/g, (_, label, url) => (programs.includes(url.replace(/\.md$/, '')) ? `\\fB${label}\\fR(${SECTION})` : label))
      .replace(/\*\*([^*]+)\*\*/g, '\\fB$1\\fR')
      .replace(/(^|[\s(])\*([^*\s][^*]*)\*/g, '$1\\fI$2\\fR');
  }).join('');
}

const plain = (s) => s.replace(/`([^`]*)`/g, '$1').replace(/\*\*([^*]+)\*\*/g, '$1').replace(/\[([^\]]+)\]\([^)]*\)/g, '$1');

/** NAME's one line: the first sentence of Description. */
function summary(prog, md) {
  const m = /## Description\n\n([\s\S]*?)(\n\n|$)/.exec(md);
  const first = plain((m?.[1] ?? '').replace(/\n/g, ' ')).split(/(?<=[.;:])\s/)[0] ?? '';
  return first.replace(/[.;:]$/, '').replace(new RegExp(`^${prog} `), '').replace(/^./, (c) => c.toLowerCase());
}

function table(rows) {
  const cells = rows.filter((r) => !/^\|[\s:|-]+\|$/.test(r)).map((r) => r.replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|')));
  const n = cells[0].length;
  const spec = `${Array(n).fill('lb').join(' ')}\n${Array(n - 1).fill('l').concat('lx').join(' ')}.`;
  const body = cells.map((row) => row.map((c) => `T{\n.ad l\n${lineSafe(inline(c))}\nT}`).join('\t')).join('\n');
  return `.TS\ntab(\t);\n${spec}\n${body}\n.TE\n`;
}

function convert(prog, md) {
  const lines = md.split('\n');
  const out = [`'\\" t`, `.TH ${prog.toUpperCase()} ${SECTION} "" "svkit ${version}" "svkit"`, '.SH NAME', `${prog} \\- ${esc(summary(prog, md))}`];
  let i = 0;
  const para = [];
  const flush = () => {
    if (para.length > 0) out.push('.PP', lineSafe(inline(para.join(' '))));
    para.length = 0;
  };
  while (i < lines.length) {
    const line = lines[i];
    if (line.startsWith('# ')) { i++; continue; }
    const h = /^(##+) (.*)$/.exec(line);
    if (h !== null) {
      flush();
      // Section names in capitals, but not what is in backticks (`-v` stays -v).
      const upper = h[2].split(/(`[^`]*`)/).map((p) => (p.startsWith('`') ? p : p.toUpperCase())).join('');
      out.push(h[1] === '##' ? `.SH "${plain(upper)}"` : `.SS "${plain(h[2])}"`);
      i++;
      continue;
    }
    if (line.startsWith('```')) {
      flush();
      const code = [];
      for (i++; i < lines.length && !lines[i].startsWith('```'); i++) code.push(lines[i]);
      i++;
      out.push('.PP', '.RS 4', '.nf', ...code.map((c) => lineSafe(esc(c))), '.fi', '.RE');
      continue;
    }
    if (line.startsWith('    ') && para.length === 0) {
      const code = [];
      for (; i < lines.length && (lines[i].startsWith('    ') || (lines[i] === '' && lines[i + 1]?.startsWith('    '))); i++) code.push(lines[i].slice(4));
      out.push('.PP', '.RS 4', '.nf', ...code.map((c) => lineSafe(esc(c))), '.fi', '.RE');
      continue;
    }
    if (line.startsWith('|')) {
      flush();
      const rows = [];
      for (; i < lines.length && lines[i].startsWith('|'); i++) rows.push(lines[i]);
      out.push(table(rows).trimEnd());
      continue;
    }
    const item = /^(- |\d+\. )(.*)$/.exec(line);
    if (item !== null) {
      flush();
      const text = [item[2]];
      for (i++; i < lines.length && /^ {2,}\S/.test(lines[i]); i++) text.push(lines[i].trim());
      out.push(`.IP ${item[1] === '- ' ? '\\(bu' : item[1].trim()} 3`, lineSafe(inline(text.join(' '))));
      continue;
    }
    if (line.trim() === '') flush();
    else para.push(line.trim());
    i++;
  }
  flush();
  out.push('.SH SEE ALSO', programs.filter((p) => p !== prog).map((p) => `\\fB${p}\\fR(${SECTION})`).join(', '));
  return out.join('\n') + '\n';
}

mkdirSync(outDir, { recursive: true });
for (const prog of programs) writeFileSync(join(outDir, `${prog}.${SECTION}`), convert(prog, readFileSync(`docs/${prog}.md`, 'utf8')));
