// Sync benchmarks against a running Kedao server with demo data at --scale 25 (run by .ci/bench,
// which starts it). Prints `BENCH <name> <value> <unit>` lines; each figure is the median of its
// rounds.
//
//   initial_sync_ms         the director (who sees all 50,000 customers and 200,000 deals) opens
//                           the app on a fresh device: from navigation until the first sync has
//                           pulled everything into IndexedDB (the status chip says "synced").
//   workbench_first_ms      then, on that synced device, the director opens the workbench 工作台:
//                           the agenda's computation (follow-ups due, payments due, stalled deals
//                           of all 200,000 deals; the first one also builds the deal table that
//                           the funnel board shares), as the page reports it (`data-compute-ms`).
//   workbench_ms            the same once the table exists (leaving and coming back).
//   push_1000_ms            a rep's device comes online with 1,000 queued edits: from going
//                           online until the server has applied them all and the device has
//                           pulled the result (nothing pending, chip "synced").
//   push_p99_ms_50_clients  50 devices (two or three per rep) push concurrently, each 20 batches of
//                           10 edits with 100-500 ms between its batches, starting within the
//                           same half second (about 160 pushes/s: far above a sales team's real
//                           rate, below the server's capacity): the 99th percentile of a push's
//                           response time over real HTTP, load generator on the same machine.
import { chromium } from 'playwright-core';

const base = process.argv[2] ?? 'http://127.0.0.1:3300';
const PASSWORD = 'kedao-demo';
const launch = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function login(username) {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`${username} cannot sign in: ${res.status}`);
  return res.headers.get('set-cookie').split(';')[0];
}

