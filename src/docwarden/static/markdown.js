// A small, safe Markdown-to-HTML renderer for the PDF engine's output.
// Every piece of source text is HTML-escaped before any tag is added, and the
// only tags ever produced are fixed ones below: no raw HTML, no links, no
// attributes from the input, so a hostile PDF cannot inject markup.

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (ch) => ESCAPES[ch]);
}

const FENCE = /^\s*(```|~~~)/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const ORDERED = /^\s*(\d{1,9})[.)]\s+(.*)$/;
const RULE = /^\s*([-*_])(\s*\1){2,}\s*$/;
const QUOTE = /^\s*>\s?(.*)$/;
const PAGE = /^\s*<!--\s*page\s+(\d+)\s*-->\s*$/;
const TABLE_SEP = /^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$/;

// Inline spans on already-escaped text: `code`, **strong**, *em* / _em_, \-escapes.
function inline(text) {
  const parts = escapeHtml(text).split(/(`[^`]+`)/);
  return parts.map((part) => {
    if (part.length > 1 && part.startsWith("`") && part.endsWith("`")) {
      return `<code>${part.slice(1, -1)}</code>`;
    }
    return part
      .replace(/\*\*(\S(?:.*?\S)?)\*\*/g, "<strong>$1</strong>")
      .replace(/(^|[^\w*])\*(\S(?:.*?\S)?)\*(?!\w)/g, "$1<em>$2</em>")
      .replace(/(^|[^\w])_(\S(?:.*?\S)?)_(?!\w)/g, "$1<em>$2</em>")
      .replace(/\\([\\`*_{}[\]()#+\-.!|])/g, "$1");
  }).join("");
}

function splitRow(line) {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  return row.split(/(?<!\\)\|/).map((cell) => cell.trim());
}

function isTableStart(lines, i) {
  return lines[i].includes("|") && i + 1 < lines.length && lines[i + 1].includes("-")
    && TABLE_SEP.test(lines[i + 1]);
}

function table(lines, i) {
  const head = splitRow(lines[i]);
  const rows = [];
  let j = i + 2;
  while (j < lines.length && lines[j].trim() && lines[j].includes("|")) {
    rows.push(splitRow(lines[j]));
    j += 1;
  }
  const cells = (row, tag) => head.map((_, k) => `<${tag}>${inline(row[k] ?? "")}</${tag}>`);
  const body = rows.map((row) => `<tr>${cells(row, "td").join("")}</tr>`).join("\n");
  const html = `<div class="table-wrap"><table>\n<thead><tr>${cells(head, "th").join("")}`
    + `</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table></div>`;
  return [html, j];
}

function code(lines, i) {
  const fence = lines[i].trim().slice(0, 3);
  const body = [];
  let j = i + 1;
  while (j < lines.length && !lines[j].trim().startsWith(fence)) {
    body.push(lines[j]);
    j += 1;
  }
  return [`<pre><code>${escapeHtml(body.join("\n"))}</code></pre>`, j + 1];
}

function list(lines, i) {
  const ordered = ORDERED.test(lines[i]);
  const pattern = ordered ? ORDERED : BULLET;
  const items = [];
  let j = i;
  while (j < lines.length && pattern.test(lines[j])) {
    const match = lines[j].match(pattern);
    items.push(`<li>${inline(ordered ? match[2] : match[1])}</li>`);
    j += 1;
  }
  const start = ordered ? Number(lines[i].match(ORDERED)[1]) : 1;
  const open = ordered ? (start === 1 ? "<ol>" : `<ol start="${start}">`) : "<ul>";
  return [`${open}\n${items.join("\n")}\n${ordered ? "</ol>" : "</ul>"}`, j];
}

function collect(lines, i, pattern) {
  const out = [];
  let j = i;
  while (j < lines.length && lines[j].trim() && pattern(lines[j], j)) {
    out.push(lines[j]);
    j += 1;
  }
  return [out, j];
}

function quote(lines, i) {
  const [quoted, j] = collect(lines, i, (line) => QUOTE.test(line));
  const inner = quoted.map((line) => line.match(QUOTE)[1]);
  return [`<blockquote>${renderMarkdown(inner.join("\n"))}</blockquote>`, j];
}

function startsBlock(lines, i) {
  const line = lines[i];
  return FENCE.test(line) || HEADING.test(line) || BULLET.test(line) || ORDERED.test(line)
    || RULE.test(line) || QUOTE.test(line) || PAGE.test(line) || isTableStart(lines, i);
}

function paragraph(lines, i) {
  const [body, j] = collect(lines, i, (_, k) => k === i || !startsBlock(lines, k));
  return [`<p>${body.map((line) => inline(line.trim())).join("\n")}</p>`, j];
}

function block(lines, i) {
  const line = lines[i];
  let match;
  if (FENCE.test(line)) return code(lines, i);
  if ((match = line.match(PAGE))) {
    return [`<p class="md-page" role="separator">page ${Number(match[1])}</p>`, i + 1];
  }
  if ((match = line.match(HEADING))) {
    const level = match[1].length;
    return [`<h${level}>${inline(match[2])}</h${level}>`, i + 1];
  }
  if (RULE.test(line)) return ["<hr>", i + 1];
  if (isTableStart(lines, i)) return table(lines, i);
  if (BULLET.test(line) || ORDERED.test(line)) return list(lines, i);
  if (QUOTE.test(line)) return quote(lines, i);
  return paragraph(lines, i);
}

export function renderMarkdown(source) {
  const lines = String(source ?? "").replace(/\r\n?/g, "\n").split("\n");
  const out = [];
  let i = 0;
  while (i < lines.length) {
    if (!lines[i].trim()) {
      i += 1;
      continue;
    }
    const [html, next] = block(lines, i);
    out.push(html);
    i = next;
  }
  return out.join("\n");
}
