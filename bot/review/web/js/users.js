// The Users view (admins): list, add (a one-time password shown once),
// change role, disable or enable (ends sessions), reset a password.
import { api, ApiError } from './api.js';
import { h, clear, when, announce } from './dom.js';

const $ = (id) => document.getElementById(id);
let me = '';

function showSecret(name, password) {
  const box = clear($('user-secret'));
  box.hidden = false;
  box.append(h('p', {}, `One-time password for ${name} (shown once; give it to them privately): `,
    h('code', { id: 'one-time-password' }, password)));
}

async function change(name, what, body) {
  try {
    const r = await api('POST', `/api/users/${encodeURIComponent(name)}/${what}`, body);
    if (r.password) showSecret(name, r.password);
    announce(`${name}: ${what === 'role' ? `now ${r.user.role}` : what === 'reset' ? 'password reset, logged out everywhere'
      : what === 'disable' ? 'disabled and logged out' : 'enabled'}.`);
    await showUsers();
  } catch (e) {
    announce(`Could not change ${name}: ${e.message}`);
  }
}

function row(u) {
  const self = u.name === me;
  const role = h('select', { 'aria-label': `Role of ${u.name}`, disabled: self,
    onchange: (ev) => change(u.name, 'role', { role: ev.target.value }) },
  ['moderator', 'admin'].map((r) => h('option', { value: r, selected: u.role === r }, r)));
  return h('tr', { 'data-user': u.name },
    h('th', { scope: 'row' }, u.name, self ? ' (you)' : ''),
    h('td', {}, role),
    h('td', {}, u.disabled ? 'disabled' : 'active'),
    h('td', {}, when(u.created_ms)),
    h('td', {},
      h('button', { type: 'button', disabled: self, 'aria-disabled': self ? 'true' : 'false',
        onclick: () => change(u.name, u.disabled ? 'enable' : 'disable') },
      u.disabled ? `Enable ${u.name}` : `Disable ${u.name}`),
      ' ',
      h('button', { type: 'button', onclick: () => change(u.name, 'reset') }, `Reset password of ${u.name}`)));
}

export async function showUsers() {
  const data = await api('GET', '/api/users');
  const body = clear($('users-body'));
  body.append(h('div', { class: 'table-scroll' }, h('table', {},
    h('caption', { class: 'visually-hidden' }, 'Users'),
    h('thead', {}, h('tr', {}, ['User', 'Role', 'State', 'Added', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, data.users.map(row)))));
}

export function initUsers(user) {
  me = user;
  const form = $('user-add');
  if (form.dataset.ready) return;
  form.dataset.ready = '1';
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const name = $('user-name').value.trim();
    try {
      const r = await api('POST', '/api/users', { name, role: $('user-role').value });
      showSecret(name, r.password);
      $('user-name').value = '';
      await showUsers();
    } catch (e) {
      announce(`Could not add ${name}: ${e instanceof ApiError ? e.message : e}`);
    }
  });
}
