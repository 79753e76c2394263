// The JSON API (see bot/review/README.md). Every state change carries the
// session's CSRF token; the session cookie itself is HttpOnly.
let csrf = '';

// The page may live under a sub-path behind a proxy (/aasr/): API paths are
// written from the root (/api/queue) and resolved against the folder this
// module was loaded from, one level up from js/.
const base = new URL('../', import.meta.url);
export function apiUrl(path) { return new URL(path.replace(/^\//, ''), base).href; }

export function setCsrf(token) { csrf = token; }

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.error ? body.error : `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export async function api(method, path, body) {
  const opts = { method, credentials: 'same-origin', headers: {} };
  if (method !== 'GET') opts.headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const resp = await fetch(apiUrl(path), opts);
  let data = null;
  try { data = await resp.json(); } catch (_) { data = null; }
  if (!resp.ok) throw new ApiError(resp.status, data);
  return data;
}

export function query(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}
