// The dashboard: a hash router over four views. Data comes from the API and the WebSocket only.
import { api } from './api.js';
import { h } from './dom.js';
import { loginView } from './login.js';
import { gridView } from './grid.js';
import { streamView } from './stream.js';
import { searchView } from './search.js';

const main = document.getElementById('view');
let current = null;
let session = { auth: false, loggedIn: true };

function parseHash() {
  const [p, q] = location.hash.replace(/^#/, '').split('?');
  return { path: p || '/', query: new URLSearchParams(q ?? '') };
}

async function route() {
  current?.destroy?.();
  current = null;
  main.replaceChildren();
  document.getElementById('search').hidden = !session.loggedIn;
  document.getElementById('logout').hidden = !(session.auth && session.loggedIn);
  if (session.auth && !session.loggedIn) {
    current = loginView(main, async () => { session = await api('GET', '/v1/session'); await route(); });
    return;
  }
  const { path, query } = parseHash();
  const m = /^\/streams\/([^/]+)$/.exec(path);
  try {
    if (m) current = await streamView(main, decodeURIComponent(m[1]), { t: Number(query.get('t') ?? NaN) });
    else if (path === '/search') current = await searchView(main, query.get('q') ?? '');
    else current = await gridView(main);
  } catch (err) {
    if (err.status === 401) { session = { auth: true, loggedIn: false }; return route(); }
    main.append(h('p', { class: 'error', role: 'alert' }, err.message));
  }
  main.focus();
}

document.getElementById('search').addEventListener('submit', (e) => {
  e.preventDefault();
  const q = document.getElementById('q').value.trim();
  if (q) location.hash = `#/search?q=${encodeURIComponent(q)}`;
});
document.getElementById('logout').addEventListener('click', async () => {
  await api('DELETE', '/v1/session').catch(() => undefined);
  session = { auth: true, loggedIn: false };
  await route();
});
window.addEventListener('hashchange', route);

session = await api('GET', '/v1/session').catch(() => ({ auth: true, loggedIn: false }));
await route();
