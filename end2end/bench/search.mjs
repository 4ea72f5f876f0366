// Customer search in the browser against a running Kedao server with demo data at --scale 50
// (100,000 customers; run by .ci/bench, which starts it). Prints `BENCH <name> <value> <unit>`.
//
//   customer_index_ms   the director opens the customer screen with 100,000 customers in the
//                       replica: the search index (pinyin keys of every name and contact) is
//                       built and the first 200 rows drawn; median of 3 page loads.
//   customer_search_ms  one keystroke in the search box: from the input event until the list in
//                       the page shows the matches (search over all 100,000 keys, the count, the
//                       first 200 rows re-rendered; the browser paints right after). Keystrokes
//                       typed one by one as a rep would: `h` `z` `w` `l` (pinyin initials),
//                       `杭州`, `1 3 8` (phone digits), each query starting from an empty box;
//                       the median over all keystrokes of 3 rounds (and the slowest, as
//                       customer_search_max_ms: a first letter, which scans every key).
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
// First sync (not measured here: initial_sync_ms is).
await page.goto('/sync');
await page.waitForFunction(() => {
  const chip = document.querySelector('[data-testid="sync-status"]');
  return chip && chip.dataset.state === 'online' && chip.dataset.pending === '0';
}, null, { timeout: 600_000, polling: 100 });

const opens = [];
const keystrokes = [];
for (let round = 0; round < 3; round++) {
  await page.goto('/sync');
  await page.waitForSelector('[data-testid="sync-status"][data-state="online"]', { timeout: 120_000 });
  // Open the customer screen from the app's own navigation (a client-side route change).
  const started = await page.evaluate(() => performance.now());
  await page.locator('[data-nav="customers"]:visible').first().click();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="customer-list"] li').length >= n, 200, { timeout: 120_000, polling: 'raf' });
  opens.push((await page.evaluate(() => performance.now())) - started);
  const total = await page.getByTestId('customer-count').textContent();
  if (!/共 (\d{6}|1\d{5}) 个/.test(total.replace(/,/g, ''))) throw new Error(`expected 100,000 customers, the list says ${total}`);
  for (const query of [['h', 'z', 'w', 'l'], ['杭', '州'], ['1', '3', '8']]) {
    const times = await page.evaluate(async (keys) => {
      const input = document.querySelector('input[name="customer-search"]');
      const count = document.querySelector('[data-testid="customer-count"]');
      // Leptos runs its effects (the search, the list's DOM updates) in microtasks after the
      // event: the next macrotask (a MessageChannel message, not clamped like a timer) starts
      // once the page is up to date, before the browser paints.
      const settled = () => new Promise((ok) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => ok();
        channel.port2.postMessage(null);
      });
      const out = [];
      input.value = '';
      input.dispatchEvent(new Event('input', { bubbles: true }));
      await settled();
      let typed = '';
      let before = count.textContent;
      for (const k of keys) {
        typed += k;
        const t0 = performance.now();
        input.value = typed;
        input.dispatchEvent(new Event('input', { bubbles: true }));
        await settled();
        out.push(performance.now() - t0);
        if (count.textContent === before && typed.length === 1) throw new Error(`the list did not change for ${typed}`);
        before = count.textContent;
      }
      return out;
    }, query);
    keystrokes.push(...times);
    const shown = await page.getByTestId('customer-count').textContent();
    if (/共 0 个/.test(shown)) throw new Error(`no match for ${query.join('')}`);
  }
}
console.log(`BENCH customer_index_ms ${median(opens).toFixed(0)} ms`);
console.log(`BENCH customer_search_ms ${median(keystrokes).toFixed(1)} ms`);
console.log(`BENCH customer_search_max_ms ${Math.max(...keystrokes).toFixed(1)} ms`);
await browser.close();
