// A promotion's intensity slider in the browser against a running Kedao server with demo data at
// --scale 50 (100,000 customers with their orders; run by .ci/bench, which starts it). Prints
// `BENCH <name> <value> <unit>`.
//
//   promotion_sim_ms  the director plans for every customer in view (100,000): one move of the
//                     intensity slider, from the input event until the forecast in the page shows
//                     the new figures, style and layout included (the model re-run on the
//                     segment's per-grade baseline, the forecast card re-rendered); median of 30.
//   promotion_baseline_ms  not a slider move: the planner changes the window, so the baseline is
//                     summed again over the 100,000 customers' orders; median of 3.
import { chromium } from 'playwright-core';

const base = process.argv[2] ?? 'http://127.0.0.1:3300';
const launch = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const browser = await chromium.launch(launch);
const context = await browser.newContext({ baseURL: base, locale: 'zh-CN', viewport: { width: 1024, height: 768 } });
const res = await context.request.post('/api/auth/login', { data: { username: 'director', password: 'kedao-demo' } });
if (res.status() !== 200) throw new Error('the director cannot sign in');
const page = await context.newPage();
await page.goto('/sync');
await page.waitForFunction(() => {
  const chip = document.querySelector('[data-testid="sync-status"]');
  return chip && chip.dataset.state === 'online' && chip.dataset.pending === '0';
}, null, { timeout: 900_000, polling: 100 });
await page.locator('[data-nav="promotions"]:visible').first().click();
await page.waitForSelector('[data-kpi="customers"]', { timeout: 300_000 });
const count = Number(await page.locator('[data-kpi="customers"]').getAttribute('data-count'));
if (count < 90_000) throw new Error(`expected about 100,000 customers at --scale 50, the plan has ${count}`);

// One slider move: the main-thread time it costs — the input event, the model re-run and the
// forecast card updated (Leptos runs its effects in microtasks after the event: the next
// macrotask, a MessageChannel message, starts once the page is up to date), plus the style and
// layout that causes, forced right after as the next frame would (like board_drag_frame_p95_ms).
const move = (value) => page.evaluate(async (value) => {
  const settled = () => new Promise((ok) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => ok();
    channel.port2.postMessage(null);
  });
  const slider = document.querySelector('input[name="intensity"]');
  const before = document.querySelector('[data-testid="promo-cost"]').dataset.fen;
  const started = performance.now();
  slider.value = String(value);
  slider.dispatchEvent(new Event('input', { bubbles: true }));
  await settled();
  void document.body.offsetHeight;
  const took = performance.now() - started;
  if (document.querySelector('[data-testid="promo-cost"]').dataset.fen === before) throw new Error('the forecast did not follow the slider');
  return took;
}, value);
const moves = [];
for (let i = 0; i < 30; i++) moves.push(await move(i % 2 === 0 ? 2000 + i * 50 : 500 + i * 50));
console.log(`BENCH promotion_sim_ms ${median(moves).toFixed(1)} ms`);

// A new window: the baseline summed again (waits for the baseline shown to change).
const windows = [];
for (let i = 0; i < 3; i++) {
  const to = new Date(Date.now() + (60 + 45 * i) * 86_400_000).toISOString().slice(0, 10);
  windows.push(await page.evaluate((to) => new Promise((done) => {
    const input = document.querySelector('input[name="to"]');
    const before = document.querySelector('[data-kpi="revenue"]').dataset.baselineFen;
    const started = performance.now();
    input.value = to;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    const check = () => {
      const now = document.querySelector('[data-kpi="revenue"]');
      if (now && now.dataset.baselineFen !== before) requestAnimationFrame(() => done(performance.now() - started));
      else requestAnimationFrame(check);
    };
    check();
  }), to));
}
console.log(`BENCH promotion_baseline_ms ${median(windows).toFixed(1)} ms`);
await browser.close();
