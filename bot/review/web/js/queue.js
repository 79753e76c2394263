// The queue view: the list, the item pane, decisions and keyboard work.
import { api, query, ApiError } from './api.js';
import { h, clear, highlighted, age, when, announce } from './dom.js';
import { filtersFromHash, hashFor, formFilters, fillForm, serverFilters } from './filters.js';
import { replySection } from './reply.js';

const state = {
  items: [],
  selected: -1,
  cursor: '',
  filters: filtersFromHash(),
  current: null,      // the item view loaded in the pane
  lastDecided: [],    // item ids, most recent last, for `u`
  now: Date.now(),
  claimed: 0,         // the item this page holds a claim on
  claimTimer: 0,
};

// A claim lapses after 5 minutes on the server; the open page renews it.
const CLAIM_RENEW_MS = 60 * 1000;

function clockTime(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function claimText(it) {
  return `${it.claimed_by} has this item until ${clockTime(it.claim_expires_ms)}`;
}

const $ = (id) => document.getElementById(id);

function badge(text, cls) {
  return h('span', { class: `badge ${cls || ''}` }, text);
}

function entry(it, index) {
  const btn = h('button', {
    type: 'button',
    class: `queue-entry${it.crisis ? ' crisis' : ''}`,
    'data-id': it.id,
    'aria-current': index === state.selected ? 'true' : 'false',
    onclick: () => select(index),
  },
  h('span', { class: 'entry-meta' },
    it.crisis ? badge('Crisis', 'crisis') : null,
    badge(it.priority, it.priority),
    it.state !== 'pending' ? badge(it.state, 'state') : null,
    it.categories.filter((c) => c !== 'crisis').map((c) => badge(c, 'category')),
    h('span', {}, it.platform),
    h('span', { class: 'author' }, `@${it.author || 'unknown'}`),
    it.hidden ? badge('hidden', 'state') : null,
    h('span', { class: 'muted' }, `${age(it.created_ms, state.now)} ago`),
    it.claimed_by ? h('span', { class: 'claim' }, `claimed by ${it.claimed_by} until ${clockTime(it.claim_expires_ms)}`) : null),
  h('span', { class: 'snippet' }, it.snippet));
  return h('li', {}, btn);
}

function renderList() {
  const list = clear($('queue-list'));
  state.items.forEach((it, i) => list.append(entry(it, i)));
  $('queue-count').textContent = `(${state.items.length}${state.cursor ? '+' : ''})`;
  $('more').hidden = !state.cursor;
  if (!state.items.length) list.append(h('li', { class: 'muted' }, 'Nothing to review. Thank you.'));
}

// The filters in the URL (route() calls this before loadQueue).
export function syncFilters() {
  state.filters = filtersFromHash();
  fillForm(state.filters);
}

export async function loadQueue(keepId) {
  const data = await api('GET', `/api/queue${query({ ...serverFilters(state.filters), limit: 50 })}`);
  state.items = data.items;
  state.cursor = data.next_cursor;
  state.now = data.now_ms || Date.now();
  let idx = keepId ? state.items.findIndex((i) => i.id === keepId) : -1;
  if (idx < 0) idx = Math.min(Math.max(state.selected, 0), state.items.length - 1);
  state.selected = idx;
  // Until the pane shows the selected item, nothing may act on the one it
  // showed, and a live refresh meanwhile keeps this selection, not that item.
  if (idx >= 0 && (!state.current || state.current.item.id !== state.items[idx].id)) {
    state.current = null;
    $('item-pane').setAttribute('aria-busy', 'true');
  }
  renderList();
  if (idx >= 0) await showItem(state.items[idx].id);
  else showEmpty();
}

async function loadMore() {
  const data = await api('GET', `/api/queue${query({ ...serverFilters(state.filters), limit: 50, cursor: state.cursor })}`);
  state.items.push(...data.items);
  state.cursor = data.next_cursor;
  renderList();
}

function showEmpty() {
  state.current = null;
  $('item-pane').removeAttribute('aria-busy');
  clear($('item-body'));
  $('item-empty').hidden = false;
}

async function select(index) {
  if (index < 0 || index >= state.items.length) return;
  state.selected = index;
  // Until the pane shows this item, no key may act on the one it showed.
  state.current = null;
  $('item-pane').setAttribute('aria-busy', 'true');
  for (const b of document.querySelectorAll('.queue-entry')) {
    b.setAttribute('aria-current', b.dataset.id === String(state.items[index].id) ? 'true' : 'false');
  }
  const btn = document.querySelector(`.queue-entry[data-id="${state.items[index].id}"]`);
  if (btn) { btn.focus({ preventScroll: true }); btn.scrollIntoView({ block: 'nearest' }); }
  await showItem(state.items[index].id);
  // One column (a phone, or 200% zoom): the item opens at the top of the screen.
  if (singleColumn()) $('item-pane').scrollIntoView({ block: 'start' });
}

function singleColumn() {
  return window.matchMedia('(max-width: 50rem)').matches;
}

// The item keys act on: the one selected in the list, shown in the pane
// and on screen. Otherwise nothing is decided (issue 12: at 200% zoom `j`
// then `a` approved an item that was not on screen).
function actionable() {
  const v = state.current;
  const sel = state.items[state.selected];
  if (!v || !sel || sel.id !== v.item.id) {
    announce('Select an item first: nothing was decided.');
    return null;
  }
  const text = $('comment-text');
  const r = text ? text.getBoundingClientRect() : null;
  if (!r || r.bottom <= 0 || r.top >= window.innerHeight || r.height === 0) {
    $('item-pane').scrollIntoView({ block: 'start' });
    announce('The item was not on screen; it is now. Press the key again to decide it.');
    return null;
  }
  return v;
}

function section(title, ...content) {
  return h('section', { 'aria-label': title }, h('h4', {}, title), ...content);
}

// Claims the open item (renewed while it stays open) and lets go of the last.
async function claim(id) {
  clearInterval(state.claimTimer);
  if (state.claimed && state.claimed !== id) {
    const prev = state.claimed;
    state.claimed = 0;
    api('DELETE', `/api/items/${prev}/claim`).catch(() => {});
  }
  try {
    const r = await api('POST', `/api/items/${id}/claim`);
    state.claimed = id;
    state.claimTimer = setInterval(() => {
      api('POST', `/api/items/${id}/claim`).catch(() => clearInterval(state.claimTimer));
    }, CLAIM_RENEW_MS);
    return r.item;
  } catch (e) {
    if (e instanceof ApiError && e.status === 409 && e.body.item) return e.body.item;
    return null;
  }
}

async function showItem(id) {
  const v = await api('GET', `/api/items/${id}`);
  // A later selection won the race: leave the pane to it.
  if (state.items[state.selected] && state.items[state.selected].id !== id) return;
  const open = v.item.state === 'pending' || v.item.state === 'escalated';
  if (open) {
    const claimed = await claim(id);
    if (claimed) Object.assign(v.item, { claimed_by: claimed.claimed_by, claim_expires_ms: claimed.claim_expires_ms });
    if (state.items[state.selected] && state.items[state.selected].id !== id) return;
  }
  showItemView(v);
}

function showItemView(v) {
  state.current = v;
  $('item-pane').removeAttribute('aria-busy');
  $('item-empty').hidden = true;
  const body = clear($('item-body'));
  const it = v.item;
  if (it.claimed_by && it.claimed_by !== currentUser) {
    body.append(h('p', { class: 'claim-note', role: 'note', id: 'claim-note' }, `${claimText(it)}. Decisions wait until they let go or the claim lapses.`));
  }
  if (it.crisis) {
    body.append(h('div', { class: 'support', role: 'note', 'aria-label': 'Crisis support' },
      h('h4', {}, 'Someone may be in crisis'),
      h('p', {}, v.support_wording)));
  }
  const spans = [];
  const matches = (v.verdict && v.verdict.matches) || [];
  for (const m of matches) for (const s of m.spans) spans.push(s);
  body.append(
    h('p', { class: 'entry-meta' },
      badge(it.priority, it.priority), badge(it.state, 'state'),
      it.categories.map((c) => badge(c, c === 'crisis' ? 'crisis' : 'category')),
      h('span', {}, `${v.comment.platform} · ${v.comment.account}`),
      h('span', {}, `@${v.comment.author.handle || 'unknown'}`),
      h('span', { class: 'muted' }, `received ${when(v.comment.received_ms)}`),
      it.hidden ? badge('hidden on platform', 'state') : null),
    h('div', { class: 'comment-text', id: 'comment-text', 'aria-label': 'Full comment' },
      highlighted(v.comment.text, spans, 'matched by a rule')),
    section('Why it was flagged',
      h('p', {}, v.verdict ? v.verdict.explanation : ''),
      h('ul', {}, matches.map((m) => h('li', {},
        h('strong', {}, m.rule_id), ` (${m.category}, ${m.action}, ${m.priority}): ${m.description}`))),
      // Watched rules that matched too: named, never the reason it was flagged.
      (v.verdict && v.verdict.shadow && v.verdict.shadow.length)
        ? h('p', { class: 'muted' }, 'Shadow rules that also matched (no effect): ',
          v.verdict.shadow.map((m) => `${m.rule_id} (${m.category})`).join(', '))
        : null),
    actionsBar(it),
    replySection(it.id),
    section('The post it answered',
      h('p', {}, v.post.text || '(text not stored)'),
      h('p', { class: 'muted' }, v.post.id)),
    section('Author history',
      v.history.length
        ? h('ul', {}, v.history.map((x) => h('li', {},
          `${when(x.received_ms)} · ${x.state}${x.last_decision ? ` (${x.last_decision} by ${x.last_actor})` : ''}: `,
          h('span', {}, x.snippet))))
        : h('p', { class: 'muted' }, 'No earlier flagged comments from this author.')),
    section('Audit',
      h('ul', {}, v.audit.map((a) => h('li', {},
        `${when(a.at_ms)} · ${a.actor} · ${a.action}${a.to && a.from !== a.to ? ` (${a.from || 'new'} → ${a.to})` : ''}${a.note ? ` · ${a.note}` : ''}`)))),
    v.actions.length ? section('Platform actions',
      h('ul', {}, v.actions.map((a) => h('li', {},
        `${a.kind}: ${a.state}${a.attempts ? `, ${a.attempts} attempt(s)` : ''}${a.last_error ? ` · ${a.last_error}` : ''}`)))) : '',
  );
}

function actionsBar(it) {
  const open = it.state === 'pending' || it.state === 'escalated';
  const held = !!(it.claimed_by && it.claimed_by !== currentUser);
  const can = open && !held;
  const btn = (label, key, cls, enabled, fn) => h('button', {
    type: 'button', class: cls, disabled: !enabled, 'aria-disabled': enabled ? 'false' : 'true',
    'aria-keyshortcuts': key, 'data-action': label.toLowerCase(), onclick: fn,
  }, `${label} (${key})`);
  return h('div', { class: 'actions', role: 'group', 'aria-label': 'Decision' },
    h('p', {}, h('label', { for: 'note' }, 'Note'), h('input', { id: 'note', size: 24, autocomplete: 'off', disabled: !can && open })),
    btn('Approve', 'a', 'primary', can, () => decide('approve')),
    btn('Remove', 'r', 'danger', can, () => decide('remove')),
    btn('Escalate', 'e', '', can && it.state === 'pending', () => decide('escalate')),
    btn('Undo', 'u', '', state.lastDecided.length > 0 || !open, () => undo()),
    btn('Reopen', 'o', '', !open, () => reopen()),
    open ? null : h('p', { class: 'muted' }, `Decided: ${it.state}. Reopen puts it back in the queue and reverses what was done on the platform.`));
}

let currentUser = '';
export function setQueueUser(name) { currentUser = name; }

// Opens one item by id (an alert's link, `#item=ID`): selected in the list
// when it is there, else shown alone in the pane (decided, or filtered out).
export async function openItem(id) {
  const idx = state.items.findIndex((i) => i.id === id);
  if (idx >= 0) return select(idx);
  state.selected = -1;
  for (const b of document.querySelectorAll('.queue-entry')) b.setAttribute('aria-current', 'false');
  await showItem(id);
}

// Removing a crisis comment: the moderator confirms (by key or mouse) that
// the person has been answered; the server refuses it without.
function confirmCrisisRemoval() {
  const d = $('confirm-crisis');
  return new Promise((resolve) => {
    const done = (ok) => { d.removeEventListener('close', onClose); resolve(ok); };
    const onClose = () => done(d.returnValue === 'remove');
    d.returnValue = '';
    d.addEventListener('close', onClose);
    d.showModal();
    $('confirm-crisis-cancel').focus();
  });
}

function nextAfterDecision() {
  const next = state.items[state.selected + 1] || state.items[state.selected - 1];
  return next ? next.id : undefined;
}

// After a decision: focus on the next item in the list and its text read out,
// so a screen-reader user keeps their place.
function focusSelected(prefix) {
  const it = state.items[state.selected];
  if (!it) { $('queue-list').focus(); announce(`${prefix} Nothing left to review.`); return; }
  const btn = document.querySelector(`.queue-entry[data-id="${it.id}"]`);
  if (btn) btn.focus({ preventScroll: false });
  const text = state.current && state.current.comment ? state.current.comment.text : it.snippet;
  announce(`${prefix} Next: ${it.crisis ? 'crisis, ' : ''}${it.priority} priority, ${text}`);
}

async function decide(decision) {
  const v = state.current;
  if (!v) return;
  const it = v.item;
  if (!(it.state === 'pending' || it.state === 'escalated')) { announce(`Item ${it.id} is already ${it.state}; reopen it first.`); return; }
  if (it.claimed_by && it.claimed_by !== currentUser) { announce(`${claimText(it)}.`); return; }
  const id = it.id;
  const body = { decision, note: ($('note') && $('note').value) || '', version: it.version };
  if (decision === 'remove' && it.crisis) {
    if (!(await confirmCrisisRemoval())) { announce('Not removed.'); $('comment-text') && $('comment-text').focus(); return; }
    body.confirm = true;
  }
  try {
    await api('POST', `/api/items/${id}/decision`, body);
    state.lastDecided.push(id);
    state.claimed = state.claimed === id ? 0 : state.claimed;
    const done = `${decision === 'approve' ? 'Approved' : decision === 'remove' ? 'Removed' : 'Escalated'} item ${id}. Press u to undo.`;
    await loadQueue(nextAfterDecision());
    focusSelected(done);
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) {
      const b = e.body;
      announce(b.decided_by
        ? `Already decided: ${b.decision} by ${b.decided_by} at ${when(b.decided_at_ms)}.`
        : e.message);
      await loadQueue(id);
    } else {
      announce(`Could not ${decision}: ${e.message}`);
    }
  }
}

