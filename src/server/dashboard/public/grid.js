import { api } from './api.js';
import { announce, h, throttledImage } from './dom.js';
import { connectLive } from './live.js';

const STAGES = ['detection', 'audio', 'vlm'];

// A tile per stream: its live annotated frame, state, fps and lag; add and remove streams.
export async function gridView(root) {
  const grid = h('ul', { class: 'grid', 'aria-label': 'Streams' });
  const tiles = new Map();
  const empty = h('p', { class: 'muted' }, 'No streams yet: add one below.');

  const refresh = async () => {
    const { streams } = await api('GET', '/v1/streams');
    empty.hidden = streams.length > 0;
    const seen = new Set();
    for (const s of streams) {
      seen.add(s.id);
      let t = tiles.get(s.id);
      if (!t) { t = tile(s.id); tiles.set(s.id, t); grid.append(t.el); }
      t.update(s);
    }
    for (const [id, t] of tiles) if (!seen.has(id)) { t.el.remove(); tiles.delete(id); }
  };

  function tile(id) {
    const img = h('img', { alt: `Latest frame of ${id}`, class: 'frame', src: `/v1/streams/${encodeURIComponent(id)}/snapshot.jpg`, 'data-stream': id });
    img.onerror = () => { img.classList.add('noframe'); };
    img.onload = () => { img.classList.remove('noframe'); };
    const state = h('span', { class: 'badge' });
    const stats = h('span', { class: 'stats' });
    const src = h('span', { class: 'source muted' });
    const remove = h('button', { type: 'button', class: 'danger', 'aria-label': `Remove stream ${id}`, onclick: async () => {
      if (!confirm(`Remove stream ${id}? Its results are kept.`)) return;
      remove.disabled = true;
      try { await api('DELETE', `/v1/streams/${encodeURIComponent(id)}`); announce(`Removed ${id}`); await refresh(); } catch (e) { alert(e.message); remove.disabled = false; }
    } }, 'Remove');
    const el = h('li', { class: 'tile card', 'data-stream': id },
      h('a', { href: `#/streams/${encodeURIComponent(id)}`, class: 'tile-link' }, img, h('span', { class: 'name' }, id)),
      h('div', { class: 'row' }, state, stats), src, remove);
    return {
      el,
      refreshImage: throttledImage(img, `/v1/streams/${encodeURIComponent(id)}/snapshot.jpg`, 1000),
      update(s) {
        state.textContent = s.state;
        state.dataset.state = s.state;
        stats.textContent = s.ingest ? `${s.ingest.fps} fps${s.live ? ` · lag ${s.ingest.lagMs} ms` : ''} · ${s.ingest.frames} frames` : '';
        src.textContent = s.source;
      },
    };
  }

  const form = addForm(async () => { await refresh(); });
  root.append(h('h1', {}, 'Streams'), empty, grid, form);
  await refresh();
  const timer = setInterval(() => { refresh().catch(() => undefined); }, 2000);
  const live = connectLive({
    topics: ['frames', 'state'],
    onMessage: (m) => {
      if (m.topic === 'frames') tiles.get(m.streamId)?.refreshImage();
      else if (m.topic === 'state') refresh().catch(() => undefined);
    },
  });
  return { destroy() { clearInterval(timer); live.close(); } };
}

function addForm(onAdded) {
  const err = h('p', { class: 'error', role: 'alert' });
  const field = (id, label, attrs = {}) => [h('label', { for: id }, label), h('input', { id, name: id, ...attrs })];
  const stageBoxes = STAGES.map((st) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'stage', value: st, checked: true }), ` ${st}`));
  const form = h('form', { class: 'card add', 'aria-labelledby': 'add-title', onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    const fd = new FormData(form);
    const body = { source: String(fd.get('source') ?? '').trim() };
    if (fd.get('id')) body.id = String(fd.get('id')).trim();
    if (fd.get('pipeline')) body.pipeline = String(fd.get('pipeline'));
    if (fd.get('fps')) body.fps = Number(fd.get('fps'));
    body.stages = fd.getAll('stage').map(String);
    try {
      const s = await api('POST', '/v1/streams', body);
      announce(`Added ${s.id}`);
      form.reset();
      await onAdded();
    } catch (ex) { err.textContent = ex.message; }
  } },
  h('h2', { id: 'add-title' }, 'Add a stream'),
  ...field('source', 'Source (file under a media root, or rtsp:// URL)', { required: true, placeholder: 'rtsp://camera/stream or clip.mp4' }),
  ...field('id', 'Id (optional)', { pattern: '[A-Za-z0-9_.:-]{1,128}' }),
  h('label', { for: 'pipeline' }, 'Pipeline'),
  h('select', { id: 'pipeline', name: 'pipeline' }, h('option', { value: '' }, 'automatic'), h('option', { value: 'file' }, 'file'), h('option', { value: 'rtsp' }, 'rtsp')),
  ...field('fps', 'Frames per second', { type: 'number', min: '0.1', max: '60', step: '0.1', value: '5' }),
  h('fieldset', {}, h('legend', {}, 'Stages'), ...stageBoxes),
  h('button', { type: 'submit' }, 'Add stream'), err);
  return form;
}
