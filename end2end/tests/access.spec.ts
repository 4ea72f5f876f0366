import { expect, request as playwrightRequest, type APIRequestContext } from '@playwright/test';
import { apiAs, PASSWORD, signInWithForm, test } from './support';

// Who sees what, in a real browser against the real server: a rep on a phone, a manager on a
// tablet, and the admin's screens. What the rep's browser receives is checked on the network,
// not only on the page.

async function allCustomers(api: APIRequestContext): Promise<any[]> {
  const out: any[] = [];
  for (;;) {
    const page = await (await api.get(`/api/customers?limit=1000&offset=${out.length}`)).json();
    out.push(...page.customers);
    if (page.customers.length === 0 || out.length >= page.total) return out;
  }
}

const masked = (s: string | null | undefined) => !s || s.includes('*');

test('rep1 on a phone sees only own and shared customers, and never a colleague\'s real phone', async ({ page, baseURL }, info) => {
  test.skip(info.project.name !== 'phone', 'the rep\'s journey is on a phone');
  const admin = await apiAs(baseURL!, 'admin');
  const org = await (await admin.get('/api/admin/org')).json();
  const rep1Id = org.users.find((u: any) => u.username === 'rep1').id;
  const rep1Name = org.users.find((u: any) => u.username === 'rep1').display_name;

  // rep2 shares one customer with rep1; as its owner rep2 sees its real phone numbers.
  const rep2 = await apiAs(baseURL!, 'rep2');
  const rep2Customers = await allCustomers(rep2);
  const shared = rep2Customers.find((c) => c.phone);
  expect((await rep2.post(`/api/customers/${shared.id}/shares`, { data: { username: 'rep1' } })).status()).toBe(200);
  const sharedDetail = await (await rep2.get(`/api/customers/${shared.id}`)).json();
  const secretPhones = [sharedDetail.customer.phone, ...sharedDetail.contacts.map((c: any) => c.phone)].filter(Boolean);
  expect(secretPhones.length).toBeGreaterThan(0);
  expect(secretPhones.every((p: string) => !p.includes('*'))).toBe(true);

  const director = await apiAs(baseURL!, 'director');
  const own = (await allCustomers(director)).filter((c) => c.owner_id === rep1Id);

  // Everything rep1's browser receives from now on.
  const bodies: string[] = [];
  page.on('response', async (r) => {
    if ((r.headers()['content-type'] ?? '').includes('json')) bodies.push(await r.text().catch(() => ''));
  });
  try {
    await signInWithForm(page, 'rep1');
    await page.locator('.bottomnav [data-nav="customers"]').tap();
    await expect(page.getByTestId('customer-count')).toHaveText(`显示 ${Math.min(200, own.length + 1)} / 共 ${own.length + 1} 个`);
    const items = page.locator('[data-testid="customer-list"] .list-item');
    // Drawn in steps of 40 as the list scrolls: scrolled to its end, all of them.
    await expect(items).toHaveCount(Math.min(40, own.length + 1));
    await expect(async () => {
      await items.last().scrollIntoViewIfNeeded();
      await expect(items).toHaveCount(Math.min(200, own.length + 1), { timeout: 500 });
    }).toPass({ timeout: 15_000 });
    // Every customer but the shared one is rep1's own.
    const subs = await page.locator('[data-testid="customer-list"] .list-item-sub').allTextContents();
    expect(subs.filter((s) => !s.endsWith(rep1Name))).toHaveLength(1);

    // The shared customer opens with masked numbers and no call link.
    await page.getByRole('searchbox').fill(shared.name);
    await page.locator(`[data-customer="${shared.id}"]`).tap();
    const card = page.getByTestId('customer-detail');
    await expect(card.getByRole('heading', { level: 2 })).toHaveText(shared.name);
    await expect(card.getByTestId('phone').first()).toContainText('****');
    await expect(card.locator('a[href^="tel:"]')).toHaveCount(0);

    // Back to the list, then one of rep1's own: real numbers, tap to call.
    await card.getByRole('button', { name: '返回列表' }).tap();
    await page.getByRole('searchbox').fill('');
    const mine = own.find((c) => c.phone)!;
    await page.getByRole('searchbox').fill(mine.name);
    await page.locator(`[data-customer="${mine.id}"]`).tap();
    await expect(card.locator('a[href^="tel:"]').first()).toHaveAttribute('href', /^tel:1\d{10}$/);

    // The network: no colleague's real number ever arrived, and every customer rep1 does not
    // own came masked.
    expect(bodies.length).toBeGreaterThan(2);
    for (const body of bodies) {
      for (const phone of secretPhones) expect(body.includes(phone), `response leaks ${phone}`).toBe(false);
      let json: any;
      try {
        json = JSON.parse(body);
      } catch {
        continue;
      }
      const customers = json?.customers ?? (json?.customer ? [json.customer] : []);
      for (const c of customers) {
        if (c.owner_id !== rep1Id) {
          expect(masked(c.phone) && masked(c.id_number) && masked(c.bank_account), JSON.stringify(c)).toBe(true);
        }
      }
      if (json?.customer && json.customer.owner_id !== rep1Id) {
        for (const k of json.contacts) expect(masked(k.phone), JSON.stringify(k)).toBe(true);
      }
    }
  } finally {
    await rep2.delete(`/api/customers/${shared.id}/shares/rep1`);
  }
});

