// The review page in headless Chromium (Debian's), driven by playwright-core:
// log in, work the queue with the keyboard, see highlighted spans, approve,
// remove and undo, and prove hostile comment text renders as inert text;
// the rejected-edit banner and the Status view (from `serve --status-file`);
// the Outreach view with a failed post retried.
// Usage: node review_page.test.mjs AASR_BOT RULES_DIR OUT_DIR PORT|auto SEED_OUTBOX
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const [bot, rulesDir, outDir, portArg, seedOutbox] = process.argv.slice(2);
assert.ok(seedOutbox, 'usage: review_page.test.mjs AASR_BOT RULES_DIR OUT_DIR PORT|auto SEED_OUTBOX');
// "auto": a port the kernel says is free right now.
async function freePort() {
  const srv = createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}
const port = portArg && portArg !== 'auto' ? portArg : await freePort();
const base = `http://127.0.0.1:${port}`;
const work = mkdtempSync(join(tmpdir(), 'aasr-browser-'));
const db = join(work, 'aasr.db');
mkdirSync(outDir, { recursive: true });

// Fixtures in the community's voice, plus two hostile ones.
const comments = [
  { remote_id: 'c1', text: 'You are an idiot and so is your whole group', author: { handle: 'angry_dad' } },
  { remote_id: 'c2', text: 'some days I want to die after what they did to my son in that room', author: { handle: 'mom_of_two' } },
  { remote_id: 'c3', text: 'what a moron <img src=x onerror=alert(1)>', author: { handle: 'hostile1' } },
  { remote_id: 'c4', text: 'idiot <script>window.__pwned = 1; alert(2)</script>', author: { handle: 'hostile2' } },
  { remote_id: 'c5', text: 'Thank you for the seclusion report, sharing with our PTA', author: { handle: 'teacher' } },
  { remote_id: 'c6', text: 'Crypto giveaway today only', author: { handle: 'spam_bot' } },
];
execFileSync(bot, ['queue', 'ingest', '--db', db, '--rules', rulesDir, '--platform', 'facebook'],
  { input: comments.map((c) => JSON.stringify({ ...c, parent: 'post-1', parent_text: 'Seclusion rooms are not classrooms' })).join('\n') });
execFileSync(bot, ['users', 'add', 'dana', '--role', 'admin', '--db', db], { input: 'correct horse battery\n' });
// The outbox in the same file, as the daemon keeps it.
const outbox = JSON.parse(execFileSync(seedOutbox, [db]).toString());

// What the daemon would report after an invalid edit to rules/ (the status
// file stands in for the daemon; it is re-read on every request).
const statusFile = join(work, 'status.json');
function writeStatus(errors) {
  const now = Date.now();
  const s = {
    mode: 'daemon', version: '0.1.0', started_at_ms: now - 3 * 3600 * 1000,
    accounts: [
      { name: 'aasr-masto', platform: 'mastodon', state: 'ok', last_poll_ms: now - 60000, next_poll_ms: now + 60000, last_error: '' },
      { name: 'aasr-bsky', platform: 'bluesky', state: 'backoff', last_poll_ms: now - 120000, next_poll_ms: now + 480000,
        last_error: 'HTTP 429: RateLimitExceeded <script>window.__pwned = 2</script>' },
    ],
    reload: { last_ok_ms: now - 7200000, rejected: errors.length ? 'rules/' : undefined, errors,
      files: { rules: 'rules', posts: 'posts', config: 'config/aasr.yaml' } },
    rules: { count: 12, dir: 'rules' },
  };
  writeFileSync(`${statusFile}.tmp`, JSON.stringify(s));
  renameSync(`${statusFile}.tmp`, statusFile);
}
writeStatus([{ file: 'rules/harassment.yaml', line: 12, column: 7, subject: 'rule harassment.insult',
  message: "unknown key 'patern' (did you mean 'pattern'?)" }]);

const server = spawn(bot, ['serve', '--db', db, '--rules', rulesDir, '--listen', base,
  '--outreach-db', db, '--status-file', statusFile], { stdio: ['ignore', 'pipe', 'pipe'] });
let serverLog = '';
server.stdout.on('data', (d) => { serverLog += d; });
server.stderr.on('data', (d) => { serverLog += d; });

async function waitForServer() {
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${base}/`)).ok) return; } catch (_) { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not start:\n${serverLog}`);
}

