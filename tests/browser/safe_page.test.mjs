// Safe decisions and users in headless Chromium (issue 12 sections 3 and 5):
// removing a crisis comment asks first (by key and by mouse); after a
// decision focus is on the next item; two moderators (two browser contexts)
// see each other's claim; a disabled user is logged out and cannot log in.
// Usage: node safe_page.test.mjs AASR_BOT RULES_DIR OUT_DIR
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const [bot, rulesDir, outDir] = process.argv.slice(2);
assert.ok(outDir, 'usage: safe_page.test.mjs AASR_BOT RULES_DIR OUT_DIR');
async function freePort() {
  const srv = createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}
const base = `http://127.0.0.1:${await freePort()}`;
const work = mkdtempSync(join(tmpdir(), 'aasr-safe-'));
const db = join(work, 'aasr.db');
mkdirSync(outDir, { recursive: true });

const comments = [
  { remote_id: 's1', text: 'some days I want to die after what they did to my son', author: { handle: 'mom_of_two' } },
  { remote_id: 's2', text: 'You are an idiot and so is your whole group', author: { handle: 'angry_dad' } },
  { remote_id: 's3', text: 'what a moron, honestly', author: { handle: 'troll2' } },
  { remote_id: 's4', text: 'idiot idiot idiot', author: { handle: 'troll3' } },
];
execFileSync(bot, ['queue', 'ingest', '--db', db, '--rules', rulesDir, '--platform', 'facebook'],
  { input: comments.map((c) => JSON.stringify({ ...c, parent: 'post-1', parent_text: 'Seclusion rooms are not classrooms' })).join('\n') });
for (const [name, role] of [['dana', 'admin'], ['eli', 'moderator']])
  execFileSync(bot, ['users', 'add', name, '--role', role, '--db', db], { input: `password of ${name} 123\n` });

const server = spawn(bot, ['serve', '--db', db, '--rules', rulesDir, '--listen', base], { stdio: ['ignore', 'pipe', 'pipe'] });
let serverLog = '';
server.stdout.on('data', (d) => { serverLog += d; });
server.stderr.on('data', (d) => { serverLog += d; });
for (let i = 0; i < 100; i++) {
  try { if ((await fetch(`${base}/`)).ok) break; } catch (_) { /* not yet */ }
  await new Promise((r) => setTimeout(r, 100));
}