async function reopen() {
  const v = state.current;
  if (!v) return;
  const id = v.item.id;
  try {
    await api('POST', `/api/items/${id}/reopen`, { note: ($('note') && $('note').value) || '' });
    announce(`Reopened item ${id}: it is back in the queue.`);
    await loadQueue(id);
    const a = document.querySelector('.actions [data-action="approve"]');
    if (a) a.focus();
  } catch (e) {
    announce(`Could not reopen: ${e.message}`);
  }
}

async function undo() {
  const id = state.lastDecided.length ? state.lastDecided[state.lastDecided.length - 1]
    : state.current && state.current.item.id;
  if (!id) return;
  try {
    await api('POST', `/api/items/${id}/undo`);
    state.lastDecided.pop();
    announce(`Undone: item ${id} is back in the queue.`);
    await loadQueue(id);
  } catch (e) {
    announce(`Could not undo: ${e.message}`);
  }
}

function typing(target) {
  return target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

export function onKey(ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) return false;
  switch (ev.key) {
    case 'j': select(Math.min(state.selected + 1, state.items.length - 1)); return true;
    case 'k': select(Math.max(state.selected - 1, 0)); return true;
    case 'a': if (actionable()) decide('approve'); return true;
    case 'r': if (actionable()) decide('remove'); return true;
    case 'e': if (actionable()) decide('escalate'); return true;
    case 'u': undo(); return true;
    case 'o': reopen(); return true;
    case '/': $('f-q').focus(); return true;
    default: return false;
  }
}

