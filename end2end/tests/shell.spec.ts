import { expect, type Page } from '@playwright/test';
import { test } from './support';
import { execFileSync } from 'node:child_process';

const isPhone = (page: Page) => (page.viewportSize()?.width ?? 0) < 768;

/** Opens a page and waits until the wasm has hydrated it (the entry point marks the body). */
async function openHydrated(page: Page, path = '/') {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(path);
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
  return errors;
}

/** Signs in through the API: the session cookie lands in the page's browser context. */
async function signInAs(page: Page, username: string) {
  const res = await page.request.post('/api/auth/login', { data: { username, password: 'kedao-demo' } });
  expect(res.status()).toBe(200);
}

const sections = [
  { key: 'workbench', path: '/', zh: '工作台', en: 'Workbench' },
  { key: 'customers', path: '/customers', zh: '客户', en: 'Customers' },
  { key: 'funnel', path: '/funnel', zh: '销售漏斗', en: 'Sales funnel' },
  { key: 'segments', path: '/segments', zh: '客户细分', en: 'Segments' },
  { key: 'promotions', path: '/promotions', zh: '促销方案', en: 'Promotions' },
];

test('the app loads, hydrates without errors and shows a localised date', async ({ page }) => {
  await signInAs(page, 'director');
  const errors = await openHydrated(page);
  // The date is filled in by the client only: proof the wasm runs, not just the server render.
  await expect(page.getByTestId('today')).not.toBeEmpty();
  await expect(page).toHaveTitle('客道');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('工作台');
  await expect(page.getByTestId('today')).toHaveText(/^今天是\d{4}年\d{1,2}月\d{1,2}日 星期[一二三四五六日]$/);
  expect(errors).toEqual([]);
});

test('the language switch changes every label and is remembered', async ({ page }) => {
  await signInAs(page, 'director');
  await openHydrated(page);
  await page.locator('.topbar [data-locale="en"]').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Workbench');
  await expect(page.getByTestId('today')).toHaveText(/^Today is \w+day, \d{1,2} \w{3} \d{4}$/);
  const nav = page.locator(isPhone(page) ? '.bottomnav' : '.sidenav');
  await expect(nav.getByText('Customers')).toBeVisible();
  await expect(nav.getByText('客户')).toHaveCount(0);

  // Remembered across a reload: the server renders English before any wasm runs.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Workbench');
  await expect(page).toHaveTitle('Kedao');
  // The switch works once the page is hydrated (a tap before that reaches only the HTML).
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);

  await page.locator('.topbar [data-locale="zh-CN"]').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('工作台');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
});

test('navigation reaches every section without reloading the page', async ({ page }) => {
  await signInAs(page, 'director');
  await openHydrated(page);
  const phone = isPhone(page);
  const nav = page.locator(phone ? '.bottomnav' : '.sidenav');
  await expect(nav).toBeVisible();
  await expect(page.locator(phone ? '.sidenav' : '.bottomnav')).toBeHidden();
  // A marker that a full page load would wipe out: proves client-side routing after hydration.
  await page.evaluate(() => ((window as any).__kedaoMarker = 42));
  for (const s of [...sections.slice(1), sections[0]]) {
    const link = nav.locator(`[data-nav="${s.key}"]`);
    if (phone) await link.tap();
    else await link.click();
    await expect(page).toHaveURL(s.path);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.zh);
    await expect(link).toHaveAttribute('aria-current', 'page');
  }
  const settings = page.locator(phone ? '[data-nav="settings-top"]' : '.sidenav [data-nav="settings"]');
  if (phone) await settings.tap();
  else await settings.click();
  await expect(page).toHaveURL('/settings');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('设置');
  expect(await page.evaluate(() => (window as any).__kedaoMarker)).toBe(42);
});

