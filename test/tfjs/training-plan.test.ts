import { describe, expect, it } from 'vitest';
import { BUILTIN_DATASETS, findBuiltinDataset } from '../../dist/src/datasets/builtin-datasets.js';
import { encodeTable, labelColumnOf, parseTable } from '../../dist/src/datasets/tabular.js';
import { outputFor, trainingPlanProblems } from '../../dist/src/domain/training-plan.js';

const blobs = { name: 'blobs', classes: 4, features: 8 };
const digits = { name: 'digits', classes: 10, features: 256, imageShape: [16, 16, 1] as [number, number, number] };
const circles = { name: 'circles', classes: 2, features: 2 };

describe('training plan checks', () => {
  it('accepts what makes sense', () => {
    expect(trainingPlanProblems({ architecture: 'mlp', loss: 'cross_entropy', optimizer: 'adamw', dataset: blobs })).toEqual([]);
    expect(trainingPlanProblems({ architecture: 'cnn', loss: 'cross_entropy', dataset: digits })).toEqual([]);
    expect(trainingPlanProblems({ architecture: 'resnet-mini', loss: 'bce', dataset: circles })).toEqual([]);
    expect(trainingPlanProblems({ architecture: 'mlp', loss: 'mse', dataset: circles })).toEqual([]);
  });

  it('refuses regression and binary losses on multi-class labels, cnn on vectors, unknown names', () => {
    expect(trainingPlanProblems({ architecture: 'mlp', loss: 'mse', dataset: digits })).toEqual([
      expect.stringMatching(/'mse'.*10-class label.*cross_entropy/),
    ]);
    expect(trainingPlanProblems({ architecture: 'mlp', loss: 'mae', dataset: blobs })).toEqual([expect.stringMatching(/'mae'.*4-class/)]);
    expect(trainingPlanProblems({ architecture: 'mlp', loss: 'bce', dataset: blobs })).toEqual([expect.stringMatching(/'bce'.*2-class.*4 classes/)]);
    expect(trainingPlanProblems({ architecture: 'cnn', loss: 'cross_entropy', dataset: blobs })).toEqual([expect.stringMatching(/needs an image dataset/)]);
    expect(trainingPlanProblems({ architecture: 'vgg', loss: 'hinge', dataset: { name: 'one', classes: 1, features: 3 } })).toEqual([
      expect.stringMatching(/unknown architecture 'vgg' \(known: mlp, cnn, resnet-mini\)/),
      expect.stringMatching(/unknown loss 'hinge'/),
      expect.stringMatching(/1 label class: a classifier needs at least 2/),
    ]);
  });

  it('maps losses to output layers', () => {
    expect(outputFor('cross_entropy', 3)).toEqual({ units: 3, activation: 'softmax', oneHot: true });
    expect(outputFor('bce', 2)).toEqual({ units: 1, activation: 'sigmoid', oneHot: false });
  });
});

describe('built-in datasets for the tfjs recipe', () => {
  it('iris is the real 150 flowers, 3 balanced species', () => {
    const { x, y } = findBuiltinDataset('iris')!.generate(0, 1);
    expect(x).toHaveLength(150);
    expect(x[0]).toHaveLength(4);
    expect([0, 1, 2].map((label) => y.filter((value) => value === label).length)).toEqual([50, 50, 50]);
  });

  it('digits are 16x16 images in [0, 1], deterministic per seed, different per class', () => {
    const digits = findBuiltinDataset('digits')!;
    expect(digits.imageShape).toEqual([16, 16, 1]);
    const first = digits.generate(20, 7);
    expect(digits.generate(20, 7)).toEqual(first);
    expect(first.x.every((image) => image.length === 256 && image.every((pixel) => pixel >= 0 && pixel <= 1))).toBe(true);
    const ink = (image: number[]) => image.reduce((sum, pixel) => sum + pixel, 0);
    expect(ink(first.x[8]!)).toBeGreaterThan(ink(first.x[1]!)); // an 8 has seven strokes, a 1 two
    expect(BUILTIN_DATASETS.map((dataset) => dataset.name)).toEqual(['spirals', 'blobs', 'circles', 'iris', 'digits']);
  });
});

