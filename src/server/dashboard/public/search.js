import { api } from './api.js';
import { clock, h } from './dom.js';

// Full-text search results; each hit links to its moment on the stream page.
export async function searchView(root, q) {
  root.append(h('h1', {}, `Search: ${q}`));
  const { hits } = await api('GET', `/v1/search?q=${encodeURIComponent(q)}&limit=50`);
  if (!hits.length) { root.append(h('p', { class: 'muted' }, 'Nothing found.')); return {}; }
  root.append(h('ol', { class: 'hits' }, hits.map((hit) => h('li', {},
    h('a', { href: `#/streams/${encodeURIComponent(hit.streamId)}?t=${hit.startS}` }, `${hit.streamId} · ${clock(hit.startS)}–${clock(hit.endS)} · ${hit.kind}`),
    h('p', {}, ...snippet(hit.snippet))))));
  return {};
}

/** «word» markers from the API become <mark>, as text nodes (never HTML). */
function snippet(text) {
  return text.split(/(«[^»]*»)/).map((part) => (part.startsWith('«') ? h('mark', {}, part.slice(1, -1)) : part));
}
