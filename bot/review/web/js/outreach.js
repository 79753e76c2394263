// Outreach view: the outbox. Failed posts first and prominent, with the
// platform's error, the account, the attempts and when; then what is waiting
// and what went out. Admins can retry a failed post (back to planned, due
// now, audited). Outbox times are Unix seconds.
import { api, query, ApiError } from './api.js';
import { h, clear, when, age, announce } from './dom.js';

const $ = (id) => document.getElementById(id);
let role = '';

export function setOutreachRole(r) { role = r; }

// Only http(s) links become links: a stored URL is data, never a script.
function safeUrl(u) {
  try {
    const x = new URL(u);
    return x.protocol === 'https:' || x.protocol === 'http:' ? x.href : '';
  } catch (_) {
    return '';
  }
}

const at = (s) => when(s * 1000);
const what = (row) => `${row.kind} ${row.item_id}`;

function postContent(row) {
  const base = (f) => f.split('/').pop();
  return [
    h('div', { class: 'post-text' }, row.text),
    row.images && row.images.length
      ? h('ul', { class: 'post-images' }, row.images.map((im) => h('li', {}, `Image ${base(im.file)}: `, h('q', {}, im.alt))))
      : null,
  ];
}

async function retry(row, button) {
  button.disabled = true;
  try {
    await api('POST', `/api/outreach/${row.id}/retry`);
    announce(`Post ${row.id} (${row.account}) will be retried now.`);
  } catch (e) {
    announce(e instanceof ApiError && e.status === 409 ? `Not retried: ${e.message}` : e.message);
  }
  await showOutreach();
}

function failedCard(row, nowS) {
  const title = `${row.account} on ${row.platform}: ${what(row)}`;
  const button = role === 'admin'
    ? h('button', { type: 'button', class: 'primary', 'aria-describedby': `ob-${row.id}` }, 'Retry')
    : null;
  if (button) button.addEventListener('click', () => retry(row, button));
  return h('article', { class: 'outbox-failed', 'data-id': row.id, 'aria-labelledby': `ob-${row.id}` },
    h('h4', { id: `ob-${row.id}` }, h('span', { class: 'badge failed' }, 'Failed'), ' ', title),
    h('p', { class: 'error outbox-error' }, row.error || 'no error was recorded'),
    h('p', { class: 'muted' },
      `${row.attempts} attempt${row.attempts === 1 ? '' : 's'}; last one ${at(row.updated_at)} (${age(row.updated_at * 1000, nowS * 1000)} ago); planned for ${at(row.planned_at)}.`),
    postContent(row),
    button ? h('p', {}, button) : h('p', { class: 'muted' }, 'An admin can retry this post.'));
}

function waitingTable(rows, nowS) {
  return h('table', {},
    h('caption', { class: 'visually-hidden' }, 'Posts waiting to go out'),
    h('thead', {}, h('tr', {}, ['When', 'Account', 'What', 'State', 'Attempts', 'Post'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.map((r) => h('tr', { 'data-id': r.id },
      h('td', {}, at(r.planned_at), r.next_attempt_at > nowS ? h('div', { class: 'muted' }, `next attempt ${at(r.next_attempt_at)}`) : null),
      h('td', {}, `${r.account} (${r.platform})`),
      h('td', {}, what(r)),
      h('td', {}, h('span', { class: `badge ${r.state}` }, r.state === 'sending' ? 'Sending' : 'Planned'),
        r.error ? h('div', { class: 'muted' }, `last error: ${r.error}`) : null),
      h('td', { class: 'num' }, String(r.attempts)),
      h('td', {}, postContent(r))))));
}

function publishedTable(rows) {
  return h('table', {},
    h('caption', { class: 'visually-hidden' }, 'Posts that went out'),
    h('thead', {}, h('tr', {}, ['When', 'Account', 'What', 'Link', 'Post'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.map((r) => {
      const url = safeUrl(r.url);
      return h('tr', { 'data-id': r.id },
        h('td', {}, at(r.updated_at)),
        h('td', {}, `${r.account} (${r.platform})`),
        h('td', {}, what(r)),
        h('td', {}, url ? h('a', { href: url, rel: 'noopener noreferrer', target: '_blank' }, 'view post') : r.url || ''),
        h('td', {}, postContent(r)));
    })));
}

export async function showOutreach() {
  const body = $('outreach-body');
  let data, published;
  try {
    [data, published] = await Promise.all([
      api('GET', `/api/outreach${query({ state: 'failed,sending,planned' })}`),
      api('GET', `/api/outreach${query({ state: 'published', limit: 20 })}`),
    ]);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404 && e.body.code === 'not_configured') {
      clear(body).append(h('p', { class: 'muted', id: 'outreach-not-configured' }, e.message));
      return;
    }
    throw e;
  }
  clear(body);
  const failed = data.rows.filter((r) => r.state === 'failed');
  const waiting = data.rows.filter((r) => r.state !== 'failed');
  const c = data.counts;
  body.append(h('p', {}, `${c.failed} failed, ${c.planned} planned, ${c.sending} sending, ${c.published} published.`));
  body.append(h('h3', {}, `Failed posts (${c.failed})`));
  if (failed.length) {
    body.append(h('p', {}, 'These posts gave up after their retries. The platform\'s error says why; fix the cause (a token, the text), then retry.'));
    body.append(h('div', { class: 'outbox-failed-list' }, failed.map((r) => failedCard(r, data.now))));
  } else {
    body.append(h('p', { class: 'muted' }, 'No failed posts.'));
  }
  body.append(h('h3', {}, `Waiting (${c.planned + c.sending})`));
  body.append(waiting.length ? waitingTable(waiting, data.now) : h('p', { class: 'muted' }, 'Nothing is waiting.'));
  body.append(h('h3', {}, `Published (latest ${published.rows.length} of ${c.published})`));
  body.append(published.rows.length ? publishedTable(published.rows) : h('p', { class: 'muted' }, 'Nothing has gone out yet.'));
  if (data.truncated) body.append(h('p', { class: 'muted' }, 'Only the first rows are shown; `aasr-bot posts outbox` lists them all.'));
}
