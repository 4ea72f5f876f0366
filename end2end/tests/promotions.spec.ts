import { expect, type APIRequestContext } from '@playwright/test';
import { apiAs, chip, goOffline, openCustomer, pullAll, signInWithForm, synced, test } from './support';

// Promotion planning 促销方案 (issue 7, point 3), the manager's journey step 5 on a tablet: a
// limited-time offer for a saved segment, the intensity slider moved and the forecast following,
// bad plans explained; the baseline checked against the server's orders; costs only for managers.

const DAY_MS = 86_400_000;
const BUSINESS_OFFSET_MS = 8 * 3_600_000;
const day = (offset: number) => new Date(Math.floor((Date.now() + BUSINESS_OFFSET_MS) / DAY_MS) * DAY_MS + offset * DAY_MS).toISOString().slice(0, 10);

async function saveSegment(api: APIRequestContext, id: string, name: string) {
  const res = await api.post('/api/sync/push', {
    data: { client_id: '7d0e1f2a-3b4c-4d5e-8f60-718293a4b5c6', mutations: [{ seq: Date.now(), at_ms: 0, op: { type: 'save_segment', id, name, rule: { industries: ['manufacturing'] }, period_days: 365, shared: false } }] },
  });
  expect((await res.json()).results[0].outcome.status).toBe('applied');
}

test('a manager plans a promotion for a segment on a tablet and the forecast follows the slider', async ({ page, browser, baseURL }, info) => {
  test.skip(info.project.name !== 'tablet', 'managers plan on a tablet');
  test.setTimeout(120_000);
  const manager = await apiAs(baseURL!, 'manager1');
  const id = `5e6f7a8b-${String(Date.now() % 10_000).padStart(4, '0')}-4c0d-8e1f-2a3b4c5d6e7f`;
  const name = `制造业客户 ${Date.now() % 100_000}`;
  await saveSegment(manager, id, name);

  await signInWithForm(page, 'manager1');
  await page.locator('[data-nav="customers"]:visible').first().click();
  await synced(page, 60_000);
  await page.locator('[data-nav="promotions"]:visible').first().click();
  const plan = page.getByTestId('promo-plan');
  const forecast = page.getByTestId('promo-forecast');
  await plan.locator('select[name="segment"]').selectOption({ label: name });
  await plan.locator('select[name="kind"]').selectOption('limited_time');
  const [from, to] = [day(7), day(37)];
  await plan.locator('input[name="from"]').fill(from);
  await plan.locator('input[name="to"]').fill(to);

  // The segment and its baseline, as the server's records have them: manufacturers' orders in the
  // same window last year (cancelled ones left out).
  const { customers, orders } = await pullAll(manager);
  const members = new Set(customers.filter((c: any) => c.industry === 'manufacturing').map((c: any) => c.id));
  const shift = (d: string) => new Date(Date.parse(d) - 365 * DAY_MS).toISOString().slice(0, 10);
  const baseline = orders
    .filter((o: any) => members.has(o.customer_id) && o.status !== 'cancelled' && o.date >= shift(from) && o.date <= shift(to))
    .reduce((sum: number, o: any) => sum + o.total_fen, 0);
  expect(baseline, 'the segment bought something in that window last year').toBeGreaterThan(0);
  await expect(forecast.locator('[data-kpi="customers"]')).toHaveAttribute('data-count', String(members.size));
  await expect(forecast.locator('[data-kpi="revenue"]')).toHaveAttribute('data-baseline-fen', String(baseline));

  // The slider: a deeper discount brings more takers and costs more; the figures follow at once.
  const cost = async () => Number(await forecast.getByTestId('promo-cost').getAttribute('data-fen'));
  const revenue = async () => Number(await forecast.getByTestId('promo-revenue').getAttribute('data-fen'));
  const slider = plan.locator('input[name="intensity"]');
  await slider.fill('500');
  await expect(plan.getByTestId('intensity-value')).toHaveText('5.0%');
  const [cost5, revenue5] = [await cost(), await revenue()];
  await slider.fill('2000');
  await expect(plan.getByTestId('intensity-value')).toHaveText('20.0%');
  await expect.poll(cost).toBeGreaterThan(cost5);
  expect(await revenue()).not.toBe(revenue5);
  await expect(forecast.getByTestId('promo-margin')).not.toHaveText('—');

  // Bad plans are explained, and the forecast comes back once they are mended.
  await plan.locator('input[name="budget"]').fill('0');
  await expect(forecast.getByTestId('promo-error')).toHaveText('预算须大于 0。');
  await plan.locator('input[name="budget"]').fill('50000');
  await plan.locator('input[name="from"]').fill('2020-01-01');
  await plan.locator('input[name="to"]').fill('2020-01-31');
  await expect(forecast.getByTestId('promo-error')).toHaveText('促销时间已经过去，请选择今天或以后的日期。');
  await plan.locator('input[name="to"]').fill('2019-12-01');
  await expect(forecast.getByTestId('promo-error')).toHaveText('结束日期不能早于开始日期。');
  await plan.locator('input[name="from"]').fill(from);
  await plan.locator('input[name="to"]').fill(to);
  await expect(forecast.getByTestId('promo-cost')).toBeVisible();

  // A rep sees the same figures without margin: costs are for managers and above.
  const repContext = await browser.newContext({ baseURL, viewport: { width: 1024, height: 768 }, hasTouch: true, locale: 'zh-CN' });
  const rep = await repContext.newPage();
  await signInWithForm(rep, 'rep2');
  await rep.locator('[data-nav="customers"]:visible').first().click();
  await synced(rep, 60_000);
  await rep.locator('[data-nav="promotions"]:visible').first().click();
  await expect(rep.getByTestId('promo-margin')).toHaveText('—');
  await expect(rep.getByTestId('promo-forecast')).toContainText('仅经理及以上可见');
  await repContext.close();
});

