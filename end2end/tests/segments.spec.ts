import { expect, type Page } from '@playwright/test';
import { apiAs, chip, goOffline, pullAll, signInWithForm, synced, test } from './support';

// Customer segmentation 客户细分 (issue 7, point 2), the manager's journey step 5 on a tablet:
// "B-grade manufacturers in 华东 with no order in 90 days", computed on the device from the
// replica's customers and orders — checked here against the server's own records.

const DAY_MS = 86_400_000;
const BUSINESS_OFFSET_MS = 8 * 3_600_000; // days turn at midnight China time, as in the app

function businessDay(offsetDays = 0): string {
  return new Date(Math.floor((Date.now() + BUSINESS_OFFSET_MS) / DAY_MS) * DAY_MS + offsetDays * DAY_MS).toISOString().slice(0, 10);
}

async function count(page: Page): Promise<number> {
  return Number(await page.getByTestId('segment-count').getAttribute('data-count'));
}

test('a manager builds a segment on a tablet: rules, RFM groups, clusters and won-customer traits, offline too', async ({ page, baseURL }, info) => {
  test.skip(info.project.name !== 'tablet', 'managers plan on a tablet');
  test.setTimeout(120_000);
  await signInWithForm(page, 'manager1');
  await page.locator('[data-nav="customers"]:visible').first().click();
  await synced(page, 60_000);
  await page.locator('[data-nav="segments"]:visible').first().click();
  const rule = page.getByTestId('segment-rule');
  await expect(page.getByTestId('segment-count')).toBeVisible();

  // What the server says manager1 sees, and which of those customers ordered in the last 90 days.
  const { customers, orders } = await pullAll(await apiAs(baseURL!, 'manager1'));
  expect(orders.length, 'orders reach the device with their customers').toBeGreaterThan(0);
  await expect.poll(() => count(page)).toBe(customers.length);
  const [today, cutoff] = [businessDay(), businessDay(-90)];
  const ordered = new Set(orders.filter((o: any) => o.status !== 'cancelled' && o.date > cutoff && o.date <= today).map((o: any) => o.customer_id));
  const expected = customers.filter((c: any) => c.region === 'east' && c.industry === 'manufacturing' && !ordered.has(c.id));
  expect(expected.length, 'the demo data has idle manufacturers in East China').toBeGreaterThan(0);

  await rule.locator('select[name="region"]').selectOption('east');
  await rule.locator('select[name="industry"]').selectOption('manufacturing');
  await rule.locator('input[name="idle_days"]').fill('90');
  await expect.poll(() => count(page)).toBe(expected.length);
  const list = page.getByTestId('segment-list');
  await expect(list.locator('a.list-item')).toHaveCount(Math.min(expected.length, 100));
  const names = new Set(expected.map((c: any) => c.name));
  for (const name of await list.locator('.list-item-title').allTextContents()) expect(names.has(name), name).toBe(true);

  // A second industry widens the segment: either of them admits a customer; its chip takes it off again.
  const either = customers.filter((c: any) => c.region === 'east' && ['manufacturing', 'retail'].includes(c.industry) && !ordered.has(c.id));
  await rule.locator('select[name="industry"]').selectOption('retail');
  await expect(rule.locator('[data-pick="industry"] .chip-picked')).toHaveCount(2);
  await expect.poll(() => count(page)).toBe(either.length);
  await rule.locator('[data-pick="industry"] .chip-picked[data-value="retail"]').click();
  await expect.poll(() => count(page)).toBe(expected.length);

  // Only B grade: fewer or as many, every one of them B.
  await rule.locator('input[name="grade"][value="B"]').check();
  const b = await count(page);
  expect(b).toBeLessThanOrEqual(expected.length);
  await expect(list.locator('.grade-badge')).toHaveCount(Math.min(b, 100));
  for (const g of await list.locator('.grade-badge').allTextContents()) expect(g).toBe('B');
  await rule.locator('input[name="grade"][value="B"]').uncheck();

  // Bad input is explained and the last good segment stays.
  await rule.locator('input[name="min_revenue"]').fill('-5');
  await expect(page.getByTestId('segment-error')).toHaveText('金额不能为负数。');
  expect(await count(page)).toBe(expected.length);
  await rule.locator('input[name="min_revenue"]').fill('');
  await rule.locator('input[name="idle_days"]').fill('九十');
  await expect(page.getByTestId('segment-error')).toHaveText('请输入不小于 0 的整数。');
  await rule.locator('input[name="idle_days"]').fill('90');
  await expect(page.getByTestId('segment-error')).toHaveText('');

  // RFM: the groups add up to the segment; one group narrows it.
  await rule.getByRole('button', { name: '清除条件' }).click();
  await expect.poll(() => count(page)).toBe(customers.length);
  await page.locator('[data-tab="rfm"]').click();
  const groups = page.getByTestId('rfm-groups').locator('tr[data-rfm]');
  await expect(groups).toHaveCount(7);
  const sizes = await groups.evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-count'))));
  expect(sizes.reduce((a, n) => a + n, 0)).toBe(customers.length);
  const champions = page.locator('tr[data-rfm="champions"]');
  const championCount = Number(await champions.getAttribute('data-count'));
  expect(championCount).toBeGreaterThan(0);
  await champions.getByRole('button', { name: '只看此群' }).click();
  await expect.poll(() => count(page)).toBe(championCount);
  await expect(rule.locator('select[name="rfm"]')).toHaveValue('champions');

  // Clusters: k larger than the segment is explained; k = 3 splits the segment in three.
  await page.locator('[data-tab="clusters"]').click();
  const clusters = page.getByTestId('clusters');
  await clusters.locator('input[name="k"]').fill(String(championCount + 1));
  await clusters.getByTestId('run-clusters').click();
  await expect(clusters.getByTestId('cluster-error')).toHaveText('分群数 k 须在 1 到客户数之间。');
  await clusters.locator('input[name="k"]').fill('3');
  await clusters.getByTestId('run-clusters').click();
  const rows = clusters.locator('tr[data-cluster]');
  await expect(rows).toHaveCount(3);
  const clusterSizes = await rows.evaluateAll((r) => r.map((x) => Number(x.getAttribute('data-size'))));
  expect(clusterSizes.reduce((a, n) => a + n, 0)).toBe(championCount);
  await clusters.getByTestId('suggest-k').click();
  await expect(clusters.getByTestId('elbow-pick')).toContainText('建议 k =');

  // Won-customer traits over everyone in view.
  await rule.getByRole('button', { name: '清除条件' }).click();
  await page.locator('[data-tab="traits"]').click();
  await expect(page.getByTestId('traits').locator('tr[data-trait]').first()).toBeVisible();

  // Offline: the segment still answers, from the device alone.
  await goOffline(page);
  await expect(chip(page)).toHaveAttribute('data-state', 'offline');
  await page.locator('[data-tab="list"]').click();
  await rule.locator('select[name="region"]').selectOption('east');
  await rule.locator('select[name="industry"]').selectOption('manufacturing');
  await rule.locator('input[name="idle_days"]').fill('90');
  await expect.poll(() => count(page)).toBe(expected.length);

  // Saved offline, shared with the team: kept on the device, then on the server with its rule.
  const saved = page.getByTestId('saved-segments');
  const name = `华东制造业 90 天未下单 ${Date.now() % 100_000}`;
  await saved.getByTestId('save-segment').click();
  await expect(saved.getByTestId('segment-notice')).toHaveText('必填项未填写。');
  await saved.locator('input[name="segment-name"]').fill(name);
  await saved.locator('input[name="segment-shared"]').check();
  await saved.getByTestId('save-segment').click();
  await expect(saved.getByTestId('segment-notice')).toContainText(`已保存“${name}”`);
  await expect(chip(page)).toHaveAttribute('data-pending', '1');
  await page.context().setOffline(false);
  await synced(page);
  const { segments } = await pullAll(await apiAs(baseURL!, 'director'));
  const stored = segments.find((s: any) => s.name === name);
  expect(stored, 'the director sees the shared segment').toBeTruthy();
  expect([stored.rule, stored.period_days, stored.shared]).toEqual([{ regions: ['east'], industries: ['manufacturing'], idle_days: 90 }, 365, true]);

  // Next visit: choosing it brings its conditions back, and the same customers.
  await page.reload();
  await expect(page.getByTestId('segment-count')).toBeVisible();
  await expect.poll(() => count(page)).toBe(customers.length);
  await saved.locator('select[name="saved"]').selectOption({ label: `${name}（与团队共享）` });
  await expect(rule.locator('[data-pick="region"] .chip-picked')).toHaveText(['华东 ×']);
  await expect(rule.locator('[data-pick="industry"] .chip-picked[data-value="manufacturing"]')).toHaveCount(1);
  await expect(rule.locator('input[name="idle_days"]')).toHaveValue('90');
  await expect.poll(() => count(page)).toBe(expected.length);
  // Deleted by its owner: gone here and, after the sync, on the server.
  await saved.getByTestId('delete-segment').click();
  await expect(saved.locator('select[name="saved"] option', { hasText: name })).toHaveCount(0);
  await synced(page);
  expect((await pullAll(await apiAs(baseURL!, 'director'))).segments.some((s: any) => s.name === name)).toBe(false);
});