test('manager1 on a tablet sees the whole east region and nothing else', async ({ page, baseURL }, info) => {
  test.skip(info.project.name !== 'tablet', 'the manager\'s journey is on a tablet');
  const director = await apiAs(baseURL!, 'director');
  const all = await allCustomers(director);
  const east = all.filter((c) => c.region === 'east');
  const south = all.find((c) => c.region === 'south')!;
  expect(east.length).toBeGreaterThan(200);

  await signInWithForm(page, 'manager1');
  await page.locator('.sidenav [data-nav="customers"]').click();
  await expect(page.getByTestId('customer-count')).toHaveText(`显示 200 / 共 ${east.length} 个`);
  // The manager hands a customer of rep3's to rep4 (reps no other test counts), then opens it:
  // list and card side by side, the numbers masked (the manager owns none), the hand-over in its
  // history.
  const admin = await apiAs(baseURL!, 'admin');
  const users = (await (await admin.get('/api/admin/org')).json()).users;
  const rep3 = users.find((u: any) => u.username === 'rep3');
  const target = east.find((c) => c.owner_id === rep3.id)!;
  const before = await (await page.request.get(`/api/customers/${target.id}`)).json();
  const moved = await page.request.post(`/api/customers/${target.id}/owner`, { data: { owner: 'rep4', version: before.customer.version } });
  expect(moved.status()).toBe(200);
  await page.getByRole('searchbox').fill(target.name);
  await page.locator(`[data-customer="${target.id}"]`).click();
  const card = page.getByTestId('customer-detail');
  await expect(card).toBeVisible();
  await expect(page.locator('[data-testid="customer-list"]')).toBeVisible();
  await expect(card.getByTestId('phone').first()).toContainText('****');
  await card.getByTestId('history-toggle').click();
  const newOwner = (await moved.json()).owner_name;
  await expect(card.getByTestId('history')).toContainText(`负责人: ${before.customer.owner_name} → ${newOwner}`);
  await expect(card.getByTestId('history')).toContainText('李明');
  // Another region's customer does not exist for manager1, even by its id.
  const other = await page.request.get(`/api/customers/${south.id}`);
  expect(other.status()).toBe(404);
  expect(await other.text()).not.toContain(south.name);
});

test('the admin creates a user, signs a lost phone out everywhere and renames a team, in both languages', async ({ page, baseURL }, info) => {
  test.skip(info.project.name !== 'tablet', 'administration is done on a tablet');
  const lost = await apiAs(baseURL!, 'rep20');
  expect((await lost.get('/api/me')).status()).toBe(200);

  await signInWithForm(page, 'admin');
  await page.locator('.sidenav [data-nav="settings"]').click();
  await page.getByTestId('open-admin').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('组织与用户');

  // A new rep in 上海一组 reporting to supervisor1.
  await page.getByTestId('new-user').click();
  const editor = page.getByTestId('user-editor');
  const username = `e2e-${Date.now()}`;
  await editor.getByLabel('用户名').fill(username);
  await editor.getByLabel('姓名').fill('钱多多');
  await editor.getByLabel('角色').selectOption('rep');
  await editor.getByTestId('save-user').click();
  await expect(editor.getByTestId('notice')).toHaveText('销售主管和销售人员必须属于一个团队，请选择。');
  await editor.getByLabel('团队').selectOption({ label: '上海一组' });
  await editor.getByLabel('直属上级').selectOption({ label: '陈静 (supervisor1)' });
  await editor.getByTestId('save-user').click();
  const password = (await editor.getByTestId('one-time-password').textContent())!.trim();
  expect(password.length).toBeGreaterThanOrEqual(12);
  await expect(page.locator(`[data-user="${username}"]`)).toContainText('钱多多');
  const fresh = await playwrightRequest.newContext({ baseURL });
  const login = await fresh.post('/api/auth/login', { data: { username, password } });
  expect((await login.json()).must_change_password).toBe(true);

  // rep20 lost their phone.
  await page.getByRole('searchbox').fill('rep20');
  await page.locator('[data-user="rep20"]').click();
  await expect(editor).toContainText('已在 1 台设备上登录');
  await editor.getByTestId('sign-out-everywhere').click();
  await expect(editor.getByTestId('notice')).toHaveText('已在 1 台设备上下线。');
  expect((await lost.get('/api/me')).status()).toBe(401);

  // Regions and teams, in English.
  await page.locator('.topbar [data-locale="en"]').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Organisation & users');
  await page.locator('[data-tab="units"]').click();
  const row = page.locator('[data-team="Wuhan Team"]');
  await row.getByRole('button', { name: 'Rename' }).click();
  const unit = page.getByTestId('unit-editor');
  await unit.getByLabel('English name').fill("Wuhan 1");
  await unit.getByTestId('save-unit').click();
  await expect(unit.getByTestId('notice')).toHaveText('Saved.');
  await expect(page.locator('[data-team="Wuhan 1"]')).toBeVisible();
  await page.locator('.topbar [data-locale="zh-CN"]').click();
});

test('the admin screen opens directly by its address, and only for admins', async ({ page }, info) => {
  test.skip(info.project.name === 'phone', 'administration is a tablet screen');
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  expect((await page.request.post('/api/auth/login', { data: { username: 'admin', password: PASSWORD } })).status()).toBe(200);
  // A fresh load of a lazy route: its wasm chunk arrives, then the page hydrates and works.
  await page.goto('/admin');
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
  await page.locator('[data-user="director"]').click();
  await expect(page.getByTestId('user-editor').getByLabel('用户名')).toHaveValue('director');
  expect(errors).toEqual([]);

  // Anyone else gets the screen's refusal, and the API refuses them too.
  expect((await page.request.post('/api/auth/login', { data: { username: 'director', password: PASSWORD } })).status()).toBe(200);
  await page.goto('/admin');
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
  await expect(page.locator('[data-page="admin"] .empty-state')).toHaveText('您没有此操作的权限。');
  expect((await page.request.get('/api/admin/org')).status()).toBe(403);
});