test('a manager saves and submits a plan offline; the director rejects it with a reason, then approves it', async ({ page, browser, baseURL }, info) => {
  test.skip(info.project.name !== 'tablet', 'managers plan on a tablet');
  test.setTimeout(150_000);
  const stamp = Date.now() % 100_000;
  const segmentId = `5e6f7a8b-${String((Date.now() + 1) % 10_000).padStart(4, '0')}-4c0d-8e1f-2a3b4c5d6e70`;
  const segmentName = `年终制造业 ${stamp}`;
  const planName = `年终回馈 ${stamp}`;
  await saveSegment(await apiAs(baseURL!, 'manager1'), segmentId, segmentName);

  await signInWithForm(page, 'manager1');
  await page.locator('[data-nav="customers"]:visible').first().click();
  await synced(page, 60_000);
  await page.locator('[data-nav="promotions"]:visible').first().click();
  const plan = page.getByTestId('promo-plan');
  const plans = page.getByTestId('promo-plans');
  await plan.locator('select[name="segment"]').selectOption({ label: segmentName });
  await plan.locator('select[name="kind"]').selectOption('cash_discount');
  await plan.locator('select[name="channel"]').selectOption('wechat');
  await plan.locator('input[name="from"]').fill(day(10));
  await plan.locator('input[name="to"]').fill(day(40));
  await plan.locator('input[name="budget"]').fill('80000');
  await plan.locator('input[name="intensity"]').fill('1500');
  const expectedCost = Number(await page.getByTestId('promo-cost').getAttribute('data-fen'));

  // Offline: a nameless plan is refused; named, it is saved and submitted on the device at once.
  await goOffline(page);
  await expect(chip(page)).toHaveAttribute('data-state', 'offline');
  await plans.getByTestId('save-plan').click();
  await expect(plans.getByTestId('plan-notice')).toHaveText('必填项未填写。');
  await plans.locator('input[name="plan-name"]').fill(planName);
  await plans.getByTestId('save-plan').click();
  const row = plans.locator('li.plan-row', { hasText: planName });
  await expect(row).toHaveAttribute('data-status', 'draft');
  await plans.getByTestId('submit-plan').click();
  await expect(row).toHaveAttribute('data-status', 'submitted');
  await expect(row.getByTestId('plan-status')).toHaveText('待审批');
  await expect(row).toContainText(segmentName);
  await expect(row).toContainText('微信');
  await expect(chip(page)).toHaveAttribute('data-pending', '3');
  await page.screenshot({ path: info.outputPath('plan-submitted-tablet.png'), fullPage: true });

  // Back online it reaches the server as it was planned.
  await page.context().setOffline(false);
  await synced(page);
  const director = await apiAs(baseURL!, 'director');
  const stored = (await pullAll(director)).promotions.find((p: any) => p.draft.name === planName);
  expect(stored).toBeTruthy();
  expect([stored.status, stored.owner_name, stored.draft.segment_id, stored.draft.kind, stored.draft.channel, stored.draft.intensity_bp, stored.draft.budget_fen])
    .toEqual(['submitted', '李明', segmentId, 'cash_discount', 'wechat', 1500, 8_000_000]);
  expect(stored.draft.expected.promotion_cost_fen).toBe(expectedCost);

  // The director, on their tablet: a rejection needs a reason.
  const dirContext = await browser.newContext({ baseURL, viewport: { width: 1024, height: 768 }, hasTouch: true, locale: 'zh-CN' });
  const dir = await dirContext.newPage();
  await signInWithForm(dir, 'director');
  await dir.locator('[data-nav="customers"]:visible').first().click();
  await synced(dir, 60_000);
  await dir.locator('[data-nav="promotions"]:visible').first().click();
  const waiting = dir.getByTestId('promo-plans').locator('li.plan-row', { hasText: planName });
  await expect(waiting).toHaveAttribute('data-status', 'submitted');
  await waiting.getByTestId('reject-plan').click();
  await expect(dir.getByTestId('plan-notice')).toHaveText('驳回须填写原因，方案制定人会看到。');
  await waiting.locator('input[name="decision-note"]').fill('力度太大，请降到 10%');
  await waiting.getByTestId('reject-plan').click();
  await expect(waiting).toHaveAttribute('data-status', 'rejected');
  await synced(dir);

  // The manager sees who rejected it and why, mends it and submits again; the director approves.
  await expect(row).toHaveAttribute('data-status', 'rejected', { timeout: 30_000 });
  await expect(row.getByTestId('plan-decision')).toContainText('赵建国');
  await expect(row.getByTestId('plan-decision')).toContainText('力度太大，请降到 10%');
  await row.getByTestId('open-plan').click();
  await expect(plans.locator('input[name="plan-name"]')).toHaveValue(planName);
  await expect(plan.locator('select[name="channel"]')).toHaveValue('wechat');
  await plan.locator('input[name="intensity"]').fill('1000');
  await expect(plan.getByTestId('intensity-value')).toHaveText('10.0%');
  await plans.getByTestId('submit-plan').click();
  await expect(row).toHaveAttribute('data-status', 'submitted');
  await synced(page);
  await expect(waiting).toHaveAttribute('data-status', 'submitted', { timeout: 30_000 });
  await waiting.getByTestId('approve-plan').click();
  await expect(waiting).toHaveAttribute('data-status', 'approved');
  await synced(dir);
  await expect(row).toHaveAttribute('data-status', 'approved', { timeout: 30_000 });
  await expect(row.getByTestId('delete-plan')).toHaveCount(0);
  const approved = (await pullAll(director)).promotions.filter((p: any) => p.draft.name === planName);
  expect(approved.map((p: any) => [p.status, p.draft.intensity_bp, p.decided_by])).toEqual([['approved', 1000, '赵建国']]);
  await page.screenshot({ path: info.outputPath('plan-approved-tablet.png'), fullPage: true });
  await dirContext.close();
});

