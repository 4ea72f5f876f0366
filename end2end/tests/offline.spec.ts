import { expect } from '@playwright/test';
import { apiAs, chip, openCustomer, pullAll, signInWithForm, synced, test } from './support';

// Offline before the app finished installing (no service worker yet): a screen whose code is not
// on the device cannot open. The app says so and offers a reload instead of freezing, and the
// change made offline meanwhile is kept and syncs after the reload. rep18 is used by no other test.

test.use({ serviceWorkers: 'block' });

test('phone: offline before the install, an unopened screen is explained and nothing made offline is lost', async ({ page, baseURL }, info) => {
  test.skip(info.project.name !== 'phone', 'a rep in the field');
  test.setTimeout(90_000);
  const { customers } = await pullAll(await apiAs(baseURL!, 'rep18'));
  const target = customers[0];
  const reason = `展会后回访 ${Date.now() % 100_000}`;

  await signInWithForm(page, 'rep18');
  await page.locator('[data-nav="customers"]:visible').first().click();
  await synced(page);
  await openCustomer(page, target.name);
  await page.context().setOffline(true);
  await expect(chip(page)).toHaveAttribute('data-state', 'offline');
  const card = page.getByTestId('customer-detail');
  await card.getByTestId('mark-hot').click();
  await card.locator('input[name="hot_reason"]').fill(reason);
  await card.getByTestId('save-hot').click();
  await expect(card.getByTestId('hot-reason')).toContainText(reason);
  await expect(chip(page)).toHaveAttribute('data-pending', '1');

  // The funnel has never been opened on this device and no worker cached it.
  await page.locator('[data-nav="funnel"]:visible').first().click();
  const notice = page.getByTestId('crash');
  await expect(notice).toBeVisible();
  await expect(notice).toHaveAttribute('data-crash', 'not-downloaded');
  await expect(notice).toContainText('此页面尚未下载到本设备');
  await page.screenshot({ path: info.outputPath('not-downloaded-phone.png') });

  // Back online, the reload brings the app back; the offline change is still queued and syncs.
  await page.context().setOffline(false);
  await notice.getByTestId('crash-reload').click();
  await expect(page.locator('body[data-hydrated="true"]')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('crash')).toHaveCount(0);
  await synced(page);
  const after = await pullAll(await apiAs(baseURL!, 'rep18'));
  expect(after.customers.find((c) => c.id === target.id)?.hot_reason).toBe(reason);
  // And the screen opens now that it can be downloaded.
  await page.locator('[data-nav="funnel"]:visible').first().click();
  await expect(page.locator('section.board-col[data-col="0"]')).toBeVisible();
});