export function initQueue() {
  $('filters').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.selected = 0;
    // The URL carries the filters; route() reloads the queue on hashchange.
    const hash = hashFor(formFilters(ev.target));
    if (location.hash !== hash) { location.hash = hash; return; }
    syncFilters();
    loadQueue().catch((e) => announce(e.message));
  });
  $('more').addEventListener('click', () => loadMore().catch((e) => announce(e.message)));
}

// --- live updates (live.js tells of a change; the list is refetched) ---
let seenOpen = null;  // ids of open items already seen, for "new" alerts
let refreshing = null;

// Refetches the open queue's top (for new-item alerts) and, when the queue
// view shows, the list with the moderator's filters, keeping their place:
// the selection, the focused row, the scroll position and a typed note.
// Returns the open items not seen before (none on the first call).
export function liveRefresh(showing) {
  // One refresh at a time; a change during one is folded into the next.
  const run = async () => {
    const top = await api('GET', `/api/queue${query({ state: 'open', limit: 50 })}`);
    const fresh = seenOpen ? top.items.filter((it) => !seenOpen.has(it.id)) : [];
    seenOpen = new Set([...(seenOpen || []), ...top.items.map((it) => it.id)]);
    if (showing) await refreshList();
    return fresh;
  };
  refreshing = (refreshing || Promise.resolve()).catch(() => []).then(run);
  return refreshing;
}

