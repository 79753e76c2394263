// Stats, rules, "try a comment" and audit views.
import { api, query } from './api.js';
import { h, svg, clear, highlighted, when } from './dom.js';

const $ = (id) => document.getElementById(id);

function table(caption, headers, rows) {
  return h('table', {},
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, headers.map(([label, num]) => h('th', { scope: 'col', class: num ? 'num' : '' }, label)))),
    h('tbody', {}, rows));
}

// A stacked bar chart of flags per category per day, with the same numbers in
// a table for screen readers and for anyone who prefers numbers.
function chart(perDay) {
  const days = [...new Set(perDay.map((d) => d.day))].sort();
  const cats = [...new Set(perDay.map((d) => d.category))].sort();
  const count = (day, cat) => (perDay.find((d) => d.day === day && d.category === cat) || { count: 0 }).count;
  const totals = days.map((d) => cats.reduce((s, c) => s + count(d, c), 0));
  const max = Math.max(1, ...totals);
  const W = 720, H = 240, pad = 30, bw = Math.max(4, Math.floor((W - pad * 2) / Math.max(days.length, 1)) - 4);
  const g = svg('svg', { viewBox: `0 0 ${W} ${H + 40}`, role: 'img', 'aria-labelledby': 'chart-title' },
    svg('title', { id: 'chart-title' }, `Flags per category per day, ${days.length} days; the table below has the numbers`));
  g.append(svg('line', { x1: pad, y1: H, x2: W - pad, y2: H, stroke: '#1a1a1a' }));
  g.append(svg('text', { x: 2, y: 12 }, String(max)));
  days.forEach((day, i) => {
    let y = H;
    const x = pad + i * (bw + 4);
    cats.forEach((cat, ci) => {
      const n = count(day, cat);
      if (!n) return;
      const bh = Math.round((n / max) * (H - 20));
      y -= bh;
      g.append(svg('rect', { x, y, width: bw, height: bh, class: `s${ci % 8}` },
        svg('title', {}, `${day} ${cat}: ${n}`)));
    });
    if (days.length <= 16 || i % Math.ceil(days.length / 12) === 0) {
      g.append(svg('text', { x, y: H + 14 }, day.slice(5)));
    }
  });
  const legend = h('ul', { class: 'legend', 'aria-label': 'Legend' },
    cats.map((c, ci) => h('li', {}, h('span', { class: `swatch s${ci % 8}`, 'aria-hidden': 'true' }), c)));
  const rows = days.map((d, i) => h('tr', {}, h('th', { scope: 'row' }, d),
    cats.map((c) => h('td', { class: 'num' }, String(count(d, c)))), h('td', { class: 'num' }, String(totals[i]))));
  return h('div', { class: 'chart' }, g, legend,
    h('details', {}, h('summary', {}, 'The numbers'),
      table('Flags per category per day', [['Day'], ...cats.map((c) => [c, true]), ['Total', true]], rows)));
}

function ratioCell(approved, removed) {
  const total = approved + removed;
  if (!total) return h('td', { class: 'muted' }, 'no decisions yet');
  const ap = Math.round((approved / total) * 100);
  const bar = (cls, pct) => h('span', { class: `ratio ${cls}`, 'aria-hidden': 'true', 'data-pct': pct });
  const cell = h('td', {}, bar('approved', ap), bar('removed', 100 - ap), ` ${ap}% approved · ${100 - ap}% removed`);
  // Widths through the CSSOM: the CSP forbids style attributes in markup.
  const [a, r] = cell.querySelectorAll('.ratio');
  a.style.width = `${ap * 0.8}px`;
  r.style.width = `${(100 - ap) * 0.8}px`;
  return cell;
}

export async function showStats() {
  const body = clear($('stats-body'));
  const s = await api('GET', '/api/stats?days=30');
  body.append(h('p', {}, `Last ${s.days} days.`));
  body.append(s.per_day.length ? chart(s.per_day) : h('p', { class: 'muted' }, 'No flags yet.'));
  body.append(h('h3', {}, 'Decisions per rule'));
  body.append(table('Decisions per rule', [['Rule'], ['Category'], ['Hits', true], ['Approved', true], ['Removed', true], ['Open', true]],
    s.per_rule.map((r) => h('tr', {}, h('th', { scope: 'row' }, r.rule_id), h('td', {}, r.category),
      h('td', { class: 'num' }, String(r.hits)), h('td', { class: 'num' }, String(r.approved)),
      h('td', { class: 'num' }, String(r.removed)), h('td', { class: 'num' }, String(r.pending))))));
}

export async function showRules() {
  const body = clear($('rules-body'));
  const data = await api('GET', '/api/rules');
  if (!data.loaded) body.append(h('p', { class: 'error' }, 'No rule set is loaded.'));
  // A shadow rule matches and is counted but never queues or hides: its hits
  // are what it would have done, so organizers can watch it before it acts.
  const shadow = data.rules.filter((r) => r.mode === 'shadow').length;
  if (shadow) body.append(h('p', { class: 'muted' }, `${shadow} rule(s) in shadow mode: counted, never acting.`));
  body.append(table('Rules', [['Rule'], ['Mode'], ['Category'], ['Hits', true], ['Moderators approved vs removed'], ['Open', true]],
    data.rules.map((r) => h('tr', { class: r.mode === 'shadow' ? 'shadow-rule' : '' },
      h('th', { scope: 'row' }, r.id, r.active ? '' : ' (no longer active)'),
      h('td', {}, r.mode === 'shadow' ? 'shadow (would-be hits)' : (r.mode || '')), h('td', {}, r.category),
      h('td', { class: 'num' }, String(r.hits)), ratioCell(r.approved, r.removed),
      h('td', { class: 'num' }, String(r.pending))))));
}

export function initTry() {
  $('try-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const out = clear($('try-result'));
    try {
      const text = $('try-text').value;
      const v = await api('POST', '/api/try', { text });
      const spans = v.matches.flatMap((m) => m.spans);
      out.append(
        h('p', {}, h('strong', {}, `Verdict: ${v.action}`), ` (priority ${v.priority})`),
        h('div', { class: 'comment-text' }, highlighted(v.text, spans, 'matched by a rule')),
        h('p', {}, v.explanation),
        h('ul', {}, v.matches.map((m) => h('li', {}, h('strong', {}, m.rule_id), ` (${m.category}, ${m.action}): ${m.description}`))));
      if (v.shadow && v.shadow.length) {
        out.append(h('p', { class: 'muted' }, 'Shadow rules that matched (no effect): ',
          v.shadow.map((m) => `${m.id} (${m.category})`).join(', ')));
      }
    } catch (e) {
      out.append(h('p', { class: 'error' }, e.message));
    }
  });
}

let auditBefore = 0;
export async function showAudit(more) {
  const body = more ? $('audit-body') : clear($('audit-body'));
  if (!more) auditBefore = 0;
  const data = await api('GET', `/api/audit${query({ before: auditBefore || '', limit: 100 })}`);
  const rows = data.entries.map((a) => h('tr', {}, h('td', {}, when(a.at_ms)), h('td', {}, a.actor), h('td', {}, a.action),
    h('td', {}, a.item_id ? String(a.item_id) : ''), h('td', {}, a.from && a.to ? `${a.from} → ${a.to}` : a.to || ''), h('td', {}, a.note)));
  if (!more) body.append(table('Audit log', [['When'], ['Who'], ['What'], ['Item'], ['State'], ['Note']], rows));
  else body.querySelector('tbody').append(...rows);
  auditBefore = data.next_before || 0;
  $('audit-more').hidden = !data.next_before;
}
