// `BENCH segmentation_wasm_ms`: the segmentation workload of end2end/bench/segmentation (the
// shared Rust code: purchases folded from 1,000,000 orders of 100,000 customers, RFM, k-means with
// k = 6 and 20 iterations) compiled to wasm with the shipped bundle's profile, in Chromium (no
// throttling), median of 5. The page serves the wasm-bindgen output given as the first argument;
// the outcome must equal the native run's (second argument), so both sides did the same work.
//
//   node end2end/bench/segmentation.mjs target/segbench "buyers=… champions=…"
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'target/segbench';
const expected = process.argv[3];
const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const server = createServer(async (req, res) => {
  const path = req.url === '/' ? null : join(dir, req.url.replace(/^\/+/, '').replace(/\.\./g, ''));
  try {
    const body = path ? await readFile(path) : '<!doctype html><title>segmentation</title>';
    res.writeHead(200, { 'content-type': path ? types[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream' : 'text/html' });
    res.end(body);
  } catch {
    res.writeHead(404);
    res.end();
  }
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  await page.goto(base);
  const { times, outcome } = await page.evaluate(async (url) => {
    const m = await import(url);
    await m.default();
    const bench = new m.Bench(100_000, 1_000_000);
    const times = [];
    let outcome = '';
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      outcome = bench.run();
      times.push(performance.now() - started);
    }
    return { times, outcome };
  }, `${base}/kedao_segbench.js`);
  if (expected && outcome !== expected) throw new Error(`wasm found "${outcome}", native "${expected}"`);
  console.error(`wasm: ${outcome}; runs ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
  const median = [...times].sort((a, b) => a - b)[2];
  console.log(`BENCH segmentation_wasm_ms ${median.toFixed(1)} ms`);
} finally {
  await browser.close();
  server.close();
}
