// Status view and the rejected-edit banner. The bot (the daemon, or plain
// `serve`) answers GET /api/status with the shape documented in
// bot/review/README.md; every field may be missing, so each is read with care.
// When the last edit to rules/, posts/ or the config was rejected, a banner on
// every view says so and links here.
import { api } from './api.js';
import { h, clear, when } from './dom.js';

const $ = (id) => document.getElementById(id);

// "file:line:column", leaving out what is unknown (as aasr::Error does).
export function where(e) {
  let s = e.file || '';
  if (e.line) s += `:${e.line}`;
  if (e.line && e.column) s += `:${e.column}`;
  return s;
}

function problem(e) {
  return `${where(e)}${where(e) ? ': ' : ''}${e.message || 'error'}${e.subject ? ` (${e.subject})` : ''}`;
}

function duration(ms) {
  const m = Math.max(0, Math.floor(ms / 60000));
  if (m < 60) return `${m} min`;
  const hrs = Math.floor(m / 60);
  if (hrs < 48) return `${hrs} h ${m % 60} min`;
  return `${Math.floor(hrs / 24)} d ${hrs % 24} h`;
}

const reloadErrors = (s) => (s && s.reload && Array.isArray(s.reload.errors) ? s.reload.errors : []);

function renderBanner(s) {
  const banner = $('reload-banner');
  const errors = reloadErrors(s);
  clear(banner);
  banner.hidden = errors.length === 0;
  if (!errors.length) return;
  const first = errors[0];
  const edited = s.reload.rejected || first.file || 'the configuration';
  banner.append(
    h('strong', {}, `Your last edit to ${edited} was rejected: `),
    h('code', {}, problem(first)),
    errors.length > 1 ? ` and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''}` : '',
    '; the previous version is still in force. ',
    h('a', { href: '#status' }, 'See the status page'));
}

// Fetches the status and updates the banner; never throws (the banner is a
// courtesy on every view, not worth breaking one for).
export async function refreshBanner() {
  try {
    const s = await api('GET', '/api/status');
    renderBanner(s);
    return s;
  } catch (_) {
    return null;
  }
}

export function hideBanner() { $('reload-banner').hidden = true; }

const STATE_WORDS = { ok: 'OK', backoff: 'Backing off', error: 'Error', starting: 'Starting', stopped: 'Stopped' };

function accountsTable(accounts) {
  const t = (ms) => (ms ? when(ms) : '—');
  return h('table', { id: 'status-accounts' },
    h('caption', { class: 'visually-hidden' }, 'Accounts'),
    h('thead', {}, h('tr', {}, ['Account', 'Platform', 'State', 'Last poll', 'Next poll', 'Last error'].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, accounts.map((a) => h('tr', {},
      h('th', { scope: 'row' }, a.name || ''),
      h('td', {}, a.platform || ''),
      h('td', {}, h('span', { class: `badge acct-${a.state}` }, STATE_WORDS[a.state] || a.state || 'unknown'),
        a.consecutive_failures ? h('div', { class: 'muted' }, `${a.consecutive_failures} failure${a.consecutive_failures === 1 ? '' : 's'} in a row`) : null),
      h('td', {}, t(a.last_poll_ms)),
      h('td', {}, t(a.next_poll_ms)),
      h('td', { class: a.last_error ? 'error' : 'muted' }, a.last_error || 'none')))));
}

export async function showStatus() {
  const body = $('status-body');
  const s = await api('GET', '/api/status');
  renderBanner(s);
  clear(body);
  if (s.status_file_error) body.append(h('p', { class: 'error' }, s.status_file_error));
  const now = s.now_ms || Date.now();
  const facts = [['Mode', s.mode === 'daemon' ? 'daemon (polling, posting, screening)' : s.mode || 'unknown'],
    ['Version', s.version || 'unknown']];
  if (s.started_at_ms) facts.push(['Running since', `${when(s.started_at_ms)} (up ${duration(now - s.started_at_ms)})`]);
  if (s.rules) {
    facts.push(['Rules in force', `${s.rules.count ?? '?'}${s.rules.dir ? ` from ${s.rules.dir}` : ''}`]);
  }
  if (s.outreach && typeof s.outreach === 'object') {
    facts.push(['Outreach', `${s.outreach.graphics ?? '?'} graphics, schedules for ${s.outreach.schedules ?? '?'} account(s)`]);
  }
  body.append(h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));

  body.append(h('h3', {}, 'Configuration reload'));
  const errors = reloadErrors(s);
  const r = s.reload || {};
  if (errors.length) {
    const rejectedAt = r.rejected_at_ms || r.last_attempt_ms;
    body.append(h('p', { class: 'error' }, `The last edit${r.rejected ? ` to ${r.rejected}` : ''} was rejected${rejectedAt ? ` at ${when(rejectedAt)}` : ''}; the previous version is still in force. Fix these and save again:`));
    body.append(h('table', { id: 'status-reload-errors' },
      h('caption', { class: 'visually-hidden' }, 'Why the last edit was rejected'),
      h('thead', {}, h('tr', {}, ['Where', 'What', 'Problem'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, errors.map((e) => h('tr', {}, h('td', {}, h('code', {}, where(e))), h('td', {}, e.subject || ''), h('td', {}, e.message || ''))))));
  } else {
    body.append(h('p', {}, 'The configuration in force is the latest saved version.'));
  }
  if (r.last_ok_ms) body.append(h('p', { class: 'muted' }, `Last successful reload: ${when(r.last_ok_ms)}.`));
  if (r.files && typeof r.files === 'object') {
    body.append(h('dl', { class: 'facts' }, Object.entries(r.files).map(([k, v]) => [h('dt', {}, `Watched ${k}`), h('dd', {}, h('code', {}, String(v)))])));
  }

  body.append(h('h3', {}, 'Accounts'));
  const accounts = Array.isArray(s.accounts) ? s.accounts : [];
  body.append(accounts.length ? accountsTable(accounts)
    : h('p', { class: 'muted' }, s.mode === 'serve' ? 'This is “aasr-bot serve” alone: it polls no accounts. The daemon shows them here.' : 'No accounts are configured.'));
}
