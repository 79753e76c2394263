// The page under a sub-path, and a foreign page's login attempt, in headless
// Chromium (issue 15 §2, §3): `serve --base-path /aasr` publishes the page at
// /aasr/ (as a proxy passing the path on would); logging in, the queue, an
// item, a decision and the live feed all go to /aasr/api/... Then a page on
// another origin posts a text/plain form and a JSON fetch to /api/login with
// the attacker's password: the victim's browser must end up with no session.
// Usage: node base_path.test.mjs AASR_BOT RULES_DIR OUT_DIR
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const [bot, rulesDir, outDir] = process.argv.slice(2);
assert.ok(outDir, 'usage: base_path.test.mjs AASR_BOT RULES_DIR OUT_DIR');
async function freePort() {
  const srv = createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}
const origin = `http://127.0.0.1:${await freePort()}`;
const base = `${origin}/aasr`;
const work = mkdtempSync(join(tmpdir(), 'aasr-base-'));
const db = join(work, 'aasr.db');
mkdirSync(outDir, { recursive: true });
execFileSync(bot, ['queue', 'ingest', '--db', db, '--rules', rulesDir, '--platform', 'facebook'],
  { input: JSON.stringify({ remote_id: 'b1', text: 'You are an idiot and so is your whole group', parent: 'post-1', author: { handle: 'angry_dad' } }) });
execFileSync(bot, ['users', 'add', 'dana', '--role', 'admin', '--db', db], { input: 'password of dana 123\n' });
execFileSync(bot, ['users', 'add', 'mallory', '--role', 'moderator', '--db', db], { input: 'password of mallory 123\n' });

const server = spawn(bot, ['serve', '--db', db, '--rules', rulesDir, '--listen', origin, '--base-path', '/aasr'],
  { stdio: ['ignore', 'pipe', 'pipe'] });
let serverLog = '';
server.stdout.on('data', (d) => { serverLog += d; });
server.stderr.on('data', (d) => { serverLog += d; });
for (let i = 0; i < 100; i++) {
  try { if ((await fetch(`${base}/`)).ok) break; } catch (_) { /* not yet */ }
  await new Promise((r) => setTimeout(r, 100));
}

// The attacker's page, on another origin (another port).
const evilPage = `<!doctype html><html><body>
<form id="f" method="POST" action="${base}/api/login" enctype="text/plain">
<input name='{"user":"mallory","password":"password of mallory 123","x":"' value='"}'></form>
<script>
fetch('${base}/api/login', { method: 'POST', credentials: 'include', mode: 'no-cors',
  headers: { 'Content-Type': 'text/plain' },
  body: JSON.stringify({ user: 'mallory', password: 'password of mallory 123' }) })
  .finally(() => document.getElementById('f').submit());
</script></body></html>`;
const evil = createHttpServer((req, res) => { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end(evilPage); });
await new Promise((r) => evil.listen(0, '127.0.0.1', r));
const evilUrl = `http://localhost:${evil.address().port}/`;

let browser;
let failed = false;
const errors = [];
try {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  const apiCalls = [];
  page.on('request', (r) => { if (r.url().includes('/api/')) apiCalls.push(new URL(r.url()).pathname); });
  await page.goto(`${base}/`);
  await page.getByLabel('User name').fill('dana');
  await page.getByLabel('Password').fill('password of dana 123');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#queue-list .queue-entry').first().waitFor();
  await page.locator('#queue-list .queue-entry').first().click();
  await page.locator('#comment-text').filter({ hasText: 'idiot' }).waitFor();
  // The key is read once the item pane has the keyboard; on a loaded machine
  // the first press can come before that, so press until it is announced.
  for (let i = 0; ; ++i) {
    await page.keyboard.press('a');
    try { await page.getByText(/Approved item/).first().waitFor({ timeout: 3000 }); break; }
    catch (e) { if (i >= 8) throw e; }
  }
  await page.waitForTimeout(500);
  const cookies = await ctx.cookies(`${base}/`);  // a cookie scoped to /aasr/ is not sent to /
  const session = cookies.find((c) => c.name === 'aasr_session');
  assert.ok(session, 'logged in');
  assert.equal(session.path, '/aasr/', 'the cookie is scoped to the base path');
  for (const p of apiCalls) assert.ok(p.startsWith('/aasr/api/'), `an API call outside the base path: ${p}`);
  for (const p of ['/aasr/api/login', '/aasr/api/queue', '/aasr/api/events'])
    assert.ok(apiCalls.includes(p), `no call to ${p}: ${apiCalls.join(' ')}`);
  assert.ok(apiCalls.some((p) => /^\/aasr\/api\/items\/\d+\/decision$/.test(p)), 'the decision went under /aasr/');
  await page.screenshot({ path: join(outDir, 'base-path.png') });

  // A victim (a fresh browser, not logged in) opens the attacker's page.
  const victim = await browser.newContext();
  const vpage = await victim.newPage();
  await vpage.goto(evilUrl);
  await vpage.waitForTimeout(1500);
  const stolen = (await victim.cookies([origin, `${base}/`])).find((c) => c.name === 'aasr_session');
  assert.ok(!stolen, 'a foreign page logged the victim into the attacker\'s account');
  assert.ok(!/login: mallory/.test(serverLog), 'the foreign login reached the password check');
  assert.deepEqual(errors, [], 'no page errors');
  console.log('PASS: the page under /aasr/, and no login from a foreign page');
} catch (e) {
  failed = true;
  console.error(e);
  console.error('--- server log\n' + serverLog);
} finally {
  if (browser) await browser.close();
  evil.close();
  server.kill('SIGTERM');
}
process.exit(failed ? 1 : 0);
