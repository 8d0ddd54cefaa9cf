// Help text at the terminal's width. Descriptions are written as running text and wrapped here, at
// word boundaries; where the column beside the option names would be narrow (under MIN_COLUMN
// characters), an option's description goes on the lines below its name, at full width, instead.
import type { Command, Help } from "commander";

const MIN_COLUMN = 40;
/** Below-the-name indentation of a description in the narrow layout (from the item's start). */
const BELOW = 6;

/** The width help is wrapped at: the terminal's (stdout's, else $COLUMNS), 80 when unknown; at least 40. */
export function helpWidth(): number {
  const cols = process.stdout.isTTY ? process.stdout.columns : Number(process.env.COLUMNS);
  return Math.max(40, Number.isFinite(cols) && cols > 0 ? Math.floor(cols) : 80);
}

/** Words of `text` (line breaks are spaces) in lines of at most `width` characters, the first
 *  starting at column `first`, the others at `indent` (a word longer than a line stands alone). */
export function wrapWords(text: string, width: number, indent: number, first = indent): string[] {
  // A word too long for a line (a comma-separated list such as trap=120,fill=250) breaks after commas.
  const room = Math.max(10, width - indent);
  const words = text.split(/\s+/).filter((w) => w).flatMap((w) => w.length <= room ? [w] : w.match(new RegExp(`.{1,${room - 1}}(,|$)|[^,]+,?`, "g")) ?? [w]);
  const lines: string[] = [];
  let line = "", col = first;
  for (const w of words) {
    if (line && col + line.length + 1 + w.length > width) { lines.push(line); line = w; col = indent; }
    else line = line ? `${line} ${w}` : w;
  }
  lines.push(line);
  return lines.map((l, i) => " ".repeat(i === 0 ? first : indent) + l);
}

/**
 * Commander's Help.wrap: `str` is a term padded to `indent` followed by its description (or, with
 * indent 0, a paragraph). Line breaks in the description are spaces; blank lines separate paragraphs.
 */
function wrap(str: string, width: number, indent: number): string {
  const head = str.slice(0, indent), body = str.slice(indent);
  const paras = body.split(/\n\s*\n/);
  if (width - indent >= MIN_COLUMN || indent === 0) {
    const lines = paras.map((p) => wrapWords(p, width, indent).join("\n")).join("\n\n");
    return head + lines.slice(indent);
  }
  // Narrow: the term alone, the description below it.
  return [head.trimEnd(), ...paras.map((p) => wrapWords(p, width, BELOW).join("\n"))].join("\n");
}

/**
 * Reflows a block of help text written for a wide terminal (addHelpText) to `width`: paragraphs
 * (lines at one indentation) are rewrapped; a list item, "  term  description" (two or more spaces
 * after the term, or the term alone on its line with the description indented below), keeps its
 * description column where there is room and otherwise gets its description below the term.
 */
export function reflow(text: string, width: number): string {
  const lines = text.replace(/\r/g, "").split("\n");
  const out: string[] = [];
  const indentOf = (l: string) => l.length - l.trimStart().length;
  let i = 0;
  while (i < lines.length) {
    const l = lines[i];
    if (!l.trim()) { out.push(""); i++; continue; }
    const ind = indentOf(l);
    const item = ind > 0 ? /^(\s+)(\S.*?)\s{2,}(\S.*)$/.exec(l) : null;
    const next = lines[i + 1] ?? "";
    if (item || (ind > 0 && next.trim() && indentOf(next) > ind)) {
      // A list item: the term, then its description (on this line after the gap, and/or on the more
      // indented lines that follow).
      const term = item ? item[2] : l.trim();
      let col = item ? l.length - item[3].length : indentOf(next);
      const desc = item ? [item[3]] : [];
      i++;
      while (i < lines.length && lines[i].trim() && indentOf(lines[i]) > ind) {
        col = Math.min(col, indentOf(lines[i]));
        desc.push(lines[i].trim()); i++;
      }
      const text = desc.join(" ");
      if (width - col >= MIN_COLUMN) {
        const first = ind + term.length + 2 <= col ? " ".repeat(ind) + term.padEnd(col - ind) : undefined;
        if (first) out.push(...wrapWords(text, width, col, col).map((s, k) => (k === 0 ? first + s.trimStart() : s)));
        else out.push(" ".repeat(ind) + term, ...wrapWords(text, width, col));
      } else {
        out.push(" ".repeat(ind) + term, ...wrapWords(text, width, ind + BELOW));
      }
      continue;
    }
    // A paragraph: this line and the following ones at the same indentation that are not list items.
    const para = [l.trim()];
    i++;
    // A line ending in ':' ends its paragraph; one starting with a label ("Exit status: ") starts one.
    while (i < lines.length && lines[i].trim() && indentOf(lines[i]) === ind && !para[para.length - 1].endsWith(":") &&
      !/^\s*[A-Z][A-Za-z ]{0,24}:( |$)/.test(lines[i]) &&
      !(ind > 0 && /^(\s+)(\S.*?)\s{2,}(\S.*)$/.test(lines[i]))) { para.push(lines[i].trim()); i++; }
    out.push(...wrapWords(para.join(" "), width, ind));
  }
  return out.join("\n");
}

/** Help at the terminal's width for `program` and the subcommands added to it afterwards. */
export function configureHelp(program: Command): Command {
  return program.configureHelp({ helpWidth: helpWidth(), wrap: wrap as Help["wrap"] });
}

/** addHelpText("after", ...) with the text reflowed to the terminal's width. */
export function helpAfter(cmd: Command, text: string): Command {
  return cmd.addHelpText("after", () => reflow(text, helpWidth()));
}
