// Building DOM safely: every string becomes a text node (textContent), never
// markup. There is no innerHTML anywhere in this page.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

// The text with the byte ranges [begin, end) of its UTF-8 encoding wrapped in
// <mark>: the rule engine reports spans as UTF-8 byte offsets.
export function highlighted(text, spans, label) {
  const bytes = new TextEncoder().encode(text);
  const dec = new TextDecoder();
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  const out = [];
  let pos = 0;
  for (const [b, e] of sorted) {
    if (b < pos || e > bytes.length || b >= e) continue;
    if (b > pos) out.push(document.createTextNode(dec.decode(bytes.subarray(pos, b))));
    const m = document.createElement('mark');
    m.textContent = dec.decode(bytes.subarray(b, e));
    if (label) m.title = label;
    out.push(m);
    pos = e;
  }
  if (pos < bytes.length) out.push(document.createTextNode(dec.decode(bytes.subarray(pos))));
  return out;
}

export function age(ms, now = Date.now()) {
  const m = Math.max(0, Math.round((now - ms) / 60000));
  if (m < 60) return `${m} min`;
  if (m < 48 * 60) return `${Math.round(m / 60)} h`;
  return `${Math.round(m / 1440)} d`;
}

export function when(ms) {
  return new Date(ms).toLocaleString();
}

export function announce(message) {
  const s = document.getElementById('status');
  s.textContent = '';
  // A fresh text node makes screen readers announce repeated messages too.
  setTimeout(() => { s.textContent = message; }, 10);
}