let browser;
let failed = false;
const pageErrors = [];
try {
  await waitForServer();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const dialogs = [];
  const errors = pageErrors;
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  // Log in through the form, by its labels.
  await page.goto(`${base}/`);
  await page.getByLabel('User name').fill('dana');
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByText('wrong user name or password').waitFor();
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#queue-list .queue-entry').first().waitFor();
  console.log('ok - logged in, queue shown');

  // Crisis first, with the support wording.
  const first = page.locator('#queue-list .queue-entry').first();
  assert.match(await first.textContent(), /Crisis/);
  assert.match(await first.textContent(), /want to die/);
  await page.locator('.support').waitFor();
  assert.match(await page.locator('.support').textContent(), /988/);
  console.log('ok - crisis item on top with support wording');

  // The rejected edit is announced on every view, with file:line:column.
  const banner = page.locator('#reload-banner');
  await banner.waitFor();
  const bannerText = await banner.textContent();
  assert.match(bannerText, /Your last edit to rules\/ was rejected/);
  assert.match(bannerText, /rules\/harassment\.yaml:12:7: unknown key 'patern'/);
  assert.match(bannerText, /previous version is still in force/);
  console.log('ok - rejected-edit banner on the queue view');

  await page.screenshot({ path: join(outDir, 'review-queue.png'), fullPage: true });
  console.log(`ok - screenshot ${join(outDir, 'review-queue.png')}`);

  // Keyboard: j moves down, k moves up; the pane follows.
  const count = await page.locator('#queue-list .queue-entry').count();
  assert.equal(count, 5, 'five flagged comments are queued (the thank-you is not)');
  const current = () => page.locator('.queue-entry[aria-current="true"]').getAttribute('data-id');
  const id0 = await current();
  await page.keyboard.press('j');
  await page.waitForFunction((id) => document.querySelector('.queue-entry[aria-current="true"]').dataset.id !== id, id0);
  const id1 = await current();
  await page.keyboard.press('k');
  await page.waitForFunction((id) => document.querySelector('.queue-entry[aria-current="true"]').dataset.id === id, id0);
  console.log('ok - j/k move the selection');

  // Go to the insult and check the highlighted span.
  async function selectByText(re) {
    for (let i = 0; i < count + 1; i++) {
      const t = await page.locator('#comment-text').textContent().catch(() => '');
      if (re.test(t)) return;
      const before = await current();
      await page.keyboard.press('j');
      await page.waitForFunction((id) => document.querySelector('.queue-entry[aria-current="true"]')?.dataset.id !== id, before).catch(() => {});
      await page.waitForTimeout(50);
    }
    throw new Error(`no item matching ${re}`);
  }
  await page.keyboard.press('k');
  await selectByText(/whole group/);
  const marks = await page.locator('#comment-text mark').allTextContents();
  assert.ok(marks.some((m) => /idiot/.test(m)), `a span around "idiot" is highlighted: ${JSON.stringify(marks)}`);
  console.log(`ok - highlighted span ${JSON.stringify(marks)}`);

  // Hostile text: shown literally, never as markup; no script ran.
  await selectByText(/onerror/);
  assert.equal(await page.locator('#comment-text img').count(), 0);
  assert.match(await page.locator('#comment-text').textContent(), /<img src=x onerror=alert\(1\)>/);
  await selectByText(/__pwned/);
  assert.equal(await page.locator('#comment-text script').count(), 0);
  assert.match(await page.locator('#comment-text').textContent(), /<script>window.__pwned = 1; alert\(2\)<\/script>/);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('#queue-list img, #queue-list script').count(), 0);
  console.log('ok - <img onerror> and <script> render as inert text');

  // Approve with `a`, then undo with `u`, then remove with `r`.
  const target = await current();
  await page.keyboard.press('a');
  await page.getByText(`Approved item ${target}`).waitFor();
  await page.waitForFunction((id) => !document.querySelector(`.queue-entry[data-id="${id}"]`), target);
  console.log('ok - approved with a; the item left the open queue');
  await page.keyboard.press('u');
  await page.getByText(`Undone: item ${target}`).waitFor();
  await page.locator(`.queue-entry[data-id="${target}"]`).waitFor();
  console.log('ok - undone with u; the item is back');
  await page.waitForFunction((id) => document.querySelector('.queue-entry[aria-current="true"]')?.dataset.id === id, target);
  // The page refuses a key until the pane shows the selected item (busy
  // while it loads); on a loaded machine that takes a moment after undo.
  await page.waitForFunction(() => document.getElementById('item-pane').getAttribute('aria-busy') !== 'true');
  await page.keyboard.press('r');
  await page.getByText(`Removed item ${target}`).waitFor();
  await page.waitForFunction((id) => !document.querySelector(`.queue-entry[data-id="${id}"]`), target);
  console.log('ok - removed with r');

  // The removed item shows under "Removed", with its audit trail.
  await page.getByLabel('State').selectOption('removed');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.locator(`.queue-entry[data-id="${target}"]`).waitFor();
  await page.locator(`.queue-entry[data-id="${target}"]`).click();
  await page.getByText(/dana · remove/).waitFor();
  await page.getByText(/dana · undo/).waitFor();
  console.log('ok - audit trail in the item pane');

  // Help dialog with ?, closed with Escape.
  await page.locator('#main').focus();
  await page.keyboard.press('?');
  await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
  await page.keyboard.press('Escape');
  console.log('ok - ? opens the help');

  // Try a comment, stats, rules, audit.
  await page.getByRole('link', { name: 'Try a comment' }).click();
  await page.getByRole('textbox', { name: 'Comment text' }).fill('honestly you are a clown <b>bold</b>');
  await page.getByRole('button', { name: 'Screen it' }).click();
  await page.locator('#try-result mark').first().waitFor();
  assert.equal(await page.locator('#try-result b').count(), 0);
  console.log('ok - try a comment highlights the match');
  await page.getByRole('link', { name: 'Stats' }).click();
  await page.locator('#stats-body svg rect').first().waitFor();
  console.log('ok - stats chart');
  await page.getByRole('link', { name: 'Rules' }).click();
  await page.getByRole('rowheader', { name: 'harassment.insult' }).waitFor();
  console.log('ok - rules view');
  await page.getByRole('link', { name: 'Audit' }).click();
  await page.locator('#audit-body td', { hasText: 'remove' }).first().waitFor();
  console.log('ok - audit view');

  // Status view, reached from the banner's link.
  await banner.getByRole('link', { name: 'See the status page' }).click();
  await page.locator('#status-reload-errors').waitFor();
  assert.match(await page.locator('#status-reload-errors').textContent(), /rules\/harassment\.yaml:12:7/);
  assert.match(await page.locator('#status-accounts').textContent(), /Backing off/);
  assert.match(await page.locator('#status-accounts').textContent(), /<script>window.__pwned = 2<\/script>/);
  assert.equal(await page.locator('#status-body script').count(), 0);
  assert.match(await page.locator('#status-body').textContent(), /up 3 h/);
  await page.screenshot({ path: join(outDir, 'review-status.png'), fullPage: true });
  console.log('ok - status view: reload errors, accounts backing off, uptime');

  // Outreach: the failed post stands out with the platform's error, as text.
  await page.getByRole('link', { name: 'Outreach' }).click();
  const card = page.locator(`.outbox-failed[data-id="${outbox.failed}"]`);
  await card.waitFor();
  assert.match(await card.textContent(), /HTTP 401: ExpiredToken: Token has expired <img src=x onerror=alert\(3\)>/);
  assert.match(await card.textContent(), /aasr-bsky on bluesky/);
  assert.match(await card.textContent(), /3 attempts/);
  assert.match(await card.textContent(), /Five Year Anniversary card/);
  assert.equal(await page.locator('#outreach-body img').count(), 0);
  await page.locator(`tr[data-id="${outbox.planned}"]`).waitFor();
  await page.locator(`tr[data-id="${outbox.published}"] a[href="https://mastodon.example/@aasr/113"]`).waitFor();
  await page.screenshot({ path: join(outDir, 'review-outreach.png'), fullPage: true });
  console.log('ok - outreach view: failed post with its error, planned and published rows');
  await card.getByRole('button', { name: 'Retry' }).click();
  await page.getByText(`Post ${outbox.failed} (aasr-bsky) will be retried now.`).waitFor();
  await page.locator(`tr[data-id="${outbox.failed}"]`).waitFor();
  assert.equal(await page.locator('.outbox-failed').count(), 0);
  assert.match(await page.locator(`tr[data-id="${outbox.failed}"]`).textContent(), /Planned/);
  console.log('ok - retry puts the failed post back to planned');

  // A fixed edit clears the banner on the next view.
  writeStatus([]);
  await page.getByRole('link', { name: 'Queue' }).click();
  await page.waitForFunction(() => document.getElementById('reload-banner').hidden);
  console.log('ok - the banner goes once the edit is accepted');

  await page.getByRole('link', { name: 'Audit' }).click();
  await page.locator('#audit-body td', { hasText: 'outreach.retry' }).first().waitFor();
  console.log('ok - the retry is in the audit log');

  assert.deepEqual(dialogs, [], 'no alert() ever ran');
  const cspOrScript = errors.filter((e) => !/Failed to load resource/.test(e));
  assert.deepEqual(cspOrScript, [], 'no script errors or CSP violations');
  await page.screenshot({ path: join(outDir, 'review-audit.png'), fullPage: true });
  console.log('all browser checks passed');
} catch (e) {
  failed = true;
  console.error(`not ok - ${e.stack || e}`);
  console.error(`page errors: ${JSON.stringify(pageErrors)}`);
  console.error(`server log:\n${serverLog}`);
} finally {
  if (browser) await browser.close();
  server.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
