/**
 * Charts as SVG text: line, area and bar charts with axes, ticks, a title and a legend. General on purpose (backtest
 * equity and drawdown, ops reports); `png.ts` renders them to PNG. Pure: no I/O.
 */
export interface ChartSeries {
  name: string;
  /** [x, y] pairs, x ascending. */
  points: readonly (readonly [number, number])[];
  color?: string;
}

export interface ChartSpec {
  kind: 'line' | 'area' | 'bar';
  title: string;
  series: readonly ChartSeries[];
  width?: number;
  height?: number;
  xLabel?: string;
  yLabel?: string;
  formatX?: (x: number) => string;
  formatY?: (y: number) => string;
  /** Force the y range to include 0 (bars and drawdowns read wrongly otherwise). */
  includeZero?: boolean;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const FONT = 'DejaVu Sans';

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** About `count` round tick values covering [min, max] (1, 2 or 5 times a power of ten apart). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  // Whole multiples of the step, rounded to 12 significant digits so 0.1 + 0.2 style residue never shows on an axis.
  for (let k = Math.ceil(min / step - 1e-9); k * step <= max + step * 1e-9; k++)
    ticks.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  return ticks;
}

export function renderChart(spec: ChartSpec): string {
  const width = spec.width ?? 900;
  const height = spec.height ?? 360;
  const margin = { top: 40, right: 20, bottom: 48, left: 80 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const all = spec.series.flatMap((s) => s.points);
  if (all.length === 0) throw new RangeError(`chart "${spec.title}" has no points`);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  let [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  let [yMin, yMax] = [Math.min(...ys), Math.max(...ys)];
  if (spec.includeZero || spec.kind !== 'line') [yMin, yMax] = [Math.min(yMin, 0), Math.max(yMax, 0)];
  if (xMax === xMin) [xMin, xMax] = [xMin - 1, xMax + 1];
  if (yMax === yMin) [yMin, yMax] = [yMin - 1, yMax + 1];
  const pad = (yMax - yMin) * 0.05;
  if (!(spec.includeZero && yMax === 0)) yMax += pad;
  if (!(spec.includeZero && yMin === 0)) yMin -= pad;
  const fx = (x: number) => margin.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const fy = (y: number) => margin.top + (1 - (y - yMin) / (yMax - yMin)) * plotH;
  const formatX = spec.formatX ?? ((x: number) => String(x));
  const formatY = spec.formatY ?? ((y: number) => String(Number(y.toPrecision(4))));

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(spec.title)}</text>`,
  ];
  for (const t of niceTicks(yMin, yMax)) {
    const y = fy(t).toFixed(1);
    parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(
      `<text x="${margin.left - 8}" y="${y}" dy="4" text-anchor="end" font-size="11">${escapeXml(formatY(t))}</text>`,
    );
  }
  for (const t of niceTicks(xMin, xMax, 6)) {
    const x = fx(t).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${height - margin.bottom}" y2="${height - margin.bottom + 5}" stroke="#333"/>`,
    );
    parts.push(
      `<text x="${x}" y="${height - margin.bottom + 18}" text-anchor="middle" font-size="11">${escapeXml(formatX(t))}</text>`,
    );
  }
  parts.push(
    `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${height - margin.bottom}" stroke="#333"/>`,
    `<line x1="${margin.left}" x2="${width - margin.right}" y1="${height - margin.bottom}" y2="${height - margin.bottom}" stroke="#333"/>`,
  );
  if (spec.xLabel)
    parts.push(
      `<text x="${margin.left + plotW / 2}" y="${height - 8}" text-anchor="middle" font-size="12">${escapeXml(spec.xLabel)}</text>`,
    );
  if (spec.yLabel) {
    parts.push(
      `<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(spec.yLabel)}</text>`,
    );
  }

  const zeroY = fy(Math.max(yMin, Math.min(yMax, 0)));
  spec.series.forEach((s, index) => {
    const color = s.color ?? PALETTE[index % PALETTE.length]!;
    if (spec.kind === 'bar') {
      const barW = Math.max(1, ((plotW / Math.max(1, s.points.length)) * 0.8) / spec.series.length);
      for (const [x, y] of s.points) {
        const top = Math.min(fy(y), zeroY);
        parts.push(
          `<rect x="${(fx(x) - barW / 2 + index * barW).toFixed(1)}" y="${top.toFixed(1)}" width="${barW.toFixed(1)}" height="${Math.abs(fy(y) - zeroY).toFixed(1)}" fill="${color}"/>`,
        );
      }
      return;
    }
    const path = s.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${fx(x).toFixed(1)},${fy(y).toFixed(1)}`).join('');
    if (spec.kind === 'area' && s.points.length > 0) {
      const first = s.points[0]!;
      const last = s.points[s.points.length - 1]!;
      parts.push(
        `<path d="${path}L${fx(last[0]).toFixed(1)},${zeroY.toFixed(1)}L${fx(first[0]).toFixed(1)},${zeroY.toFixed(1)}Z" fill="${color}" fill-opacity="0.25" stroke="none"/>`,
      );
    }
    parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
  });
  if (spec.series.length > 1) {
    spec.series.forEach((s, index) => {
      const y = margin.top + 6 + index * 16;
      const color = s.color ?? PALETTE[index % PALETTE.length]!;
      parts.push(`<rect x="${width - margin.right - 150}" y="${y}" width="12" height="12" fill="${color}"/>`);
      parts.push(`<text x="${width - margin.right - 132}" y="${y + 10}" font-size="11">${escapeXml(s.name)}</text>`);
    });
  }
  parts.push('</svg>');
  return parts.join('\n');
}
