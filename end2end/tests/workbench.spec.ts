// The workbench 工作台: what needs a rep (or a manager's people) today, from the device's replica —
// follow-ups due, payments due within 30 days, stalled deals — checked against what the server says
// the user may see, worked out here independently of the app's Rust code.
import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { apiAs, pullAll, signInWithForm, synced, test } from './support';

const DAY = 86_400_000;
// Business days turn at midnight China Standard Time (domain::funnel::day_of_ms).
const dayOf = (ms: number) => Math.floor((ms + 8 * 3_600_000) / DAY);
const parseDay = (s: string) => Math.floor(Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10)) / DAY);
const closed = (stage: string) => stage === 'contract_signed' || stage === 'lost';

/** The agenda as the product defines it, from a pull: each list sorted as the workbench shows it. */
async function expectedAgenda(api: APIRequestContext) {
  const me = await (await api.get('/api/me')).json();
  const { customers, opportunities, orders, catalog } = await pullAll(api);
  const today = dayOf(Date.now());
  const team = me.role !== 'rep';
  const mine = (owner: string | undefined) => team || owner === me.user_id;
  const open = opportunities.filter((d) => mine(d.owner_id) && !closed(d.stage));
  const byId = (a: any, b: any) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

  const followUps = open
    .map((d) => {
      const planned = d.next_step_date ? parseDay(d.next_step_date) : null;
      const cadence = d.cadence_days != null ? dayOf(d.touched_at) + d.cadence_days : null;
      const due = planned == null ? cadence : cadence == null ? planned : Math.min(planned, cadence);
      return { id: d.id, due };
    })
    .filter((f): f is { id: string; due: number } => f.due != null && f.due <= today)
    .sort((a, b) => a.due - b.due || byId(a, b));

  const stalled = open
    .map((d) => {
      const stage = catalog.pipelines.find((p: any) => p.code === d.pipeline)?.stages.find((s: any) => s.code === d.stage);
      const idle = today - dayOf(Math.max(d.touched_at, d.stage_entered_at));
      return { id: d.id, idle, stalled: !!stage && idle > stage.stall_days };
    })
    .filter((s) => s.stalled)
    .sort((a, b) => b.idle - a.idle || byId(a, b));

  const ownerOf = new Map(customers.map((c) => [c.id, c.owner_id]));
  const collections = orders
    .filter((o) => mine(ownerOf.get(o.customer_id)) && o.status !== 'cancelled' && o.next_due)
    .map((o) => ({ id: o.id, no: o.order_no, owed: Math.max(0, o.total_fen - (o.paid_fen ?? 0)), due: parseDay(o.next_due) }))
    .filter((o) => o.owed > 0 && o.due <= today + 30)
    .sort((a, b) => a.due - b.due || (a.no < b.no ? -1 : a.no > b.no ? 1 : 0));

  return { followUps, stalled, collections, owed: collections.reduce((s, o) => s + o.owed, 0) };
}

/** The workbench's three sections agree with the server (retried while the device catches up);
 * each shows its first `shown` lines. */
async function expectAgendaOf(page: Page, api: APIRequestContext, shown = 5) {
  const lines = (id: string, attr: string) => page.getByTestId(id).locator('li a').evaluateAll((as, attr) => as.map((a) => a.getAttribute(attr)), attr);
  let want = await expectedAgenda(api);
  await expect(async () => {
    want = await expectedAgenda(api);
    expect(await page.getByTestId('agenda-follow-ups').getAttribute('data-total')).toBe(String(want.followUps.length));
    expect(await lines('agenda-follow-ups', 'data-deal')).toEqual(want.followUps.slice(0, shown).map((f) => f.id));
    expect(await page.getByTestId('agenda-stalled').getAttribute('data-total')).toBe(String(want.stalled.length));
    expect(await lines('agenda-stalled', 'data-deal')).toEqual(want.stalled.slice(0, shown).map((s) => s.id));
    expect(await page.getByTestId('agenda-collections').getAttribute('data-total')).toBe(String(want.collections.length));
    expect(await page.getByTestId('agenda-collections').getAttribute('data-owed-fen')).toBe(String(want.owed));
    expect(await lines('agenda-collections', 'data-order')).toEqual(want.collections.slice(0, shown).map((o) => o.id));
  }).toPass({ timeout: 20_000 });
  return want;
}