test('the customer screen has two panes side by side on a tablet and one column on a phone', async ({ page }) => {
  await signInAs(page, 'director');
  await openHydrated(page, '/customers');
  if (isPhone(page)) {
    // One column: the list takes the screen; the empty detail pane waits for a selection.
    await expect(page.locator('.pane-detail')).toBeHidden();
    const list = await page.locator('.pane-list').boundingBox();
    expect(list!.width).toBeGreaterThan(300);
  } else {
    const list = await page.locator('.pane-list').boundingBox();
    const detail = await page.locator('.pane-detail').boundingBox();
    expect(list && detail).toBeTruthy();
    expect(detail!.x).toBeGreaterThanOrEqual(list!.x + list!.width);
    expect(Math.abs(detail!.y - list!.y)).toBeLessThan(2);
  }
  // Nothing is wider than the screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});

test('every visible control is at least 44 px for a thumb', async ({ page }) => {
  await signInAs(page, 'director');
  await openHydrated(page);
  const controls = page.locator('a:visible, button:visible, input:visible');
  const n = await controls.count();
  expect(n).toBeGreaterThan(5);
  for (let i = 0; i < n; i++) {
    const c = controls.nth(i);
    if ((await c.getAttribute('class'))?.includes('skip-link')) continue;
    const box = await c.boundingBox();
    expect(box, await c.evaluate((e) => e.outerHTML.slice(0, 80))).toBeTruthy();
    expect.soft(box!.height, await c.evaluate((e) => e.outerHTML.slice(0, 80))).toBeGreaterThanOrEqual(44);
    expect.soft(box!.width, await c.evaluate((e) => e.outerHTML.slice(0, 80))).toBeGreaterThanOrEqual(44);
  }
});

test('a visitor without a session is sent to sign in', async ({ page }) => {
  await openHydrated(page, '/customers');
  await expect(page).toHaveURL('/signin');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('登录');
  expect((await page.request.get('/api/customers')).status()).toBe(401);
});

test('signing in with a demo login opens the workbench; a wrong password says so', async ({ page }) => {
  await openHydrated(page, '/signin');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('登录');
  await page.getByLabel('用户名').fill('rep1');
  await page.getByLabel('密码').fill('wrong password');
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByTestId('signin-error')).toHaveText('用户名或密码错误。');
  await expect(page).toHaveURL('/signin');

  await page.getByLabel('密码').fill('kedao-demo');
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page).toHaveURL('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('工作台');
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'kedao_session');
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe('Lax');
  expect((await page.request.get('/api/me')).status()).toBe(200);

  // Signing out from Settings ends the session on the server too.
  await openHydrated(page, '/settings');
  await page.getByTestId('sign-out').click();
  await expect(page).toHaveURL('/signin');
  expect((await page.request.get('/api/me')).status()).toBe(401);
});

test('a created user must choose a password at first sign-in', async ({ page }, testInfo) => {
  const username = `newbie-${testInfo.project.name}`;
  execFileSync('../target/release/kedao', ['create-user', '--username', username, '--display-name', '新同事', '--role', 'rep'], {
    env: { ...process.env, DATABASE_URL: process.env.KEDAO_E2E_DATABASE_URL, KEDAO_NEW_PASSWORD: 'one-time-1', RUST_LOG: 'off' },
  });
  await openHydrated(page, '/signin');
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill('one-time-1');
  await page.getByRole('button', { name: '登录' }).click();

  const form = page.getByTestId('password-change');
  await expect(form.getByRole('heading')).toHaveText('设置您的密码');
  await form.getByLabel('新密码（至少 10 个字符）').fill('short');
  await form.getByLabel('再次输入新密码').fill('short');
  await form.getByRole('button', { name: '保存并继续' }).click();
  await expect(page.getByTestId('signin-error')).toHaveText('新密码至少需要 10 个字符。');
  // One of the most common passwords (the server's list) is refused with a translated reason.
  await form.getByLabel('新密码（至少 10 个字符）').fill('1qaz2wsx3edc');
  await form.getByLabel('再次输入新密码').fill('1qaz2wsx3edc');
  await form.getByRole('button', { name: '保存并继续' }).click();
  await expect(page.getByTestId('signin-error')).toHaveText('该密码属于最常见的密码，容易被猜中，请换一个。');
  await form.getByLabel('新密码（至少 10 个字符）').fill('a-better-password');
  await form.getByLabel('再次输入新密码').fill('a-better-passw0rd');
  await form.getByRole('button', { name: '保存并继续' }).click();
  await expect(page.getByTestId('signin-error')).toHaveText('两次输入的新密码不一致。');
  await form.getByLabel('再次输入新密码').fill('a-better-password');
  await form.getByRole('button', { name: '保存并继续' }).click();
  await expect(page).toHaveURL('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('工作台');

  // The one-time password is spent; the chosen one works.
  const old = await page.request.post('/api/auth/login', { data: { username, password: 'one-time-1' } });
  expect(old.status()).toBe(401);
  const chosen = await page.request.post('/api/auth/login', { data: { username, password: 'a-better-password' } });
  expect(chosen.status()).toBe(200);
  expect((await chosen.json()).must_change_password).toBe(false);
});
