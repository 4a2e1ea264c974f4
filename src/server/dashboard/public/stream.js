import { allPages, api } from './api.js';
import { announce, clock, h, throttledImage } from './dom.js';
import { classChart, eventsTimeline } from './charts.js';
import { connectLive } from './live.js';
import { alertsList, highlightsList } from './highlights.js';

// One stream: live frame, transcript, highlights (with clips), events timeline, detections per class, alerts,
// health and cost, ask.
export async function streamView(root, id, { t }) {
  const enc = encodeURIComponent(id);
  const base = `/v1/streams/${enc}`;
  let view = await api('GET', base).catch((e) => { if (e.status === 404) return null; throw e; });
  const img = h('img', { class: 'frame big', alt: `Latest frame of ${id} with detections`, src: `${base}/snapshot.jpg` });
  img.onerror = () => img.classList.add('noframe');
  const refreshImg = throttledImage(img, `${base}/snapshot.jpg`, 1000);
  const title = h('h1', {}, id, ' ', h('span', { class: 'badge', id: 'state' }));
  const health = h('dl', { class: 'health' });
  const cost = h('table', { class: 'cost' });
  const transcript = h('ol', { class: 'transcript', 'aria-label': 'Transcript', tabindex: 0 });
  const timelineBox = h('div', { class: 'timeline-box' });
  const eventDetail = h('p', { class: 'event-detail', 'aria-live': 'polite' });
  const classBox = h('div', { class: 'class-box' });
  const events = [];
  const buckets = new Map();
  const transcriptKeys = new Set();

  const actions = h('div', { class: 'actions' },
    h('button', { type: 'button', onclick: async () => { await api('POST', `${base}/restart`); announce(`Restarted ${id}`); } }, 'Restart'),
    h('button', { type: 'button', class: 'danger', onclick: async () => {
      if (!confirm(`Remove stream ${id}? Its results are kept.`)) return;
      await api('DELETE', base); announce(`Removed ${id}`); location.hash = '#/';
    } }, 'Remove'));

  const addLine = (seg) => {
    if (seg.isSilence || !seg.text) return;
    const key = `${seg.startS}`;
    if (transcriptKeys.has(key)) return;
    transcriptKeys.add(key);
    const li = h('li', { 'data-start': seg.startS }, h('time', {}, clock(seg.startS)), seg.speakerId ? h('b', { class: 'speaker' }, `${seg.speakerId}: `) : null, seg.text);
    const after = [...transcript.children].find((c) => Number(c.dataset.start) > seg.startS);
    transcript.insertBefore(li, after ?? null);
  };
  const jump = (sec) => {
    const lines = [...transcript.children];
    let best = null;
    for (const li of lines) { li.classList.remove('here'); if (Number(li.dataset.start) <= sec + 0.5) best = li; }
    (best ?? lines[0])?.classList.add('here');
    (best ?? lines[0])?.scrollIntoView({ block: 'nearest' });
  };
  const drawTimeline = () => timelineBox.replaceChildren(eventsTimeline(events, {
    durationS: view?.ingest?.durationS ?? view?.ingest?.positionS,
    onPick: (e) => { eventDetail.textContent = `${clock(e.startS)}–${clock(e.endS)} (score ${e.clipWorthyScore.toFixed(2)}): ${e.description}`; jump(e.startS); },
  }));
  const count = (sec, cls) => {
    const b = Math.floor(sec);
    if (!buckets.has(b)) buckets.set(b, new Map());
    const m = buckets.get(b);
    m.set(cls, (m.get(cls) ?? 0) + 1);
  };
  let chartDirty = true;
  const drawChart = () => { if (chartDirty) { classBox.replaceChildren(classChart(buckets, { durationS: view?.ingest?.durationS ?? view?.ingest?.positionS })); chartDirty = false; } };

  let endpoints = [];
  const showView = () => {
    const st = document.getElementById('state');
    if (!view) { st.textContent = 'not running here'; return; }
    st.textContent = view.state;
    st.dataset.state = view.state;
    const i = view.ingest;
    const rows = [
      ['Source', view.source], ['State since', new Date(view.stateSince).toLocaleTimeString()], ['Reason', view.reason ?? '—'],
      ['Ingest', i ? `${i.fps} fps · ${i.frames} frames · ${i.positionS.toFixed(1)} s` : '—'], ['Lag', i && view.live ? `${i.lagMs} ms` : '—'],
      ['Dropped', i ? String(i.dropped) : '—'], ['Reconnects', i ? String(i.reconnects) : '—'], ['Restarts', String(view.restarts)],
      ['Skips', view.skips.length ? view.skips.map((k) => `${k.stage}/${k.reason}: ${k.count}`).join(', ') : 'none'],
      ['Endpoints', endpoints.length ? endpoints.map((e) => `${e.model}: ${e.state}`).join(', ') : '—'],
    ];
    health.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
    cost.replaceChildren(
      h('caption', {}, `Cost so far: $${view.cost.usd.toFixed(4)} · ${view.cost.gpuSeconds.toFixed(1)} GPU s`),
      h('tr', {}, ['Endpoint', 'Calls', 'Failed', 'GPU s', 'USD', 'avg ms'].map((c) => h('th', { scope: 'col' }, c))),
      ...view.cost.calls.map((c) => h('tr', {}, h('td', {}, c.endpoint), h('td', {}, c.calls), h('td', {}, c.failed), h('td', {}, c.gpuSeconds.toFixed(2)), h('td', {}, c.costUsd.toFixed(4)), h('td', {}, Math.round(c.avgMs)))),
    );
  };

  const ask = askBox(base, jump);
  const highlights = highlightsList(base, jump);
  const alerts = alertsList(jump);
  const loadHighlights = async () => highlights.load((await api('GET', `${base}/highlights?top=${HIGHLIGHTS_TOP}`).catch(() => ({ items: [] }))).items);
  const loadAlerts = async () => alerts.load(await allPages(`${base}/alerts`, 1000).catch(() => []));
  root.append(
    h('p', {}, h('a', { href: '#/' }, '← all streams')), title, actions,
    h('div', { class: 'stream-layout' },
      h('section', { class: 'card', 'aria-labelledby': 'live-h' }, h('h2', { id: 'live-h' }, 'Live'), img),
      h('section', { class: 'card', 'aria-labelledby': 'tr-h' }, h('h2', { id: 'tr-h' }, 'Transcript'), transcript),
      h('section', { class: 'card wide', 'aria-labelledby': 'hl-h' }, h('h2', { id: 'hl-h' }, 'Highlights'), highlights.el),
      h('section', { class: 'card wide', 'aria-labelledby': 'ev-h' }, h('h2', { id: 'ev-h' }, 'Events'), timelineBox, eventDetail),
      h('section', { class: 'card wide', 'aria-labelledby': 'cl-h' }, h('h2', { id: 'cl-h' }, 'Detections per class'), classBox),
      h('section', { class: 'card', 'aria-labelledby': 'al-h' }, h('h2', { id: 'al-h' }, 'Alerts'), alerts.el),
      h('section', { class: 'card', 'aria-labelledby': 'he-h' }, h('h2', { id: 'he-h' }, 'Health'), health, cost),
      h('section', { class: 'card', 'aria-labelledby': 'ask-h' }, h('h2', { id: 'ask-h' }, 'Ask'), ask)));
  showView();

  const lists = Promise.all([loadHighlights(), loadAlerts()]);
  const [segs, evs, dets] = await Promise.all([
    allPages(`${base}/transcript`, 5000).catch(() => []), allPages(`${base}/events`, 2000).catch(() => []), allPages(`${base}/detections`, 20000).catch(() => []),
  ]);
  await lists;
  segs.forEach(addLine);
  events.push(...evs);
  for (const d of dets) count(d.t, d.className);
  drawTimeline();
  drawChart();
  if (Number.isFinite(t)) jump(t);

  const live = connectLive({
    streams: [id], topics: ['frames', 'detections', 'transcripts', 'events', 'state', 'highlights', 'alerts'],
    // (Re)connected: what came while no socket was open is in the stored lists (rows are keyed, so no doubles).
    onState: (st) => { if (st === 'open') { void loadHighlights(); void loadAlerts(); } },
    onMessage: (m) => {
      // Detections arrive after their frame: a new detections message also refreshes the boxes.
      if (m.topic === 'frames' || m.topic === 'detections') refreshImg();
      else if (m.topic === 'transcripts') addLine({ startS: m.start_us / 1e6, text: m.text, isSilence: m.is_silence, speakerId: m.speaker_id ?? null });
      else if (m.topic === 'highlights') highlights.live(m);
      else if (m.topic === 'alerts') alerts.live(m);
      else if (m.topic === 'events') { events.push({ startS: m.start_us / 1e6, endS: m.end_us / 1e6, description: m.description, clipWorthyScore: m.clip_worthy_score }); drawTimeline(); }
      if (m.topic === 'detections') { for (const d of m.detections ?? []) count(m.pts_us / 1e6, d.class_name); chartDirty = true; }
      else if (m.topic === 'state') { if (view) { view.state = m.state; showView(); } void loadHighlights(); }
    },
  });
  const loadEndpoints = async () => { endpoints = (await api('GET', '/v1/endpoints').catch(() => ({ endpoints }))).endpoints; };
  await loadEndpoints();
  showView();
  let ticks = 0;
  const timer = setInterval(async () => {
    const was = view?.state;
    view = await api('GET', base).catch(() => view);
    // Clips are cut after their highlight is chosen (a file stream's once it is analysed): re-read the list
    // now and then, and when the state changes, so each highlight gains its clip.
    if (++ticks % 3 === 0 || view?.state !== was) await loadHighlights();
    await loadEndpoints();
    showView();
    drawChart();
  }, 2000);
  return { destroy() { clearInterval(timer); live.close(); } };
}

const HIGHLIGHTS_TOP = 10;

function askBox(base, jump) {
  const q = h('input', { id: 'ask-q', name: 'question', required: true, placeholder: 'What happened when…?' });
  const out = h('div', { class: 'answer', 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit' }, 'Ask');
  const form = h('form', { onsubmit: async (e) => {
    e.preventDefault();
    btn.disabled = true;
    out.replaceChildren(h('p', { class: 'muted' }, 'Thinking…'));
    try {
      const a = await api('POST', `${base}/ask`, { question: q.value });
      out.replaceChildren(
        h('p', {}, a.answer),
        a.local ? h('p', { class: 'muted' }, a.note ?? 'answered locally, not by a VLM') : null,
        h('ul', { class: 'citations' }, a.citations.map((c) => h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => jump(c.startS) }, `${c.startS.toFixed(1)}–${c.endS.toFixed(1)} s`), ` ${c.kind}: ${c.text}`))),
      );
    } catch (ex) { out.replaceChildren(h('p', { class: 'error', role: 'alert' }, ex.message)); }
    btn.disabled = false;
  } }, h('label', { for: 'ask-q' }, 'Question about this stream'), q, btn);
  return h('div', {}, form, out);
}
