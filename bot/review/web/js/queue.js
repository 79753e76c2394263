// The queue view: the list, the item pane, decisions and keyboard work.
import { api, query, ApiError } from './api.js';
import { h, clear, highlighted, age, when, announce } from './dom.js';
import { replySection } from './reply.js';

const state = {
  items: [],
  selected: -1,
  cursor: '',
  filters: { state: 'open' },
  current: null,      // the item view loaded in the pane
  lastDecided: [],    // item ids, most recent last, for `u`
  now: Date.now(),
};

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
    h('span', { class: 'muted' }, `${age(it.created_ms, state.now)} ago`),
    it.claimed_by ? h('span', { class: 'muted' }, `claimed by ${it.claimed_by}`) : null),
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

export async function loadQueue(keepId) {
  const data = await api('GET', `/api/queue${query({ ...state.filters, limit: 50 })}`);
  state.items = data.items;
  state.cursor = data.next_cursor;
  state.now = data.now_ms || Date.now();
  let idx = keepId ? state.items.findIndex((i) => i.id === keepId) : -1;
  if (idx < 0) idx = Math.min(Math.max(state.selected, 0), state.items.length - 1);
  state.selected = idx;
  renderList();
  if (idx >= 0) await showItem(state.items[idx].id);
  else showEmpty();
}

async function loadMore() {
  const data = await api('GET', `/api/queue${query({ ...state.filters, limit: 50, cursor: state.cursor })}`);
  state.items.push(...data.items);
  state.cursor = data.next_cursor;
  renderList();
}

function showEmpty() {
  state.current = null;
  clear($('item-body'));
  $('item-empty').hidden = false;
}

async function select(index) {
  if (index < 0 || index >= state.items.length) return;
  state.selected = index;
  for (const b of document.querySelectorAll('.queue-entry')) {
    b.setAttribute('aria-current', b.dataset.id === String(state.items[index].id) ? 'true' : 'false');
  }
  const btn = document.querySelector(`.queue-entry[data-id="${state.items[index].id}"]`);
  if (btn) { btn.focus({ preventScroll: true }); btn.scrollIntoView({ block: 'nearest' }); }
  await showItem(state.items[index].id);
}

function section(title, ...content) {
  return h('section', { 'aria-label': title }, h('h4', {}, title), ...content);
}

async function showItem(id) {
  const v = await api('GET', `/api/items/${id}`);
  state.current = v;
  $('item-empty').hidden = true;
  const body = clear($('item-body'));
  const it = v.item;
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
  return h('div', { class: 'actions', role: 'group', 'aria-label': 'Decision' },
    h('p', {}, h('label', { for: 'note' }, 'Note'), h('input', { id: 'note', size: 24, autocomplete: 'off' })),
    h('button', { type: 'button', class: 'primary', disabled: !open, 'aria-keyshortcuts': 'a', onclick: () => decide('approve') }, 'Approve (a)'),
    h('button', { type: 'button', class: 'danger', disabled: !open, 'aria-keyshortcuts': 'r', onclick: () => decide('remove') }, 'Remove (r)'),
    h('button', { type: 'button', disabled: it.state !== 'pending', 'aria-keyshortcuts': 'e', onclick: () => decide('escalate') }, 'Escalate (e)'),
    h('button', { type: 'button', 'aria-keyshortcuts': 'u', onclick: () => undo() }, 'Undo (u)'));
}

async function decide(decision) {
  const v = state.current;
  if (!v) return;
  const id = v.item.id;
  const note = ($('note') && $('note').value) || '';
  try {
    await api('POST', `/api/items/${id}/decision`, { decision, note, version: v.item.version });
    state.lastDecided.push(id);
    announce(`${decision === 'approve' ? 'Approved' : decision === 'remove' ? 'Removed' : 'Escalated'} item ${id}. Press u to undo.`);
    // Move on to the next open item.
    const next = state.items[state.selected + 1];
    await loadQueue(next ? next.id : undefined);
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
    case 'a': decide('approve'); return true;
    case 'r': decide('remove'); return true;
    case 'e': decide('escalate'); return true;
    case 'u': undo(); return true;
    case '/': $('f-q').focus(); return true;
    default: return false;
  }
}

export function initQueue() {
  $('filters').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    state.filters = Object.fromEntries([...f.entries()].filter(([, v]) => v !== ''));
    state.selected = 0;
    loadQueue().catch((e) => announce(e.message));
  });
  $('more').addEventListener('click', () => loadMore().catch((e) => announce(e.message)));
}