describe('tables', () => {
  it('parses quoted CSV with a BOM, encodes labels and categories, normalizes numbers', () => {
    const table = parseTable('\ufeffa,"kind, long",label\r\n1,"x ""q""",no\n3,y,yes\n\n5,x,no\n', 'csv');
    expect(table.columns).toEqual(['a', 'kind, long', 'label']);
    const encoded = encodeTable(table, labelColumnOf(table, undefined));
    expect(encoded.classNames).toEqual(['no', 'yes']);
    expect(encoded.y).toEqual([0, 1, 0]);
    expect(encoded.featureNames).toEqual(['a', 'kind, long=x', 'kind, long=x "q"', 'kind, long=y']);
    expect(encoded.x[0]!.slice(1)).toEqual([0, 1, 0]);
    const column = encoded.x.map((row) => row[0]!);
    expect(column.reduce((sum, value) => sum + value, 0)).toBeCloseTo(0, 9);
    expect(column[2]).toBeCloseTo(Math.sqrt(1.5), 9);
  });

  it('reads JSON and JSON Lines records; numeric labels keep their order; names the missing label column', () => {
    const json = parseTable(
      JSON.stringify({
        records: [
          { f: 1, label: 10 },
          { f: 2, label: 2 },
        ],
      }),
      'json',
    );
    expect(encodeTable(json, 'label').classNames).toEqual(['2', '10']);
    const lines = parseTable('{"f":1,"target":"a"}\n{"f":2,"target":"b"}\n', 'jsonl');
    expect(labelColumnOf(lines, undefined)).toBe('target');
    expect(() => labelColumnOf(lines, 'species')).toThrow(/no column 'species' \(columns: f, target\)/);
    expect(() => labelColumnOf(parseTable('a,b\n1,2\n', 'csv'), undefined)).toThrow(/no 'label' column/);
  });
});

describe('PNG images and image archives', async () => {
  const { decodePng } = await import('../../dist/src/datasets/png.js');
  const { loadImageArchive, summarizeImageArchive } = await import('../../dist/src/datasets/image-archive.js');
  const { tarHeaderBlocks, padding, TAR_END } = await import('../../dist/src/datasets/tar-format.js');
  const { encodePng, barImage } = await import('./png-encoder.js');
  const { gzipSync } = await import('node:zlib');

  it('decodes grey, RGB and RGBA PNGs through all five row filters', () => {
    const width = 7;
    const height = 11;
    for (const channels of [1, 3, 4] as const) {
      const pixels = Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 37 + (i >> 3) * 11) % 256);
      const image = decodePng(encodePng(width, height, channels, pixels));
      const kept = channels === 4 ? 3 : channels;
      expect(image).toMatchObject({ width, height, channels: kept });
      const expected = [...Array(width * height).keys()].flatMap((pixel) => Array.from({ length: kept }, (_, c) => pixels[pixel * channels + c]! / 255));
      expect(Array.from(image.pixels).map((value) => Math.round(value * 255))).toEqual(expected.map((value) => Math.round(value * 255)));
    }
    expect(() => decodePng(Buffer.from('GIF89a'))).toThrow(/not a PNG/);
  });

  it('reads a tar.gz of class folders: classes from folder names, images resized to the first one', () => {
    const files = [
      { path: 'shapes/vertical/a.png', content: encodePng(12, 12, 1, barImage(true, 1)) },
      { path: 'shapes/horizontal/b.png', content: encodePng(12, 12, 1, barImage(false, 2)) },
      { path: 'shapes/vertical/c.png', content: encodePng(6, 6, 1, new Uint8Array(36).fill(255)) },
      { path: 'shapes/._c.png', content: Buffer.from('resource fork') },
      { path: 'shapes/README.txt', content: Buffer.from('two classes') },
    ];
    const tar = Buffer.concat([
      ...files.flatMap(({ path, content }) => [tarHeaderBlocks({ path, size: content.length, mtimeMs: 0 }), content, Buffer.alloc(padding(content.length))]),
      TAR_END,
    ]);
    expect(summarizeImageArchive(gzipSync(tar))).toEqual({ classNames: ['horizontal', 'vertical'], imageCount: 3, imageShape: [12, 12, 1] });
    const loaded = loadImageArchive(tar);
    expect(loaded.y).toEqual([1, 0, 1]);
    expect(loaded.x.every((image) => image.length === 144)).toBe(true);
    expect(loaded.x[2]!.every((value) => value === 1)).toBe(true);
    const jpeg = Buffer.concat([tarHeaderBlocks({ path: 'cats/1.jpg', size: 3, mtimeMs: 0 }), Buffer.from('jpg'), Buffer.alloc(padding(3)), TAR_END]);
    expect(() => summarizeImageArchive(jpeg)).toThrow(/JPEG: the TF.js trainer decodes PNG images only/);
  });
});
