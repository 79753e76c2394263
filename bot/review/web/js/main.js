// Boot: session check, login, the view router (#queue, #outreach, #stats,
// #rules, #try, #audit, #status), the rejected-edit banner and global keys.
import { api, setCsrf, ApiError } from './api.js';
import { announce } from './dom.js';
import { initQueue, loadQueue, onKey, syncFilters, liveRefresh, setQueueUser, openItem } from './queue.js';
import { startLive, stopLive, initAlerts, setAlertUser, alertNew } from './live.js';
import { viewOf } from './filters.js';
import { showUsers, initUsers } from './users.js';
import { showStats, showRules, initTry, showAudit } from './views.js';
import { showOutreach, setOutreachRole } from './outreach.js';
import { showStatus, refreshBanner, hideBanner } from './status.js';

const $ = (id) => document.getElementById(id);
const views = ['login', 'queue', 'outreach', 'stats', 'rules', 'try', 'audit', 'users', 'status'];
// The banner follows the bot's status while the page is open.
const BANNER_REFRESH_MS = 60 * 1000;
let bannerTimer = 0;
let session = null;

function show(view) {
  for (const v of views) $(`${v}-view`).hidden = v !== view;
  for (const a of document.querySelectorAll('nav a[data-view]')) {
    if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function route() {
  if (!session) { show('login'); $('login-user').focus(); return; }
  // An alert's link (review.public_url/#item=ID): the queue with that item open.
  const linked = /^#item=(\d+)$/.exec(location.hash);
  if (linked) {
    history.replaceState(null, '', '#queue');
    show('queue');
    try {
      syncFilters();
      await loadQueue();
      await openItem(Number(linked[1]));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return loggedOut('Your session ended; please log in again.');
      announce(e.message);
    }
    return;
  }
  let view = viewOf(location.hash);
  if (!views.includes(view) || view === 'login') view = 'queue';
  if ((view === 'audit' || view === 'users') && session.role !== 'admin') view = 'queue';
  show(view);
  try {
    if (view !== 'status') refreshBanner();
    if (view === 'queue') { syncFilters(); await loadQueue(); }
    if (view === 'outreach') await showOutreach();
    if (view === 'status') await showStatus();
    if (view === 'stats') await showStats();
    if (view === 'rules') await showRules();
    if (view === 'audit') await showAudit(false);
    if (view === 'users') await showUsers();
    if (view === 'try') $('try-text').focus();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return loggedOut('Your session ended; please log in again.');
    announce(e.message);
  }
}

function loggedIn(s) {
  session = s;
  setCsrf(s.csrf);
  $('who').textContent = `${s.user} (${s.role})`;
  $('nav').hidden = false;
  for (const a of document.querySelectorAll('[data-admin]')) a.hidden = s.role !== 'admin';
  setOutreachRole(s.role);
  setQueueUser(s.user);
  initUsers(s.user);
  clearInterval(bannerTimer);
  bannerTimer = setInterval(() => { if (session) refreshBanner(); }, BANNER_REFRESH_MS);
  setAlertUser(s.user);
  liveRefresh(false).catch(() => {});  // what is already there is not "new"
  startLive({
    onChange: async () => {
      const fresh = await liveRefresh(!$('queue-view').hidden);
      if (fresh.length) {
        const crisis = fresh.filter((it) => it.crisis).length;
        announce(`${fresh.length} new item${fresh.length > 1 ? 's' : ''} in the queue${crisis ? `, ${crisis} crisis` : ''}.`);
        alertNew(fresh);
      }
    },
    onLoggedOut: () => loggedOut('Your session ended; please log in again.'),
  });
}

function loggedOut(message) {
  session = null;
  setCsrf('');
  clearInterval(bannerTimer);
  stopLive();
  document.title = 'AASR moderation';
  hideBanner();
  $('nav').hidden = true;
  $('login-error').textContent = message || '';
  route();
}

// A compact menu on narrow screens (CSS shows the button there only).
function initMenu() {
  const button = $('menu-button');
  const setOpen = (open) => {
    button.setAttribute('aria-expanded', String(open));
    $('nav').classList.toggle('open', open);
  };
  button.addEventListener('click', () => setOpen(button.getAttribute('aria-expanded') !== 'true'));
  for (const a of document.querySelectorAll('#nav-menu a')) a.addEventListener('click', () => setOpen(false));
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && button.getAttribute('aria-expanded') === 'true') { setOpen(false); button.focus(); }
  });
  $('back-to-list').addEventListener('click', () => {
    const sel = document.querySelector('.queue-entry[aria-current="true"]') || document.querySelector('.queue-entry');
    if (sel) { sel.scrollIntoView({ block: 'center' }); sel.focus({ preventScroll: true }); }
  });
}

async function boot() {
  initQueue();
  initTry();
  initAlerts(announce);
  initMenu();
  $('audit-more').addEventListener('click', () => showAudit(true).catch((e) => announce(e.message)));
  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('login-error').textContent = '';
    try {
      const s = await api('POST', '/api/login', { user: $('login-user').value, password: $('login-password').value });
      $('login-password').value = '';
      loggedIn(s);
      if (!location.hash) location.hash = '#queue';
      await route();
      $('main').focus();
    } catch (e) {
      $('login-error').textContent = e.message;
    }
  });
  $('logout').addEventListener('click', async () => {
    try { await api('POST', '/api/logout'); } catch (_) { /* ended anyway */ }
    loggedOut('You are logged out.');
  });
  $('help-button').addEventListener('click', () => $('help').showModal());
  window.addEventListener('hashchange', route);
  document.addEventListener('keydown', (ev) => {
    if (!session) return;
    if (ev.key === '?' && !['INPUT', 'TEXTAREA', 'SELECT'].includes(ev.target.tagName)) {
      ev.preventDefault();
      $('help').showModal();
      return;
    }
    if (!$('queue-view').hidden && !$('help').open && !$('confirm-crisis').open && onKey(ev)) ev.preventDefault();
  });
  try {
    loggedIn(await api('GET', '/api/session'));
  } catch (_) {
    session = null;
  }
  await route();
}

boot();
