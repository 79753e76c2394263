// The queue's filters live in the URL (#queue?state=all&q=…), so a reload
// or the Back button brings them back. Category and platform are matched
// case-insensitively by the server; a search looks in every state unless
// the moderator picked one other than "Open".
const KEYS = ['state', 'priority', 'category', 'platform', 'q'];
const $ = (id) => document.getElementById(id);

export function viewOf(hash) {
  return (hash || '#queue').slice(1).split('?')[0] || 'queue';
}

export function filtersFromHash(hash = location.hash) {
  const qs = (hash || '').split('?')[1] || '';
  const p = new URLSearchParams(qs);
  const f = {};
  for (const k of KEYS) {
    const v = (p.get(k) || '').trim();
    if (v) f[k] = v;
  }
  if (!f.state) f.state = 'open';
  return f;
}

export function hashFor(filters) {
  const p = new URLSearchParams();
  for (const k of KEYS) {
    const v = filters[k];
    if (v && !(k === 'state' && v === 'open')) p.set(k, v);
  }
  const s = p.toString();
  return s ? `#queue?${s}` : '#queue';
}

export function formFilters(form) {
  const f = {};
  for (const [k, v] of new FormData(form).entries()) if (String(v).trim() !== '') f[k] = String(v).trim();
  if (!f.state) f.state = 'open';
  return f;
}

export function fillForm(filters) {
  for (const k of KEYS) {
    const el = $(`f-${k}`);
    if (el) el.value = filters[k] || (k === 'state' ? 'open' : '');
  }
  $('f-note').textContent = filters.q && filters.state === 'open'
    ? 'Searching every state (pick a state to narrow it).' : '';
}

// What the server is asked for.
export function serverFilters(filters) {
  const f = { ...filters };
  if (f.q && f.state === 'open') f.state = 'all';
  return f;
}
