import { expect } from '@playwright/test';
import { apiAs, signInWithForm, test } from './support';

// The sales processes an admin configures (销售流程, issue 6 point 1): a new pipeline made from the
// first one's stages, a bad probability explained, a stage that holds deals kept, the new pipeline
// removed again. Each run names its pipeline after itself (the shared server keeps what it saves).

test('the admin adds a sales process, is stopped from removing a stage with deals, and deletes the new one', async ({ page, baseURL }, info) => {
  test.skip(info.project.name !== 'tablet', 'administration is done on a tablet');
  test.setTimeout(90_000);
  const suffix = String(Date.now()).slice(-6);
  const code = `channel_${suffix}`;
  await signInWithForm(page, 'admin');
  await page.goto('/admin');
  await page.locator('[data-tab="pipelines"]').click();
  const list = page.getByTestId('pipeline-list');
  await expect(list.locator('li[data-code="project"]')).toBeVisible();
  const editor = page.getByTestId('pipeline-editor');
  await expect(editor.locator('.stage-draft')).toHaveCount(4);

  // A new process starts from the first one's four stages; two are kept.
  await page.getByTestId('new-pipeline').click();
  await editor.locator('input[name="pipeline-code"]').fill(code);
  await editor.locator('input[name="pipeline-name-zh"]').fill(`渠道销售${suffix}`);
  await editor.locator('input[name="pipeline-name-en"]').fill(`Channel sales ${suffix}`);
  await expect(editor.locator('.stage-draft')).toHaveCount(4);
  await editor.locator('.stage-draft').nth(3).getByTestId('remove-stage').click();
  await editor.locator('.stage-draft').nth(2).getByTestId('remove-stage').click();
  await expect(editor.locator('.stage-draft')).toHaveCount(2);
  const first = editor.locator('.stage-draft').nth(0);
  await first.locator('input[name="stage-name-zh"]').fill('渠道开拓');
  await first.locator('input[name="stage-name-en"]').fill('Channel development');
  await first.getByTestId('add-criterion').first().click();
  await first.locator('[data-kind="exit"] input[name="criterion-zh"]').last().fill('已签渠道协议');
  await first.locator('[data-kind="exit"] input[name="criterion-en"]').last().fill('Channel agreement signed');
  await first.locator('input[name="stage-enforce"]').check();
  // Bad input first: a probability over 100 % is explained and nothing is saved.
  await first.locator('input[name="stage-probability"]').fill('120');
  await editor.getByTestId('save-pipeline').click();
  await expect(editor.getByTestId('notice')).toHaveText('赢单概率须在 0–100% 之间。');
  await expect(list.locator(`li[data-code="${code}"]`)).toHaveCount(0);
  await first.locator('input[name="stage-probability"]').fill('12.5');
  await page.screenshot({ path: info.outputPath('pipeline-editor-tablet.png'), fullPage: true });
  await editor.getByTestId('save-pipeline').click();
  await expect(editor.getByTestId('notice')).toHaveText('已保存。');
  await expect(list.locator(`li[data-code="${code}"]`)).toContainText(`渠道销售${suffix}`);

  const admin = await apiAs(baseURL!, 'admin');
  const saved = (await (await admin.get('/api/catalog')).json()).pipelines.find((p: any) => p.code === code);
  expect(saved.stages.map((s: any) => s.name_zh)).toEqual(['渠道开拓', '需求分析']);
  expect(saved.stages[0].probability_bp).toBe(1250);
  expect(saved.stages[0].enforce).toBe(true);
  expect(saved.stages[0].exit_criteria.map((c: any) => c.text_zh)).toEqual(['已确认联系人及其角色', '已签渠道协议']);

  // The project process's needs-analysis stage holds deals: removing it is refused, nothing changes.
  await list.locator('li[data-code="project"] .option-names').click();
  await expect(editor.locator('.stage-draft')).toHaveCount(4);
  await editor.locator('.stage-draft[data-stage="needs_analysis"]').getByTestId('remove-stage').click();
  await expect(editor.locator('.stage-draft')).toHaveCount(3);
  await editor.getByTestId('save-pipeline').click();
  await expect(editor.getByTestId('notice')).toHaveText('该阶段仍有商机，不能删除；请先把商机移到其他阶段。');
  const project = (await (await admin.get('/api/catalog')).json()).pipelines.find((p: any) => p.code === 'project');
  expect(project.stages).toHaveLength(4);

  // The new one is removed again.
  await list.locator(`li[data-code="${code}"] .option-names`).click();
  await editor.getByTestId('delete-pipeline').click();
  await expect(list.locator(`li[data-code="${code}"]`)).toHaveCount(0);
});
