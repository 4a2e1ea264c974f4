import { api } from './api.js';
import { h } from './dom.js';

// The key is sent once to /v1/session and comes back as an HttpOnly cookie: it is never stored here.
export function loginView(root, onLoggedIn) {
  const input = h('input', { id: 'key', type: 'password', autocomplete: 'current-password', required: true });
  const err = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'login card', onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    try {
      await api('POST', '/v1/session', { key: input.value });
      input.value = '';
      await onLoggedIn();
    } catch (ex) {
      err.textContent = ex.status === 401 ? 'That key is not valid.' : ex.message;
      input.select();
    }
  } },
  h('h1', {}, 'Log in'),
  h('label', { for: 'key' }, 'API key'), input,
  h('button', { type: 'submit' }, 'Log in'), err);
  root.append(form);
  input.focus();
  return {};
}
