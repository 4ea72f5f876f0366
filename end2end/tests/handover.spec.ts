import { expect, type Browser } from '@playwright/test';
import { apiAs, chip, openCustomer, pullAll, signInWithForm, synced, test } from './support';

// 转移负责人 (the manager's journey, step 3): a manager hands a rep's neglected customer to a
// colleague on a tablet; the open deals go along; the rep's phone drops it on its next sync.
// rep8 and supervisor2 (杭州组, manager1's region) are used by no other test.

const OPEN = ['initial_contact', 'needs_analysis', 'proposal', 'negotiation'];

async function phone(browser: Browser, baseURL: string) {
  return browser.newContext({ baseURL, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
}

test('tablet: a manager hands a customer to a colleague with its open deals; the old owner’s phone drops it', async ({ page, browser, baseURL }, info) => {
  test.skip(info.project.name !== 'tablet', 'a manager on a tablet');
  test.setTimeout(90_000);
  const repApi = await apiAs(baseURL!, 'rep8');
  const me = await (await repApi.get('/api/me')).json();
  const mine = await pullAll(repApi);
  const customer = mine.customers.find((c) => c.owner_id === me.user_id && mine.opportunities.some((o) => o.customer_id === c.id && o.owner_id === me.user_id && OPEN.includes(o.stage)));
  expect(customer, 'rep8 has a customer with an open deal').toBeTruthy();
  const openDeals = mine.opportunities.filter((o) => o.customer_id === customer.id && o.owner_id === me.user_id && OPEN.includes(o.stage)).map((o) => o.id);
  const managerApi = await apiAs(baseURL!, 'manager1');
  const { catalog } = await pullAll(managerApi);
  const to = catalog.people.find((p: any) => p.name === '周涛');
  expect(to, 'supervisor2 is in the catalogue').toBeTruthy();

  // The rep has it on the phone.
  const repContext = await phone(browser, baseURL!);
  const rep = await repContext.newPage();
  await signInWithForm(rep, 'rep8');
  await rep.locator('[data-nav="customers"]:visible').first().click();
  await synced(rep);
  await openCustomer(rep, customer.name);

  // The manager hands it over from the 360 view.
  await signInWithForm(page, 'manager1');
  await page.locator('[data-nav="customers"]:visible').first().click();
  await synced(page);
  await openCustomer(page, customer.name);
  await page.getByTestId('handover-open').click();
  const panel = page.getByTestId('handover-panel');
  await expect(panel).toContainText('原负责人下次同步后将看不到该客户');
  // Nobody chosen: explained, nothing queued.
  await panel.getByTestId('handover-submit').click();
  await expect(page.getByTestId('handover-message')).toHaveText('选择销售人员');
  await expect(chip(page)).toHaveAttribute('data-pending', '0');
  // The current owner is not offered.
  await expect(panel.locator(`option[value="${me.user_id}"]`)).toHaveCount(0);
  await panel.locator('select[name="handover-to"]').selectOption(to.id);
  await panel.getByTestId('handover-submit').click();
  await expect(page.getByTestId('handover-message')).toHaveText('已转给周涛，将自动同步。');
  await synced(page);

  // The server has the new owner, for the customer and its open deals.
  const after = await pullAll(managerApi);
  expect(after.customers.find((c) => c.id === customer.id).owner_id).toBe(to.id);
  for (const id of openDeals) expect(after.opportunities.find((o) => o.id === id).owner_id).toBe(to.id);

  // The rep's phone drops it with its next sync (woken by the server, or on reload).
  await rep.reload();
  await synced(rep);
  await rep.goto(`/customers?c=${customer.id}`);
  await expect(rep.getByTestId('customer-detail')).toContainText('记录不存在，或您无权查看。', { timeout: 15_000 });
  await rep.goto('/customers');
  await rep.locator('input[name="customer-search"]').fill(customer.name);
  await expect(rep.locator('[data-testid="customer-list"] button.list-item', { hasText: customer.name })).toHaveCount(0);
  await repContext.close();
});