let browser;
let failed = false;
const errors = [];
async function login(context, name) {
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}/`);
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password').fill(`password of ${name} 123`);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#queue-list .queue-entry').first().waitFor();
  return page;
}
const selectedId = (page) => page.locator('.queue-entry[aria-current="true"]').getAttribute('data-id');
try {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const danaCtx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const eliCtx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const dana = await login(danaCtx, 'dana');

  // The crisis item is first and open in dana's pane: r asks, Escape keeps it.
  await dana.locator('.support').waitFor();
  const crisisId = await selectedId(dana);
  await dana.keyboard.press('r');
  await dana.getByRole('dialog', { name: 'Remove a crisis comment?' }).waitFor();
  assert.equal(await dana.evaluate(() => document.activeElement.id), 'confirm-crisis-cancel', 'the safe choice has focus');
  await dana.keyboard.press('Escape');
  await dana.getByText('Not removed.').waitFor();
  assert.ok(await dana.locator(`.queue-entry[data-id="${crisisId}"]`).count(), 'still in the queue');
  console.log('ok - r on a crisis item asks; Escape keeps it');
  // By mouse: the button asks too; "Keep it" keeps it.
  await dana.locator('.actions [data-action="remove"]').click();
  await dana.getByRole('button', { name: 'Keep it (Esc)' }).click();
  await dana.getByText('Not removed.').waitFor();
  console.log('ok - the Remove button on a crisis item asks; Keep it keeps it');

  // Two moderators: eli sees dana's claim on the crisis item.
  const eli = await login(eliCtx, 'eli');
  const claimEntry = eli.locator(`.queue-entry[data-id="${crisisId}"]`);
  await claimEntry.getByText(/claimed by dana until/).waitFor();
  await eli.locator('#claim-note').waitFor();
  assert.match(await eli.locator('#claim-note').textContent(), /dana has this item until \d/);
  assert.ok(await eli.locator('.actions [data-action="approve"]').isDisabled(), 'eli cannot decide what dana holds');
  await eli.screenshot({ path: join(outDir, 'safe-claim-390.png'), fullPage: true });
  console.log('ok - a second moderator sees who holds the item and until when');

  // By key, confirmed with Enter on "Remove anyway": removed, focus on the next item.
  await dana.keyboard.press('r');
  await dana.getByRole('dialog', { name: 'Remove a crisis comment?' }).waitFor();
  await dana.getByRole('button', { name: 'Remove anyway' }).focus();
  await dana.keyboard.press('Enter');
  await dana.getByText(new RegExp(`Removed item ${crisisId}`)).waitFor();
  await dana.waitForFunction((id) => !document.querySelector(`.queue-entry[data-id="${id}"]`), crisisId);
  await dana.waitForFunction(() => document.activeElement && document.activeElement.classList.contains('queue-entry'));
  const focused = await dana.evaluate(() => document.activeElement.dataset.id);
  assert.equal(focused, await selectedId(dana), 'focus is on the selected next item');
  await dana.waitForFunction(() => /Next: /.test(document.getElementById('status').textContent));
  const said = await dana.locator('#status').textContent();
  const paneText = await dana.locator('#comment-text').textContent();
  assert.ok(said.includes(paneText), `the next item's text is announced: ${said}`);
  console.log('ok - confirmed removal by key; focus on the next item, its text announced');

  // Approve by mouse: focus again on the next item, never on <body>.
  const before = await selectedId(dana);
  await dana.locator('.actions [data-action="approve"]').click();
  await dana.waitForFunction((id) => !document.querySelector(`.queue-entry[data-id="${id}"]`), before);
  await dana.waitForFunction(() => document.activeElement && document.activeElement.classList.contains('queue-entry'));
  console.log('ok - after a click decision focus is on the next item');

  // Decided items: actions disabled and looking it; Reopen puts it back.
  await dana.getByLabel('State').selectOption('approved');
  await dana.getByRole('button', { name: 'Apply' }).click();
  await dana.locator(`.queue-entry[data-id="${before}"]`).click();
  const approve = dana.locator('.actions [data-action="approve"]');
  await approve.waitFor();
  assert.ok(await approve.isDisabled());
  const opacity = await approve.evaluate((b) => getComputedStyle(b).opacity);
  assert.ok(Number(opacity) < 0.6, `a disabled action looks disabled (opacity ${opacity})`);
  await dana.screenshot({ path: join(outDir, 'safe-decided-1366.png'), fullPage: true });
  await dana.keyboard.press('o');
  await dana.getByText(`Reopened item ${before}`).waitFor();
  console.log('ok - decided actions look disabled; o reopens');

  // Users: dana disables eli; eli's open page is logged out and cannot log in again.
  await dana.getByRole('link', { name: 'Users' }).click();
  await dana.getByRole('button', { name: 'Disable eli' }).click();
  await dana.locator('tr[data-user="eli"]', { hasText: 'disabled' }).waitFor();
  await dana.screenshot({ path: join(outDir, 'safe-users-1366.png'), fullPage: true });
  const r = await eli.evaluate(async () => (await fetch('/api/queue')).status);
  assert.equal(r, 401, 'the disabled user lost their session');
  const eli2 = await browser.newContext();
  const p2 = await eli2.newPage();
  await p2.goto(`${base}/`);
  await p2.getByLabel('User name').fill('eli');
  await p2.getByLabel('Password').fill('password of eli 123');
  await p2.getByRole('button', { name: 'Log in' }).click();
  await p2.getByText('wrong user name or password').waitFor();
  console.log('ok - a disabled user is logged out and cannot log in');

  // Add a user: the one-time password is shown once and works.
  await dana.getByLabel("New user's name").fill('fran');
  await dana.getByRole('button', { name: 'Add user' }).click();
  const pw = await dana.locator('#one-time-password').textContent();
  assert.ok(pw.length >= 16);
  await p2.getByLabel('User name').fill('fran');
  await p2.getByLabel('Password').fill(pw);
  await p2.getByRole('button', { name: 'Log in' }).click();
  await p2.locator('#queue-list').waitFor();
  console.log('ok - an added user logs in with the one-time password');
  await dana.setViewportSize({ width: 390, height: 844 });
  await dana.screenshot({ path: join(outDir, 'safe-users-390.png'), fullPage: true });
  assert.deepEqual(errors, [], 'no script errors');
  console.log('all safe-page checks passed');
} catch (e) {
  failed = true;
  console.error(`not ok - ${e.stack || e}`);
  console.error(`server log:\n${serverLog}`);
} finally {
  if (browser) await browser.close();
  server.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
