// Answering the person from an item (issue 12 §1): saved replies (crisis
// ones first on a crisis item), edited before sending, counted against the
// platform's limit as it is typed, public or private where the platform
// allows, sent through the server's replies outbox (exactly once). The server
// counts again and refuses what the platform would; this count is a guide.
import { api, ApiError } from './api.js';
import { h, append, when, announce } from './dom.js';

const URL_RE = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'’”]/gu;
const MENTION_RE = /(^|[^\w/=@])@([a-z0-9_]+(?:[.-][a-z0-9_]+)*)@[a-z0-9.-]+\.[a-z0-9]+/giu;

function graphemes(text) {
  if (typeof Intl !== 'undefined' && Intl.Segmenter) {
    let n = 0;
    for (const _ of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)) n += 1;
    return n;
  }
  return [...text].length;
}

// As the platform counts (bot/platforms/replies.h CountReplyText).
export function countAs(counting, text) {
  if (counting === 'mastodon') {
    const t = text.replace(URL_RE, 'x'.repeat(23)).replace(MENTION_RE, (m, pre, user) => `${pre}@${user}`);
    return graphemes(t);
  }
  if (counting === 'graphemes') return graphemes(text);
  return [...text].length;
}

function newKey() {
  if (crypto && crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

function replyLine(r) {
  const what = `${when(r.created_ms)} · ${r.created_by} · ${r.private ? 'private' : 'public'} · ${r.state}`;
  return h('li', {}, what, r.url ? [' · ', h('a', { href: r.url, target: '_blank', rel: 'noopener' }, 'open the reply')] : '',
    r.last_error ? h('span', { class: 'muted' }, ` · ${r.last_error}`) : '',
    h('div', { class: 'muted' }, r.text));
}

export function replySection(itemId) {
  const box = h('section', { 'aria-label': 'Reply', id: 'reply' }, h('h4', {}, 'Reply'), h('p', { class: 'muted' }, 'Loading…'));
  load(box, itemId).catch((e) => { box.lastChild.textContent = `Replies unavailable: ${e.message}`; });
  return box;
}

async function load(box, itemId) {
  const v = await api('GET', `/api/items/${itemId}/replies`);
  const caps = v.capabilities;
  let key = newKey();
  let template = '';
  const text = h('textarea', { id: 'reply-text', rows: 6, cols: 48, 'aria-describedby': 'reply-count reply-note' });
  const count = h('p', { id: 'reply-count', 'aria-live': 'polite' });
  const isPrivate = () => box.querySelector('input[name="reply-kind"]:checked')?.value === 'private';
  const limit = () => (isPrivate() ? caps.max_private : caps.max);
  const update = () => {
    const n = countAs(caps.counting, (v.prefix || '') + text.value);
    const over = n > limit();
    count.textContent = `${n} / ${limit()}${v.prefix ? ` (with "${v.prefix.trim()}" first)` : ''}${over ? ' - too long for this platform' : ''}`;
    count.className = over ? 'error' : 'muted';
    send.disabled = over || !text.value.trim();
  };
  const pick = h('select', { id: 'reply-template', 'aria-label': 'Saved reply' },
    h('option', { value: '' }, 'Start from a saved reply…'),
    v.templates.map((t, i) => h('option', { value: String(i) }, `${t.offered_first ? '★ ' : ''}${t.title}`)));
  pick.addEventListener('change', () => {
    if (pick.value === '') return;
    const t = v.templates[Number(pick.value)];
    text.value = t.text;
    template = t.name;
    update();
    text.focus();
  });
  text.addEventListener('input', update);
  const kind = h('fieldset', { class: 'reply-kind' }, h('legend', {}, 'Where'),
    h('label', {}, h('input', { type: 'radio', name: 'reply-kind', value: 'public', checked: true, disabled: !caps.public }), ' Public reply'),
    h('label', {}, h('input', { type: 'radio', name: 'reply-kind', value: 'private', disabled: !caps.private }), ' Private'));
  kind.addEventListener('change', update);
  const send = h('button', { type: 'button', class: 'primary', id: 'reply-send' }, 'Send reply');
  const list = h('ul', { id: 'reply-list' }, v.replies.map(replyLine));
  send.addEventListener('click', async () => {
    send.disabled = true;
    try {
      const r = await api('POST', `/api/items/${itemId}/replies`,
        { text: text.value, private: isPrivate(), template, key });
      list.append(replyLine(r.reply));
      announce(`Reply queued: it is sent within seconds and shown here with its link.`);
      text.value = '';
      template = '';
      pick.value = '';
      key = newKey();  // the next reply is another reply
    } catch (e) {
      announce(e instanceof ApiError ? `Not sent: ${e.message}` : `Not sent: ${e.message}`);
      count.textContent = `Not sent: ${e.message}`;
      count.className = 'error';
      send.disabled = false;
    }
  });
  // append() flattens the nested list; replaceChildren() would print it.
  box.replaceChildren();
  append(box, [h('h4', {}, 'Reply'),
    h('p', { id: 'reply-note', class: 'muted' }, caps.note),
    v.templates_error ? h('p', { class: 'error', role: 'alert' }, `Saved replies not updated (${v.templates_file}): ${v.templates_error}`) : '',
    caps.public || caps.private
      ? [h('p', {}, pick), h('p', {}, h('label', { for: 'reply-text' }, 'Your reply (edit before sending)')), h('p', {}, text), count, kind, h('p', {}, send)]
      : '',
    list]);
  update();
}
