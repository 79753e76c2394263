// The live review page (issue 11 section 1) and the page on a phone and at
// zoom (issue 12 sections 4 and 6), in headless Debian Chromium:
// - a crisis comment stored by another process (`queue ingest`) while the
//   page is open appears within 2 s, the title counts it, the focused note
//   keeps focus and its text; a server restart shows the reconnect message,
//   then the page recovers and sees the next comment;
// - filters are case-insensitive, in the URL (reload and Back restore them),
//   search covers every state and the handle as shown; rows show the author;
// - at 390x844 with touch every view has no horizontal scrolling (a
//   screenshot per view), the menu is reachable, the help dialog fits, a
//   tapped row opens the item at the top; at 200% zoom `a` never decides an
//   item that is not on screen.
// Usage: node live_page.test.mjs AASR_BOT RULES_DIR OUT_DIR SEED_OUTBOX
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const [bot, rulesDir, outDir, seedOutbox] = process.argv.slice(2);
assert.ok(seedOutbox, 'usage: live_page.test.mjs AASR_BOT RULES_DIR OUT_DIR SEED_OUTBOX');
async function freePort() {
  const srv = createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const work = mkdtempSync(join(tmpdir(), 'aasr-live-'));
const db = join(work, 'aasr.db');
mkdirSync(outDir, { recursive: true });

function ingest(comments) {
  execFileSync(bot, ['queue', 'ingest', '--db', db, '--rules', rulesDir, '--platform', 'facebook'],
    { input: comments.map((c) => JSON.stringify({ ...c, parent: 'post-1', parent_text: 'Seclusion rooms are not classrooms' })).join('\n') });
}
ingest([
  { remote_id: 'c1', text: 'You are an idiot and so is your whole group', author: { handle: 'angry_dad' } },
  { remote_id: 'c3', text: 'what a moron, an absolute waste of space and a disgrace to parents everywhere', author: { handle: 'a_rather_long_handle_that_does_not_wrap_easily' } },
  { remote_id: 'c6', text: 'Crypto giveaway today only', author: { handle: 'spam_bot' } },
  { remote_id: 'c7', text: 'you idiot, https://averyveryveryverylongdomainnamewithoutbreaks.example/and/a/path/that/goes/on', author: { handle: 'linker' } },
]);
execFileSync(bot, ['users', 'add', 'dana', '--role', 'admin', '--db', db], { input: 'correct horse battery\n' });
execFileSync(seedOutbox, [db]);

let server = null;
let serverLog = '';
function startServer() {
  server = spawn(bot, ['serve', '--db', db, '--rules', rulesDir, '--listen', base, '--outreach-db', db],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout.on('data', (d) => { serverLog += d; });
  server.stderr.on('data', (d) => { serverLog += d; });
}
async function stopServer() {
  const s = server;
  server = null;
  const gone = new Promise((r) => s.once('exit', r));
  s.kill('SIGTERM');
  await gone;
}
async function waitForServer() {
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${base}/`)).ok) return; } catch (_) { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not start:\n${serverLog}`);
}

async function login(page) {
  await page.goto(`${base}/`);
  await page.getByLabel('User name').fill('dana');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#queue-list .queue-entry').first().waitFor();
}

let browser;
let failed = false;
const pageErrors = [];
const watch = (page) => {
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
};
try {
  startServer();
  await waitForServer();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });

  // ---------- live ----------
  const live = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  await live.grantPermissions(['notifications'], { origin: base });
  const page = await live.newPage();
  // Records the notifications the page raises (headless shows none).
  await page.addInitScript(() => {
    window.__notes = [];
    const N = window.Notification;
    if (!N) return;
    class Recorded extends N {
      constructor(title, opts) { super(title, opts); window.__notes.push({ title, body: (opts || {}).body }); }
    }
    window.Notification = Recorded;
  });
  watch(page);
  await login(page);
  // Opt in to notifications (per moderator, remembered).
  await page.getByLabel('Notify me').check();
  await page.getByText('You will be notified of new crisis and urgent items.').waitFor();
  await page.waitForFunction(() => /^\(4 open\) AASR moderation$/.test(document.title));
  console.log(`ok - title counts the open items: ${await page.title()}`);
  // The moderator is typing a note on the selected item.
  const selected = await page.locator('.queue-entry[aria-current="true"]').getAttribute('data-id');
  await page.locator('#note').click();
  await page.keyboard.type('checking with Sam');
  const noteTop = () => page.evaluate(() => document.getElementById('note').getBoundingClientRect().top);
  const topBefore = await noteTop();

  const t0 = Date.now();
  ingest([{ remote_id: 'live-1', text: 'some days I want to die after what they did to my son in that room', author: { handle: 'mom_of_two' } }]);
  await page.locator('#queue-list .queue-entry.crisis').waitFor({ timeout: 2000 });
  const took = Date.now() - t0;
  assert.ok(took <= 2000, `the crisis item appeared after ${took} ms`);
  console.log(`ok - the crisis comment appeared in ${took} ms without a reload`);
  await page.waitForFunction(() => document.title === '(5 open, 1 crisis) AASR moderation', null, { timeout: 2000 });
  console.log(`ok - title: ${await page.title()}`);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'note', 'the note keeps focus');
  assert.equal(await page.locator('#note').inputValue(), 'checking with Sam', 'the typed note is kept');
  assert.equal(await page.locator('.queue-entry[aria-current="true"]').getAttribute('data-id'), selected, 'the selection is kept');
  await page.waitForFunction(() => /1 new item in the queue, 1 crisis/.test(document.getElementById('status').textContent));
  assert.equal(await page.locator('#status').getAttribute('aria-live'), 'polite');
  const topAfter = await noteTop();
  assert.ok(Math.abs(topAfter - topBefore) < 2, `the note stays in place on screen: ${topBefore} -> ${topAfter}`);
  console.log('ok - focus, typed note, selection and place on screen kept; announced politely');
  const notes = await page.evaluate(() => window.__notes);
  assert.deepEqual(notes, [{ title: '1 new crisis item', body: 'facebook · crisis' }], 'one notification, without the comment');
  console.log(`ok - opted-in notification: ${JSON.stringify(notes)}`);
  await page.screenshot({ path: join(outDir, 'live-1366-queue.png'), fullPage: true });

  // Server restart: the page says it lost the server, then recovers.
  await stopServer();
  await page.locator('#live-status', { hasText: /Lost contact with the server|Cannot reach the server/ }).waitFor({ timeout: 5000 });
  console.log(`ok - server down: "${await page.locator('#live-status').textContent()}"`);
  await page.locator('#live-status', { hasText: /Cannot reach the server since/ }).waitFor({ timeout: 15000 });
  console.log(`ok - still down: "${await page.locator('#live-status').textContent()}"`);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'note');
  startServer();
  await waitForServer();
  await page.locator('#live-status', { hasText: /Reconnected/ }).waitFor({ timeout: 8000 });
  console.log('ok - reconnected by itself after the restart');
  const t1 = Date.now();
  ingest([{ remote_id: 'live-2', text: 'You are a moron and a clown', author: { handle: 'second_troll' } }]);
  await page.locator('#queue-list .queue-entry', { hasText: 'a moron and a clown' }).waitFor({ timeout: 2000 });
  console.log(`ok - after the restart a new comment appeared in ${Date.now() - t1} ms`);
  await page.waitForFunction(() => document.title === '(6 open, 1 crisis) AASR moderation');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'note');

  // ---------- filters ----------
  // Rows show the author as displayed.
  assert.match(await page.locator('.queue-entry', { hasText: 'want to die' }).textContent(), /@mom_of_two/);
  await page.getByLabel('Category', { exact: true }).fill('Harassment');
  await page.getByLabel('Platform', { exact: true }).fill('FaceBook');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForFunction(() => /category=Harassment/.test(location.hash));
  await page.locator('.queue-entry', { hasText: 'want to die' }).waitFor({ state: 'detached' });
  await page.locator('.queue-entry', { hasText: 'whole group' }).waitFor();
  console.log('ok - category and platform filters ignore case; the URL carries them');
  await page.reload();
  await page.locator('.queue-entry', { hasText: 'whole group' }).waitFor();
  assert.equal(await page.getByLabel('Category', { exact: true }).inputValue(), 'Harassment');
  assert.equal(await page.getByLabel('Notify me').isChecked(), true, 'the opt-in is remembered');
  assert.equal(await page.locator('.queue-entry', { hasText: 'want to die' }).count(), 0);
  console.log('ok - reload keeps the filters');
  // Decide the crisis item, then search for its author as shown: all states.
  await page.goto(`${base}/#queue`);
  await page.locator('.queue-entry.crisis').click();
  await page.locator('#comment-text', { hasText: 'want to die' }).waitFor();
  await page.getByRole('button', { name: 'Escalate (e)' }).click();
  await page.getByText(/Escalated item/).waitFor();
  await page.getByRole('button', { name: 'Approve (a)' }).first().waitFor();
  await page.locator('.queue-entry', { hasText: 'whole group' }).click();
  await page.locator('#comment-text', { hasText: 'whole group' }).waitFor();
  await page.getByRole('button', { name: 'Approve (a)' }).click();
  await page.getByText(/Approved item/).waitFor();
  await page.getByLabel('Search', { exact: true }).fill('@ANGRY_dad');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.locator('.queue-entry', { hasText: 'whole group' }).waitFor();
  assert.match(await page.locator('#f-note').textContent(), /every state/);
  console.log('ok - search finds an approved item by its handle as displayed (@, any case)');
  await page.goBack();
  await page.waitForFunction(() => !/q=/.test(location.hash));
  assert.equal(await page.getByLabel('Search', { exact: true }).inputValue(), '');
  console.log('ok - Back restores the earlier filters');
  // An alert's link, <public_url>/#item=ID, opens that item, decided or not.
  await page.getByLabel('Search', { exact: true }).fill('@angry_dad');
  await page.getByRole('button', { name: 'Apply' }).click();
  const linkedId = await page.locator('.queue-entry', { hasText: 'whole group' }).getAttribute('data-id');
  const linked = await live.newPage();  // an alert's link, opened in a new tab
  watch(linked);
  await linked.goto(`${base}/#item=${linkedId}`);
  await linked.locator('#comment-text', { hasText: 'whole group' }).waitFor();
  assert.equal(await linked.evaluate(() => location.hash), '#queue');
  await linked.close();
  console.log('ok - an alert link (#item=ID) opens that item, decided or not, in a new tab');

  // ---------- phone ----------
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 });
  const p = await phone.newPage();
  watch(p);
  await login(p);
  const widths = {};
  const views = ['queue', 'outreach', 'stats', 'rules', 'try', 'audit', 'status'];
  for (const v of views) {
    // The menu is a button on a phone; the links are reached through it.
    assert.equal(await p.locator(`#nav a[data-view="${v}"]`).isVisible(), false, 'the menu is closed');
    await p.getByRole('button', { name: 'Menu' }).tap();
    await p.locator(`#nav a[data-view="${v}"]`).tap();
    await p.waitForFunction((id) => !document.getElementById(`${id}-view`).hidden, v);
    await p.waitForTimeout(400);
    const w = await p.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
    widths[v] = w.scroll;
    await p.screenshot({ path: join(outDir, `phone-390-${v}.png`), fullPage: true });
    assert.ok(w.scroll <= w.inner, `${v}: the page is ${w.scroll} px wide in a ${w.inner} px viewport`);
  }
  console.log(`ok - at 390x844 no view scrolls sideways: ${JSON.stringify(widths)}`);
  await p.getByRole('button', { name: 'Menu' }).tap();
  await p.screenshot({ path: join(outDir, 'phone-390-menu.png') });
  const menuW = await p.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(menuW <= 390, `the open menu fits: ${menuW}`);
  await p.locator('#nav a[data-view="queue"]').tap();
  await p.locator('#queue-list .queue-entry').first().waitFor();

  // The help dialog fits the screen.
  await p.getByRole('button', { name: 'Menu' }).tap();
  await p.getByRole('button', { name: 'Keys (?)' }).tap();
  const box = await p.getByRole('dialog', { name: 'Keyboard shortcuts' }).boundingBox();
  await p.screenshot({ path: join(outDir, 'phone-390-help.png') });
  assert.ok(box.x >= 0 && box.x + box.width <= 390 && box.y >= 0 && box.y + box.height <= 844, `help dialog ${JSON.stringify(box)}`);
  await p.getByRole('button', { name: 'Close' }).tap();
  console.log(`ok - the help dialog fits: ${JSON.stringify(box)}`);

  // A tapped row opens the item at the top of the screen.
  const rows = p.locator('#queue-list .queue-entry');
  await rows.nth((await rows.count()) - 1).tap();
  await p.locator('#comment-text').waitFor();
  await p.waitForTimeout(300);
  const paneTop = await p.evaluate(() => document.getElementById('item-pane').getBoundingClientRect().top);
  assert.ok(Math.abs(paneTop) < 40, `the item pane starts at ${paneTop} px`);
  await p.screenshot({ path: join(outDir, 'phone-390-item.png') });
  console.log(`ok - a tapped row opens the item at the top (pane at ${paneTop} px)`);

  // 200% zoom of a 1366 px window: 683 CSS px. `a` acts only on the item on screen.
  const zoom = await browser.newContext({ viewport: { width: 683, height: 384 }, deviceScaleFactor: 2 });
  const z = await zoom.newPage();
  watch(z);
  await login(z);
  await z.locator('#comment-text').waitFor();
  await z.locator('#main').focus();
  await z.keyboard.press('j');
  await z.waitForFunction(() => document.getElementById('item-pane').getAttribute('aria-busy') !== 'true');
  await z.waitForTimeout(300);
  const shownId = await z.evaluate(() => document.querySelector('.queue-entry[aria-current="true"]').dataset.id);
  // Scroll the item away, then press a: nothing is decided; the item comes into view.
  await z.evaluate(() => window.scrollTo(0, 0));
  await z.waitForTimeout(100);
  const textTop = await z.evaluate(() => document.getElementById('comment-text').getBoundingClientRect().top);
  assert.ok(textTop >= 384, `the item text is off screen (${textTop})`);
  await z.keyboard.press('a');
  await z.getByText(/was not on screen/).waitFor();
  const item = await (await fetch(`${base}/api/items/${shownId}`, { headers: { cookie: (await zoom.cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } })).json();
  assert.equal(item.item.state, 'pending', 'a did not decide the off-screen item');
  await z.keyboard.press('a');
  await z.getByText(`Approved item ${shownId}`).waitFor();
  console.log('ok - at 200% zoom a key never decides an item that is not on screen; pressed again on screen, it does');
  await z.screenshot({ path: join(outDir, 'zoom-200-queue.png') });

  const real = pageErrors.filter((e) => !/Failed to load resource/.test(e));
  assert.deepEqual(real, [], 'no script errors or CSP violations');
  console.log('all live and phone checks passed');
} catch (e) {
  failed = true;
  console.error(`not ok - ${e.stack || e}`);
  console.error(`page errors: ${JSON.stringify(pageErrors)}`);
  console.error(`server log:\n${serverLog}`);
} finally {
  if (browser) await browser.close();
  if (server) server.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
