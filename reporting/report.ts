import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderChart, type ChartSpec } from './chart';
import { svgToPng } from './png';

/**
 * A report as Markdown and HTML side by side, with its charts as PNG files in the same directory. General: the
 * backtest report and the operations reports are both built from these sections.
 */
export type ReportSection =
  | { kind: 'text'; heading?: string; paragraphs: string[] }
  | { kind: 'table'; heading?: string; columns: string[]; rows: (string | number)[][] }
  | { kind: 'chart'; heading?: string; file: string; chart: ChartSpec };

export interface ReportFiles {
  markdown: string;
  html: string;
  images: string[];
}

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const escapeCell = (cell: string | number) => String(cell).replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Writes `<name>.md`, `<name>.html` and each chart's PNG into `dir`; returns the paths written. */
export function writeReport(dir: string, name: string, title: string, sections: readonly ReportSection[]): ReportFiles {
  if (!/^[\w.-]+$/.test(name))
    throw new RangeError(`report name "${name}" may hold only letters, digits, '.', '_' and '-'`);
  mkdirSync(dir, { recursive: true });
  const md: string[] = [`# ${title}`, ''];
  const html: string[] = [
    '<!doctype html>',
    '<html><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{font-family:"DejaVu Sans",sans-serif;max-width:960px;margin:2em auto;color:#222}' +
      'table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}' +
      'th{background:#f4f4f4}img{max-width:100%}</style>',
    '</head><body>',
    `<h1>${escapeHtml(title)}</h1>`,
  ];
  const images: string[] = [];
  for (const section of sections) {
    if (section.heading) {
      md.push(`## ${section.heading}`, '');
      html.push(`<h2>${escapeHtml(section.heading)}</h2>`);
    }
    if (section.kind === 'text') {
      for (const p of section.paragraphs) {
        md.push(p, '');
        html.push(`<p>${escapeHtml(p)}</p>`);
      }
    } else if (section.kind === 'table') {
      md.push(`| ${section.columns.map(escapeCell).join(' | ')} |`, `|${section.columns.map(() => '---').join('|')}|`);
      for (const row of section.rows) md.push(`| ${row.map(escapeCell).join(' | ')} |`);
      md.push('');
      html.push('<table>', `<tr>${section.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`);
      for (const row of section.rows)
        html.push(`<tr>${row.map((c) => `<td>${escapeHtml(String(c))}</td>`).join('')}</tr>`);
      html.push('</table>');
    } else {
      if (!/^[\w.-]+\.png$/.test(section.file))
        throw new RangeError(`chart file "${section.file}" must be a plain name ending in .png`);
      const file = path.join(dir, section.file);
      writeFileSync(file, svgToPng(renderChart(section.chart)));
      images.push(file);
      md.push(`![${section.chart.title}](${section.file})`, '');
      html.push(`<img src="${escapeHtml(section.file)}" alt="${escapeHtml(section.chart.title)}">`);
    }
  }
  html.push('</body></html>');
  const files = { markdown: path.join(dir, `${name}.md`), html: path.join(dir, `${name}.html`), images };
  writeFileSync(files.markdown, `${md.join('\n')}\n`);
  writeFileSync(files.html, `${html.join('\n')}\n`);
  return files;
}
