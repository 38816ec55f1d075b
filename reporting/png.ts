import { Resvg } from '@resvg/resvg-js';

/** Renders an SVG (from chart.ts) to PNG bytes, with the DejaVu fonts the machine has for the text. */
export function svgToPng(svg: string): Buffer {
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    background: '#ffffff',
  });
  return resvg.render().asPng();
}