test('phone: a rep’s workbench lists follow-ups due, payments due within 30 days and stalled deals, and each opens where it is handled', async ({ page, baseURL }, info) => {
  test.skip(info.project.name !== 'phone', 'the rep’s journey is on a phone');
  const rep = await apiAs(baseURL!, 'rep24');
  await signInWithForm(page, 'rep24');
  await synced(page);
  const want = await expectAgendaOf(page, rep);
  // The demo gives this rep some of each; an empty section would test nothing.
  expect(want.followUps.length).toBeGreaterThan(0);
  expect(want.stalled.length).toBeGreaterThan(0);
  expect(want.collections.length).toBeGreaterThan(0);

  const follow = page.getByTestId('agenda-follow-ups');
  await expect(follow.getByRole('heading')).toContainText('待跟进');
  // The most overdue first, with how late it is.
  await expect(follow.locator('li').first().locator('.badge')).toHaveText(/^(逾期 \d+ 天|今天)$/);
  // Five at first; a tap lists them all (up to 100), another folds them again.
  expect(want.followUps.length).toBeGreaterThan(5);
  await follow.getByRole('button', { name: `显示全部 ${Math.min(want.followUps.length, 100)} 项` }).click();
  await expect(follow.locator('li a')).toHaveCount(Math.min(want.followUps.length, 100));
  expect(await follow.locator('li a').evaluateAll((as) => as.map((a) => a.getAttribute('data-deal')))).toEqual(want.followUps.slice(0, 100).map((f) => f.id));
  await follow.getByRole('button', { name: '收起' }).click();
  await expect(follow.locator('li a')).toHaveCount(5);
  const collections = page.getByTestId('agenda-collections');
  await expect(collections.getByRole('heading')).toContainText('30 天内到期回款');
  await expect(collections.locator('.agenda-sum')).toHaveText(new RegExp(`^${want.collections.length} 笔 · 共 ¥`));

  // A stalled deal opens on the funnel board, in its panel.
  const stalled = page.getByTestId('agenda-stalled').locator('li a').first();
  const title = await stalled.locator('.list-item-title').innerText();
  await stalled.click();
  await expect(page).toHaveURL(new RegExp(`/funnel\\?.*deal=${want.stalled[0].id}`));
  await expect(page.getByTestId('deal-title')).toHaveText(title);

  // A payment due opens its customer's 360 view, where the order is among those owed.
  await page.goBack();
  await expect(page.getByTestId('agenda-collections')).toBeVisible();
  await page.getByTestId('agenda-collections').locator('li a').first().click();
  await expect(page).toHaveURL(/\/customers\?c=/);
  await expect(page.locator(`[data-section="payments"] li.receivable[data-order="${want.collections[0].id}"]`)).toBeVisible();
});

test('tablet: a manager’s workbench covers the team, names whose each line is, and reads in English', async ({ page, baseURL }, info) => {
  test.skip(info.project.name !== 'tablet', 'one run is enough');
  const manager = await apiAs(baseURL!, 'manager2');
  await signInWithForm(page, 'manager2');
  await synced(page);
  const want = await expectAgendaOf(page, manager);
  // More than a section lists: the rest are counted, and the full stalled list is one tap away.
  expect(want.stalled.length).toBeGreaterThan(100);
  await expect(page.getByTestId('agenda-stalled').locator('.agenda-more')).toHaveText(`另有 ${want.stalled.length - 100} 项未列出`);
  // Each line names its rep (the catalogue's people).
  const { catalog } = await pullAll(manager);
  const names = catalog.people.map((p: any) => p.name);
  const sub = await page.getByTestId('agenda-stalled').locator('li .list-item-sub').first().innerText();
  expect(names.some((n: string) => sub.endsWith(` · ${n}`)), `${sub} ends with a rep's name`).toBe(true);

  await page.locator('.topbar [data-locale="en"]').click();
  await expect(page.getByTestId('agenda-follow-ups').getByRole('heading')).toContainText('Follow-ups due');
  await expect(page.getByTestId('agenda-collections').getByRole('heading')).toContainText('Payments due within 30 days');
  await expect(page.getByTestId('agenda-stalled').locator('.agenda-more')).toHaveText(`${want.stalled.length - 100} more not listed`);
  await expect(page.getByTestId('agenda-stalled').getByRole('button', { name: 'Show all 100' })).toBeVisible();
  await page.getByTestId('agenda-stalled').getByRole('link', { name: 'See all stalled deals' }).click();
  await expect(page).toHaveURL(/\/funnel\?view=stalled/);
  await expect(page.getByTestId('stalled')).toBeVisible();
  await page.locator('.topbar [data-locale="zh-CN"]').click();
});
