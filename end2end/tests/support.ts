// Shared by the browser tests: signing in, reading through the API, a private server a test may
// kill, and waiting for the app's sync state.
import { test as base, expect, request as playwrightRequest, type APIRequestContext, type BrowserContext, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PASSWORD = 'kedao-demo';

/**
 * Collects the Content-Security-Policy violations of every page of a browser context:
 * `securitypolicyviolation` events, and Chromium's console messages about the policy (which also
 * cover workers). The list fills as the pages run; a test expects it empty.
 */
export async function watchCsp(ctx: BrowserContext): Promise<string[]> {
  const violations: string[] = [];
  await ctx.exposeBinding('__kedaoCspViolation', (_source, text: string) => {
    violations.push(text);
  });
  await ctx.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as any).__kedaoCspViolation?.(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  ctx.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
  });
  return violations;
}

/**
 * The tests' `test`: fails a test on any Content-Security-Policy violation (`watchCsp`) in the
 * default browser context and in every one the test makes with `browser.newContext` (a context a
 * test launches itself calls `watchCsp` on its own).
 */
export const test = base.extend<{ cspGuard: void }>({
  cspGuard: [
    async ({ context, browser }, use) => {
      const seen: string[][] = [await watchCsp(context)];
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (options) => {
        const ctx = await newContext(options);
        seen.push(await watchCsp(ctx));
        return ctx;
      };
      await use();
      browser.newContext = newContext;
      expect(seen.flat(), 'Content-Security-Policy violations').toEqual([]);
    },
    { auto: true },
  ],
});

/** Debian's Chromium (Playwright's own browser download is not reachable here). */
export const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

export async function apiAs(baseURL: string, username: string, password = PASSWORD): Promise<APIRequestContext> {
  const ctx = await playwrightRequest.newContext({ baseURL });
  const res = await ctx.post('/api/auth/login', { data: { username, password } });
  expect(res.status(), `${username} signs in`).toBe(200);
  return ctx;
}

/** Everything a user may see, through the sync API (customers with their deals, contacts, orders). */
export async function pullAll(api: APIRequestContext): Promise<{ customers: any[]; opportunities: any[]; contacts: any[]; orders: any[]; segments: any[]; promotions: any[]; catalog: any }> {
  const customers: any[] = [];
  const opportunities: any[] = [];
  const contacts: any[] = [];
  const orders: any[] = [];
  const segments: any[] = [];
  const promotions: any[] = [];
  let catalog: any = null;
  let cursor = '';
  for (;;) {
    const page = await (await api.get(`/api/sync/pull${cursor ? `?cursor=${cursor}` : ''}`)).json();
    customers.push(...page.customers);
    opportunities.push(...page.opportunities);
    contacts.push(...(page.contacts ?? []));
    orders.push(...(page.orders ?? []));
    segments.push(...(page.segments ?? []));
    promotions.push(...(page.promotions ?? []));
    catalog = page.catalog ?? catalog;
    cursor = page.cursor;
    if (!page.more) return { customers, opportunities, contacts, orders, segments, promotions, catalog };
  }
}

export async function signInWithForm(page: Page, username: string, password = PASSWORD) {
  await page.goto('/signin');
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page).toHaveURL('/');
}

/** The status chip's state (`online`, `offline`, `syncing`, `signed-out`) and pending count. */
export function chip(page: Page) {
  return page.getByTestId('sync-status').first();
}

/** Waits until the device has synced everything it has (online, nothing pending). */
export async function synced(page: Page, timeout = 20_000) {
  await expect(chip(page)).toHaveAttribute('data-pending', '0', { timeout });
  await expect(chip(page)).toHaveAttribute('data-state', 'online', { timeout });
}

/** Waits until the service worker controls the page (the app can then start offline). */
export async function installed(page: Page) {
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: 20_000 });
}

/**
 * Takes the device offline the way a user's phone does after the app is installed: first waits
 * for the service worker, whose precache holds every screen's code. (Offline before it installs,
 * a screen not yet opened cannot load; the app then says so, see `offline.spec.ts`.)
 */
export async function goOffline(page: Page) {
  await installed(page);
  await page.context().setOffline(true);
}

/** Opens a customer from the list by searching its name. */
export async function openCustomer(page: Page, name: string) {
  await page.locator('input[name="customer-search"]').fill(name);
  await page.locator('[data-testid="customer-list"] button.list-item', { hasText: name }).first().click();
  await expect(page.getByTestId('customer-name')).toHaveText(name);
}

/**
 * From a customer's 360 view, opens one of its deals on the funnel board and moves it to the next
 * stage with the deal panel's button, confirming the unticked criteria.
 */
export async function moveDealFrom360(page: Page, dealId: string, to: string) {
  await page.locator(`li[data-deal="${dealId}"] a`).click();
  const panel = page.getByTestId('deal-panel');
  await expect(panel).toBeVisible();
  await panel.locator('[data-move="next"]').click();
  // The demo deals have not ticked their stage's exit criteria: the move asks first.
  const dialog = page.getByTestId('move-dialog');
  await expect(dialog).toContainText('尚未满足的标准');
  await dialog.getByTestId('confirm-move').click();
  await expect(panel.getByTestId('deal-stage')).toHaveAttribute('data-stage', to);
}

/**
 * A Kedao server of the test's own, on its own SQLite file with demo data, which the test may kill
 * and restart (the shared server must stay up for the other tests).
 */
export class PrivateServer {
  readonly dir = mkdtempSync(join(tmpdir(), 'kedao-private-'));
  private child?: ChildProcess;

  constructor(readonly port: number, private siteRoot = '../target/site') {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(siteRoot = this.siteRoot) {
    this.siteRoot = siteRoot;
    this.child = spawn('../target/release/kedao', ['serve', '--demo', '--listen', `127.0.0.1:${this.port}`], {
      env: { ...process.env, DATABASE_URL: `sqlite://${join(this.dir, 'kedao.db')}`, KEDAO_SITE_ROOT: siteRoot, RUST_LOG: 'warn' },
      stdio: 'ignore',
    });
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      try {
        if ((await fetch(`${this.url}/healthz`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`the private server on ${this.port} did not start`);
  }

  /** Kills the server and removes its database directory. */
  async dispose() {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** SIGKILL: no graceful shutdown, whatever it was doing. */
  async kill() {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}
