import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchOptions } from './tests/support';

// The release server, started fresh for the run on its own SQLite file with demo data.
const port = Number(process.env.KEDAO_E2E_PORT ?? 3100);
// Workers load this file again; they inherit the environment, so the directory is made once.
// One made here is removed by teardown.ts after the run (.ci/test makes and removes its own).
if (!process.env.KEDAO_E2E_DB_DIR) {
  process.env.KEDAO_E2E_DB_DIR = mkdtempSync(join(tmpdir(), 'kedao-e2e-'));
  process.env.KEDAO_E2E_DB_DIR_MADE_HERE = '1';
}
const dbDir = process.env.KEDAO_E2E_DB_DIR;
// Tests that prepare data with the kedao binary use the server's database.
process.env.KEDAO_E2E_DATABASE_URL = `sqlite://${join(dbDir, 'e2e.db')}`;


export default defineConfig({
  testDir: './tests',
  globalTeardown: './teardown.ts',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  },
  projects: [
    {
      name: 'phone',
      use: {
        viewport: { width: 360, height: 740 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
        userAgent:
          'Mozilla/5.0 (Linux; Android 13; Pixel 6a) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36',
      },
    },
    { name: 'tablet', use: { viewport: { width: 1024, height: 768 }, hasTouch: true } },
    { name: 'tablet-wide', use: { viewport: { width: 1280, height: 800 }, hasTouch: true } },
  ],
  webServer: {
    command: `../target/release/kedao serve --demo --listen 127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/healthz`,
    env: {
      DATABASE_URL: process.env.KEDAO_E2E_DATABASE_URL,
      KEDAO_SITE_ROOT: '../target/site',
      RUST_LOG: 'warn',
    },
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
