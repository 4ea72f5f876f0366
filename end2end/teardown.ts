import { rmSync } from 'node:fs';

// Removes the server's database directory made by playwright.config.ts for this run, so runs on a
// reused machine do not pile up databases in /tmp.
export default function teardown() {
  const dir = process.env.KEDAO_E2E_DB_DIR;
  if (dir && process.env.KEDAO_E2E_DB_DIR_MADE_HERE === '1') rmSync(dir, { recursive: true, force: true });
}
