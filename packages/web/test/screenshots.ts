/**
 * Takes the dashboard screenshots shown in the README (docs/screenshots/*.png) from a seeded
 * fleet on a manual clock, so they come out the same every time.
 *   npm run screenshots -w @aetherboard/web          write the screenshots
 *   npm run demo -w @aetherboard/web                 keep the seeded server running to explore
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startTestServer } from '../../server/src/test-support/harness.js';
import { launchBrowser } from './support/browser.js';
import { ensureBuilt } from './support/build.js';
import { client } from './support/client.js';
import { seedFleet } from './support/seed.js';

const OUT = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const serve = process.argv.includes('--serve');

await ensureBuilt();
const s = await startTestServer('sqlite');
const call = client(s.url, s.rootKey);
await seedFleet(call);
const operator = await call('POST', '/api/keys', { role: 'operator', label: 'screenshots', member_id: 'ben' });

if (serve) {
  process.stdout.write(`AetherBoard demo on ${s.url}\n  operator key: ${operator.key}\n  root key:     ${s.rootKey}\nCtrl-C to stop.\n`);
  process.on('SIGINT', () => void s.close().then(() => process.exit(0)));
} else {
  mkdirSync(OUT, { recursive: true });
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const shot = async (name: string, fullPage = false) => {
    // Charts size themselves after layout; give them a frame to settle.
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${OUT}${name}.png`, fullPage });
    process.stdout.write(`docs/screenshots/${name}.png\n`);
  };
  try {
    await page.goto(s.url);
    await page.getByTestId('sign-in').waitFor();
    await page.fill('input[name=key]', operator.key);
    await shot('sign-in');
    await page.click('button[type=submit]');
    await page.getByTestId('executive').waitFor();
    await page.getByTestId('live-status').and(page.locator('[data-status=live]')).waitFor();
    for (const w of ['agents-by-state', 'throughput', 'workload', 'blockers']) await page.locator(`[data-testid=${w}] .recharts-surface`).waitFor();
    await page.getByTestId('needs-attention').waitFor();
    await shot('executive', true);

    await page.goto(`${s.url}/#/pods/pod-build`);
    await page.locator('[data-testid=pods][data-pod-id=pod-build]').waitFor();
    await page.locator('[data-testid=hotspots] .recharts-surface').waitFor();
    await shot('pods', true);

    await page.goto(`${s.url}/#/agents`);
    await page.getByTestId('agent-row').first().waitFor();
    await shot('agents');

    await page.goto(`${s.url}/#/agents/build-bot-2`);
    await page.getByTestId('agent-detail').waitFor();
    await page.getByTestId('timeline-heartbeat').first().waitFor();
    await page.locator('[data-testid=performance] .recharts-surface').nth(2).waitFor();
    await shot('agent-detail', true);
    await page.getByTestId('action-fire').click();
    await page.locator('input[name=fire-reason][value=derailed]').check();
    await page.getByTestId('fire-context').fill('Kept retrying the migration against the production replica');
    await shot('fire-dialog');
    await page.keyboard.press('Escape');

    await page.goto(`${s.url}/#/alerts`);
    await page.getByTestId('alert-row').first().waitFor();
    await shot('alerts');
  } finally {
    await browser.close();
    await s.close();
  }
}