test('a rep attributes an order to a running campaign; the manager sees its effect against last year', async ({ page, browser, baseURL }, info) => {
  test.skip(info.project.name !== 'tablet', 'the manager evaluates on a tablet');
  test.setTimeout(150_000);
  // An advertising campaign running these sixty days for every customer of manager3's, approved by the director.
  const stamp = Date.now() % 100_000;
  const planId = `8c9d0e1f-${String(stamp % 10_000).padStart(4, '0')}-4a2b-8c3d-4e5f6a7b8c9d`;
  const planName = `北方回馈季 ${stamp}`;
  const [from, to] = [day(-60), day(5)];
  const draft = { name: planName, channel: 'advertising', kind: 'cash_discount', intensity_bp: 500, from, to, budget_fen: 10_000_000,
    model: { base_uptake_bp: [3000, 2000, 1200, 500], uptake_per_point_bp: 150, lift_bp: 2500 } };
  const push = async (api: APIRequestContext, ops: any[]) => {
    const res = await api.post('/api/sync/push', { data: { client_id: '7d0e1f2a-3b4c-4d5e-8f60-718293a4b5c7', mutations: ops.map((op, i) => ({ seq: Date.now() * 10 + i, at_ms: 0, op })) } });
    const body = await res.json();
    expect(body.results.map((r: any) => r.outcome.status)).toEqual(ops.map(() => 'applied'));
  };
  await push(await apiAs(baseURL!, 'manager3'), [{ type: 'save_promotion', id: planId, draft }, { type: 'submit_promotion', id: planId }]);
  await push(await apiAs(baseURL!, 'director'), [{ type: 'decide_promotion', id: planId, approve: true, note: '' }]);

  // rep19, at a customer's 360 view: an order of these days came from the campaign.
  const repApi = await apiAs(baseURL!, 'rep19');
  const mine = await pullAll(repApi);
  const order = mine.orders.find((o: any) => o.status !== 'cancelled' && o.date >= from && o.date <= day(0) && o.paid_fen > 0);
  expect(order, 'rep19 has an order in the window, partly paid').toBeTruthy();
  const customer = mine.customers.find((c: any) => c.id === order.customer_id);
  await signInWithForm(page, 'rep19');
  await page.locator('[data-nav="customers"]:visible').first().click();
  await synced(page, 60_000);
  await openCustomer(page, customer.name);
  // 回款 on the 360 view: received, outstanding and overdue as the server's payments have them.
  const counted = mine.orders.filter((o: any) => o.customer_id === customer.id && o.status !== 'cancelled');
  const owed = (o: any) => Math.max(o.total_fen - (o.paid_fen ?? 0), 0);
  const add = (list: any[], f: (o: any) => number) => list.reduce((s, o) => s + f(o), 0);
  const late = counted.filter((o: any) => owed(o) > 0 && o.next_due && o.next_due < day(0));
  const summary = page.getByTestId('payments-summary');
  await expect(summary).toHaveAttribute('data-paid-fen', String(add(counted, (o) => o.paid_fen ?? 0)));
  await expect(summary).toHaveAttribute('data-outstanding-fen', String(add(counted, owed)));
  await expect(summary).toHaveAttribute('data-overdue-fen', String(add(late, owed)));
  await expect(page.locator('li.receivable')).toHaveCount(counted.filter((o: any) => owed(o) > 0).length);
  await expect(page.locator('li.receivable.overdue')).toHaveCount(late.length);
  const row = page.locator(`[data-section="orders"] li.order-row[data-order="${order.id}"]`);
  await expect(row).toContainText(order.order_no);
  await row.locator('select[name="campaign"]').selectOption(planId);
  await expect(row).toHaveAttribute('data-campaign', planId);
  await synced(page);
  expect((await pullAll(repApi)).orders.find((o: any) => o.id === order.id).campaign_id).toBe(planId);

  // manager3 on a tablet: the effect so far, each figure as the server's orders have it.
  const mgrContext = await browser.newContext({ baseURL, viewport: { width: 1024, height: 768 }, hasTouch: true, locale: 'zh-CN' });
  const mgr = await mgrContext.newPage();
  await signInWithForm(mgr, 'manager3');
  await mgr.locator('[data-nav="customers"]:visible').first().click();
  await synced(mgr, 60_000);
  await mgr.locator('[data-nav="promotions"]:visible').first().click();
  const plan = mgr.getByTestId('promo-plans').locator('li.plan-row', { hasText: planName });
  await expect(plan).toHaveAttribute('data-status', 'approved');
  await expect(plan).toContainText('广告投放');
  await plan.getByTestId('show-effect').click();
  const effect = plan.getByTestId('plan-effect');
  const { orders } = await pullAll(await apiAs(baseURL!, 'manager3'));
  const shift = (d: string) => new Date(Date.parse(d) - 365 * DAY_MS).toISOString().slice(0, 10);
  const sum = (a: string, b: string) => orders.filter((o: any) => o.status !== 'cancelled' && o.date >= a && o.date <= b).reduce((s: number, o: any) => s + o.total_fen, 0);
  await expect(effect).toHaveAttribute('data-revenue-fen', String(sum(from, day(0))));
  await expect(effect).toHaveAttribute('data-baseline-fen', String(sum(shift(from), shift(day(0)))));
  await expect(effect).toHaveAttribute('data-attributed-orders', '1');
  await expect(effect).toHaveAttribute('data-attributed-fen', String(order.total_fen));
  // 5 % off: the discount given is what was paid × 5/95.
  const cost = order.total_fen * 0.05 / 0.95;
  await expect(effect).toHaveAttribute('data-cost-fen', String(Math.round(cost)));
  // ROI: what was received on the attributed order over what the offer cost.
  await expect(effect).toHaveAttribute('data-attributed-paid-fen', String(order.paid_fen));
  await expect(effect).toContainText(`投资回报率 ${(order.paid_fen / cost).toFixed(2)}`);
  await expect(effect).toContainText('去年同期');
  await mgr.screenshot({ path: info.outputPath('plan-effect-tablet.png'), fullPage: true });
  await mgrContext.close();
});