async function refreshList() {
  const limit = Math.min(200, Math.max(50, state.items.length));
  const data = await api('GET', `/api/queue${query({ ...serverFilters(state.filters), limit })}`);
  const active = document.activeElement;
  const focusId = active && active.classList && active.classList.contains('queue-entry') ? active.dataset.id : null;
  const focusIndex = focusId ? state.items.findIndex((i) => String(i.id) === focusId) : -1;
  const selId = state.current ? state.current.item.id : (state.items[state.selected] || {}).id;
  // The place to keep on screen: the focused element outside the list (a
  // note being typed stays put), else the focused or selected row.
  const outside = active && active !== document.body && active.id !== 'main' && !focusId && !$('queue-list').contains(active);
  const anchorId = focusId || (selId && String(selId));
  const rowOf = () => anchorId && document.querySelector(`.queue-entry[data-id="${anchorId}"]`);
  const anchor = outside ? active : rowOf();
  const top = anchor ? anchor.getBoundingClientRect().top : null;
  const oldVersion = state.current ? state.current.item.version : null;

  state.items = data.items;
  state.cursor = data.next_cursor;
  state.now = data.now_ms || Date.now();
  state.selected = selId ? state.items.findIndex((i) => i.id === selId) : -1;
  renderList();
  if (focusId) {
    let b = document.querySelector(`.queue-entry[data-id="${focusId}"]`);
    // The focused row left the list (decided elsewhere): its neighbour takes focus.
    if (!b && focusIndex >= 0) b = document.querySelectorAll('.queue-entry')[Math.min(focusIndex, state.items.length - 1)];
    if (b) b.focus({ preventScroll: true });
  }
  const again = outside ? (document.contains(active) ? active : null) : rowOf();
  if (again && top !== null) window.scrollBy(0, again.getBoundingClientRect().top - top);
  // The item in the pane moved on (another moderator): show its new state,
  // keeping a typed note and the focus inside the pane.
  const now = selId && state.items.find((i) => i.id === selId);
  if (state.current && (!now || now.version !== oldVersion)) await repaintPane(state.current.item.id);
}

async function repaintPane(id) {
  const note = $('note') ? $('note').value : '';
  const active = document.activeElement;
  const inPane = active && $('item-pane').contains(active);
  const key = inPane ? (active.id ? `#${active.id}` : active.getAttribute('aria-keyshortcuts') ? `[aria-keyshortcuts="${active.getAttribute('aria-keyshortcuts')}"]` : null) : null;
  const keep = state.current;
  const v = await api('GET', `/api/items/${id}`);
  if (state.current !== keep) return;  // the moderator moved on meanwhile
  showItemView(v);
  if ($('note')) $('note').value = note;
  if (key) { const el = $('item-pane').querySelector(key); if (el) el.focus({ preventScroll: true }); }
}