async function api(cookie, path, body) {
  const res = await fetch(`${base}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { cookie, origin: base, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function ownCustomers(cookie) {
  const me = await api(cookie, '/api/me');
  const out = [];
  let cursor = '';
  for (;;) {
    const page = await api(cookie, `/api/sync/pull${cursor ? `?cursor=${cursor}` : ''}`);
    out.push(...page.customers.filter((c) => c.owner_id === me.user_id));
    cursor = page.cursor;
    if (!page.more) return { me, customers: out };
  }
}

async function signedInPage(browser, username) {
  const context = await browser.newContext({ baseURL: base, locale: 'zh-CN', viewport: { width: 1024, height: 768 } });
  const res = await context.request.post('/api/auth/login', { data: { username, password: PASSWORD } });
  if (res.status() !== 200) throw new Error(`${username} cannot sign in`);
  return { context, page: await context.newPage() };
}

const chipIs = (page, state, pending) =>
  page.waitForFunction(
    ([state, pending]) => {
      const chip = document.querySelector('[data-testid="sync-status"]');
      return chip && chip.dataset.state === state && chip.dataset.pending === pending;
    },
    [state, String(pending)],
    { timeout: 300_000, polling: 20 },
  );

/** Opens the workbench from the navigation and reads how long its agenda took to compute. */
async function agendaMs(page) {
  await page.click('.sidenav [data-nav="workbench"]');
  const agenda = await page.waitForSelector('.agenda[data-compute-ms]', { timeout: 60_000 });
  return Number(await agenda.getAttribute('data-compute-ms'));
}

async function initialSync(browser) {
  const times = [];
  const firsts = [];
  const again = [];
  for (let round = 0; round < 3; round++) {
    const { context, page } = await signedInPage(browser, 'director');
    const started = Date.now();
    await page.goto('/sync');
    await chipIs(page, 'online', 0);
    times.push(Date.now() - started);
    const stored = await page.evaluate(async () => {
      const me = JSON.parse(localStorage.getItem('kedao.me'));
      const db = await new Promise((ok, fail) => {
        const r = indexedDB.open(`kedao-${me.user_id}`);
        r.onsuccess = () => ok(r.result);
        r.onerror = () => fail(r.error);
      });
      // Chunks of a first sync (ui/sync/store.rs): JSON arrays of customer records.
      return new Promise((ok) => {
        const r = db.transaction('chunks').objectStore('chunks').getAll();
        r.onsuccess = () => ok(r.result.reduce((n, chunk) => n + JSON.parse(chunk).length, 0));
      });
    });
    if (stored < 50_000) throw new Error(`only ${stored} customers reached IndexedDB`);
    firsts.push(await agendaMs(page));
    await page.click('.sidenav [data-nav="customers"]');
    await page.waitForSelector('.agenda', { state: 'detached' });
    again.push(await agendaMs(page));
    await context.close();
  }
  console.log(`BENCH initial_sync_ms ${median(times)} ms`);
  console.log(`BENCH workbench_first_ms ${median(firsts)} ms`);
  console.log(`BENCH workbench_ms ${median(again)} ms`);
}

async function push1000(browser) {
  const times = [];
  const cookie = await login('rep1');
  for (let round = 0; round < 3; round++) {
    const { me, customers } = await ownCustomers(cookie);
    const { context, page } = await signedInPage(browser, 'rep1');
    await page.goto('/customers');
    await chipIs(page, 'online', 0);
    await page.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: 60_000 });
    await context.setOffline(true);
    // 1,000 edits queued on the device, as the app stores them (ui/sync/store.rs).
    const mutations = Array.from({ length: 1000 }, (_, i) => {
      const c = customers[i % customers.length];
      const value = `城市${round}-${i}`;
      const original = c.city;
      c.city = value;
      return { seq: i + 1, at_ms: Date.now(), op: { type: 'update_customer', id: c.id, edits: [{ field: 'city', original, value }] } };
    });
    await page.evaluate(
      async ({ userId, mutations }) => {
        const db = await new Promise((ok, fail) => {
          const r = indexedDB.open(`kedao-${userId}`);
          r.onsuccess = () => ok(r.result);
          r.onerror = () => fail(r.error);
        });
        await new Promise((ok, fail) => {
          const tx = db.transaction(['queue', 'meta'], 'readwrite');
          const meta = tx.objectStore('meta');
          const queue = tx.objectStore('queue');
          const next = meta.get('next_seq');
          next.onsuccess = () => {
            const start = Number(next.result ?? 1);
            for (const m of mutations) {
              m.seq += start - 1;
              queue.put(JSON.stringify(m), m.seq);
            }
            meta.put(String(start + mutations.length), 'next_seq');
          };
          tx.oncomplete = ok;
          tx.onerror = () => fail(tx.error);
        });
        db.close();
      },
      { userId: me.user_id, mutations },
    );
    await page.reload();
    await chipIs(page, 'offline', 1000);
    const started = Date.now();
    await context.setOffline(false);
    await chipIs(page, 'online', 0);
    times.push(Date.now() - started);
    await context.close();
  }
  console.log(`BENCH push_1000_ms ${median(times)} ms`);
}

async function push50Clients() {
  const reps = Array.from({ length: 24 }, (_, i) => `rep${i + 1}`);
  const devices = [];
  for (let i = 0; i < 50; i++) {
    const username = reps[i % reps.length];
    const cookie = await login(username);
    const { customers } = await ownCustomers(cookie);
    devices.push({ cookie, customers, clientId: crypto.randomUUID(), seq: 0 });
  }
  const latencies = [];
  await Promise.all(
    devices.map(async (d, n) => {
      // Devices do not start in the same millisecond (a herd of 50 at once measures the herd).
      await new Promise((r) => setTimeout(r, Math.random() * 500));
      for (let b = 0; b < 20; b++) {
        const mutations = Array.from({ length: 10 }, (_, i) => {
          const c = d.customers[(b * 10 + i) % d.customers.length];
          const value = `设备${n}-${b}-${i}`;
          const edit = { field: 'city', original: c.city, value };
          c.city = value;
          return { seq: ++d.seq, at_ms: Date.now(), op: { type: 'update_customer', id: c.id, edits: [edit] } };
        });
        const started = performance.now();
        const answer = await api(d.cookie, '/api/sync/push', { client_id: d.clientId, mutations });
        latencies.push(performance.now() - started);
        if (answer.results.length !== 10) throw new Error('a push was not answered in full');
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.ceil(latencies.length * 0.99) - 1];
  console.log(`BENCH push_p99_ms_50_clients ${p99.toFixed(1)} ms`);
  console.log(`BENCH push_p50_ms_50_clients ${latencies[Math.floor(latencies.length / 2)].toFixed(1)} ms`);
}

const only = process.argv[3];
const browser = await chromium.launch(launch);
try {
  if (!only || only === 'initial') await initialSync(browser);
  if (!only || only === 'push') await push1000(browser);
  if (!only || only === 'clients') await push50Clients();
} finally {
  await browser.close();
}
