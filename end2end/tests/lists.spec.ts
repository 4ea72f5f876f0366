import { expect } from '@playwright/test';
import { apiAs, pullAll, signInWithForm, synced, test } from './support';

// The lists an admin edits (数据字典, issue 5): the admin adds an industry on a tablet, a rep's
// phone offers it after its next sync and a customer gets it; once retired it is no longer
// offered, but the customer keeps it. rep23 (central region) is used by no other test. Each run
// adds its own option (the shared server keeps them), named after the run.

test('the admin adds, orders and retires an industry; a rep\'s phone follows the list', async ({ page, browser, baseURL }, info) => {
  test.skip(info.project.name !== 'tablet', 'administration is done on a tablet');
  test.setTimeout(120_000);
  const suffix = String(Date.now()).slice(-6);
  const zh = `采矿业${suffix}`;
  const en = `Mining ${suffix}`;
  const code = `mining_${suffix}`;

  // The rep's phone is signed in and synced before the list changes.
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true });
  const rep = await phone.newPage();
  await signInWithForm(rep, 'rep23');
  await synced(rep);

  await signInWithForm(page, 'admin');
  await page.goto('/admin');
  await page.locator('[data-tab="lists"]').click();
  await page.locator('select[name="list"]').selectOption('industry');
  const options = page.getByTestId('option-list');
  await expect(options.locator('li')).not.toHaveCount(0);
  const editor = page.getByTestId('option-editor');
  // Bad input: a name is needed in both languages; nothing is added.
  const before = await options.locator('li').count();
  await editor.locator('input[name="name-zh"]').fill(zh);
  await editor.getByTestId('save-option').click();
  await expect(editor.getByTestId('notice')).toHaveText('请填写中英文名称，各不超过 40 个字。');
  await expect(options.locator('li')).toHaveCount(before);
  await editor.locator('input[name="name-en"]').fill(en);
  await editor.getByTestId('save-option').click();
  const added = options.locator(`li[data-code="${code}"]`);
  await expect(added).toContainText(zh);
  await expect(options.locator('li')).toHaveCount(before + 1);
  // Moved up one place: the order is the server's now.
  await added.getByTestId('move-up').click();
  await expect(options.locator('li').nth(before - 1)).toHaveAttribute('data-code', code);
  const admin = await apiAs(baseURL!, 'admin');
  const catalog = await (await admin.get('/api/catalog')).json();
  expect(catalog.lists.industry.map((o: any) => o.code).indexOf(code)).toBe(before - 1);

  // The rep's phone is told of the change, pulls the new list and offers the option.
  await rep.locator('[data-nav="customers"]:visible').first().click();
  await rep.getByTestId('new-customer').click();
  const form = rep.getByTestId('customer-form');
  await expect(form.locator(`select[name="industry"] option[value="${code}"]`)).toHaveText(zh, { timeout: 15_000 });
  const name = `武汉矿业有限公司${suffix}`;
  await form.locator('input[name="name"]').fill(name);
  await form.locator('select[name="region"]').selectOption('central');
  await form.locator('input[name="city"]').fill('武汉');
  await form.locator('select[name="industry"]').selectOption(code);
  await form.getByTestId('save-customer').click();
  const card = rep.getByTestId('customer-detail');
  await expect(card.getByTestId('customer-name')).toHaveText(name);
  await expect(card.locator('[data-section="profile"]')).toContainText(zh);
  await synced(rep);
  const mine = await pullAll(await apiAs(baseURL!, 'rep23'));
  expect(mine.customers.find((c: any) => c.name === name)?.industry).toBe(code);

  // Retired: marked in the admin's list, no longer offered on the phone, kept on the customer.
  await added.getByTestId('toggle-option').click();
  await expect(added.locator('.badge')).toHaveText('已停用');
  await card.getByRole('button', { name: '返回列表' }).click();
  await rep.getByTestId('new-customer').click();
  await expect(form.locator(`select[name="industry"] option[value="${code}"]`)).toHaveCount(0, { timeout: 15_000 });
  await form.getByRole('button', { name: '取消' }).click();
  await rep.locator('input[name="customer-search"]').fill(name);
  await rep.locator('[data-testid="customer-list"] button.list-item', { hasText: name }).first().click();
  await expect(card.locator('[data-section="profile"]')).toContainText(zh);
  // Deleting it is refused in words while the customer has it.
  await added.getByTestId('delete-option').click();
  await expect(page.getByTestId('notice')).toHaveText('已有客户或商机使用该选项，不能删除；可以停用它。');
  await expect(added).toHaveCount(1);
  await phone.close();
});
