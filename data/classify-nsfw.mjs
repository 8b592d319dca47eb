#!/usr/bin/env node
// reel's default adult-content classifier (checks.classifier_command):
// nsfwjs's bundled MobileNetV2 model on @tensorflow/tfjs's WebAssembly
// backend (or its CPU one), entirely offline (the weights ship inside the
// npm package).
//
//   node data/classify-nsfw.mjs FRAME.jpg...
//
// prints a JSON array with one score per frame, in order: the probability
// the frame is pornographic or hentai (nsfwjs's "Porn" + "Hentai"), 0 to 1.
// With --classes it prints each frame's five class probabilities instead.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

// reel reads stdout as the answer: the libraries' notices go to stderr.
for (const level of ['log', 'info', 'warn']) {
  console[level] = (...args) => process.stderr.write(args.join(' ') + '\n');
}

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');
const nsfwjs = require('nsfwjs');
const jpeg = require('jpeg-js');

const ADULT = ['Porn', 'Hentai'];
// A frame larger than this is refused rather than decoded (reel samples
// small frames; this guards the decoder against a hostile file).
const MAX_MEGAPIXELS = 40;

// TensorFlow.js's WebAssembly backend where it loads (its npm package ships
// the .wasm files): on a 2-core machine the 15 frames of a 30 s upload took
// 6.4 CPU-s with it against 24.9 with the CPU backend (plain JavaScript),
// about 0.08 s a frame against 1.2 after the model's load. The CPU backend
// stays the fallback: the same model, scores equal within 1e-7.
async function useFastestBackend() {
  try {
    require('@tensorflow/tfjs-backend-wasm');
    if (await tf.setBackend('wasm')) return;
  } catch (e) {
    process.stderr.write(`classify-nsfw: no WebAssembly backend (${e.message}), using the CPU one\n`);
  }
  await tf.setBackend('cpu');
}

async function main(argv) {
  const classes = argv[0] === '--classes';
  const files = classes ? argv.slice(1) : argv;
  if (files.length === 0) {
    process.stderr.write('usage: classify-nsfw.mjs [--classes] FRAME.jpg...\n');
    process.exit(2);
  }
  await useFastestBackend();
  process.stderr.write(`classify-nsfw: backend ${tf.getBackend()}\n`);
  const model = await nsfwjs.load('MobileNetV2');
  const out = [];
  for (const file of files) {
    const img = jpeg.decode(readFileSync(file), {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: MAX_MEGAPIXELS,
    });
    const pixels = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
    const predictions = await model.classify(pixels, 5);
    pixels.dispose();
    const p = Object.fromEntries(predictions.map((x) => [x.className, x.probability]));
    out.push(classes ? p : Math.min(1, ADULT.reduce((s, c) => s + (p[c] ?? 0), 0)));
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`classify-nsfw: ${e.message}\n`);
  process.exit(1);
});
