// SVG → PNG with resvg, using the DejaVu fonts shipped in the dejavu-fonts-ttf npm package.
// System fonts are never loaded: a CI container or a bare server has none, and the pictures must
// show their text the same everywhere.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';

/** The font family every chart and label names; resvg maps generic families to it as well. */
export const FONT_FAMILY = 'DejaVu Sans';

const FONT_FILE_NAMES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf'];

let fontFilesCache: string[] | undefined;

/** Absolute paths of the DejaVu font files; throws a message naming the package when it is missing. */
export function fontFiles(): string[] {
  if (fontFilesCache) return fontFilesCache;
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  } catch {
    throw new Error('the npm package dejavu-fonts-ttf is not installed; run `npm install` so charts can draw their text');
  }
  const files = FONT_FILE_NAMES.map((name) => path.join(dir, name));
  const missing = files.filter((f) => !fs.existsSync(f));
  if (missing.length > 0) throw new Error(`font files missing from dejavu-fonts-ttf: ${missing.join(', ')}`);
  fontFilesCache = files;
  return files;
}

/**
 * Rasterises an SVG. `zoom` scales the whole picture (2 gives crisp text on charts); the PNG is
 * then exactly round(zoom × the SVG's width) by round(zoom × its height).
 */
export function svgToPng(svg: string, zoom = 1): Buffer {
  const resvg = new Resvg(svg, {
    font: {
      loadSystemFonts: false,
      fontFiles: fontFiles(),
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
      serifFamily: FONT_FAMILY,
      monospaceFamily: FONT_FAMILY,
    },
    fitTo: zoom === 1 ? { mode: 'original' } : { mode: 'zoom', value: zoom },
    // Digit tiles embedded as images are already upscaled to whole pixels; keep them sharp.
    imageRendering: 1,
    logLevel: 'off',
  });
  return resvg.render().asPng();
}
