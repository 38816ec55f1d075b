import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { niceTicks, renderChart } from '../../reporting/chart';
import { svgToPng } from '../../reporting/png';
import { writeReport } from '../../reporting/report';

describe('reporting: charts and reports', () => {
  it('picks round axis ticks', () => {
    assert.deepEqual(niceTicks(0, 10), [0, 2, 4, 6, 8, 10]);
    assert.deepEqual(niceTicks(-0.043, 0), [-0.04, -0.03, -0.02, -0.01, 0]);
  });

  it('renders line, area and bar charts as SVG with escaped text, and refuses an empty chart', () => {
    const points = [
      [0, 1],
      [1, 3],
      [2, -2],
    ] as const;
    for (const kind of ['line', 'area', 'bar'] as const) {
      const svg = renderChart({
        kind,
        title: `P&L <${kind}>`,
        series: [
          { name: 'a', points },
          { name: 'b', points: [[0, 2]] },
        ],
      });
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.match(svg, new RegExp(`P&amp;L &lt;${kind}&gt;`));
      assert.ok(kind === 'bar' ? svg.includes('<rect x=') : svg.includes('<path d="M'));
    }
    assert.throws(() => renderChart({ kind: 'line', title: 'empty', series: [] }), /chart "empty" has no points/);
  });

  it('renders PNG with fonts and writes Markdown and HTML side by side', () => {
    const png = svgToPng(
      renderChart({
        kind: 'line',
        title: 'x',
        series: [
          {
            name: 'x',
            points: [
              [0, 0],
              [1, 1],
            ],
          },
        ],
      }),
    );
    assert.equal(png.subarray(1, 4).toString('ascii'), 'PNG');
    const dir = mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'report-'));
    const files = writeReport(dir, 'daily-ops', 'Daily | ops', [
      { kind: 'text', heading: 'Summary', paragraphs: ['All <good>.'] },
      { kind: 'table', columns: ['a', 'b|c'], rows: [[1, 'x|y']] },
      {
        kind: 'chart',
        file: 'volume.png',
        chart: {
          kind: 'bar',
          title: 'Volume',
          series: [
            {
              name: 'v',
              points: [
                [1, 5],
                [2, 7],
              ],
            },
          ],
        },
      },
    ]);
    assert.deepEqual(files.images, [path.join(dir, 'volume.png')]);
    const md = readFileSync(files.markdown, 'utf8');
    assert.match(
      md,
      /^# Daily \| ops\n\n## Summary\n\nAll <good>\.\n\n\| a \| b\\\|c \|\n\|---\|---\|\n\| 1 \| x\\\|y \|\n\n!\[Volume\]\(volume\.png\)/,
    );
    assert.match(
      readFileSync(files.html, 'utf8'),
      /<p>All &lt;good&gt;\.<\/p>[\s\S]*<img src="volume\.png" alt="Volume">/,
    );
    assert.throws(() => writeReport(dir, '../escape', 't', []), /may hold only letters/);
    assert.throws(
      () =>
        writeReport(dir, 'ok', 't', [
          {
            kind: 'chart',
            file: '../x.png',
            chart: { kind: 'line', title: 't', series: [{ name: 'a', points: [[0, 0]] }] },
          },
        ]),
      /plain name ending in \.png/,
    );
  });
});
