import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';

/**
 * Just enough of a PNG decoder to look at what a chart drew (8-bit RGB or RGBA, as resvg writes them): the tests
 * count the pixels of a series' colour to know the chart plotted data, not only axes.
 */
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface DecodedPng {
  width: number;
  height: number;
  /** RGBA (or RGB) bytes, row after row. */
  pixels: Buffer;
  channels: number;
}

export function decodePng(file: Buffer): DecodedPng {
  assert.ok(file.subarray(0, 8).equals(PNG_SIGNATURE), 'not a PNG: the signature differs');
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  for (let at = 8; at < file.length;) {
    const length = file.readUInt32BE(at);
    const type = file.toString('ascii', at + 4, at + 8);
    const body = file.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      assert.equal(body[8], 8, 'only 8-bit PNGs are decoded here');
      channels = body[9] === 6 ? 4 : body[9] === 2 ? 3 : assert.fail(`colour type ${body[9]} is not RGB(A)`);
    } else if (type === 'IDAT') data.push(body);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const left = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const upLeft = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      const predictor = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)][filter];
      assert.ok(predictor !== undefined, `unknown PNG filter ${filter}`);
      pixels[y * stride + x] = (line[x]! + predictor) & 0xff;
    }
  }
  return { width, height, pixels, channels };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Pixels within `tolerance` of the colour (e.g. '#1f77b4'), as drawn lines and bars are. */
export function countColour(png: DecodedPng, hex: string, tolerance = 8): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let i = 0; i < png.pixels.length; i += png.channels) {
    if (
      Math.abs(png.pixels[i]! - r!) <= tolerance &&
      Math.abs(png.pixels[i + 1]! - g!) <= tolerance &&
      Math.abs(png.pixels[i + 2]! - b!) <= tolerance
    )
      n += 1;
  }
  return n;
}
