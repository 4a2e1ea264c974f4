import { clock, h } from './dom.js';

// The stream page's Highlights and Alerts cards: stored lists merged with the live topics, keyed so a
// re-fetch never rebuilds a row (a playing clip keeps playing).

const MAX_HIGHLIGHTS = 20;
const MAX_ALERTS = 200;
const WHY_TOP = 3;

/** Highlights by media time, each with its score, title, top contributions and clip (when cut). */
export function highlightsList(base, jump) {
  const list = h('ol', { class: 'highlights', 'aria-label': 'Highlights' });
  const empty = h('p', { class: 'muted' }, 'No highlights yet.');
  const rows = new Map(); // startS → { item, li }
  const key = (it) => it.startS.toFixed(3);

  const why = (contributions) => {
    const top = Object.entries(contributions ?? {}).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]).slice(0, WHY_TOP);
    if (!top.length) return null;
    const max = Math.max(...top.map(([, v]) => v));
    return h('ul', { class: 'why', 'aria-label': `Why: ${top.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}` },
      top.map(([k, v]) => h('li', {},
        h('span', { class: 'why-k' }, k.replace(/_/g, ' ')),
        h('meter', { min: 0, max: max.toFixed(4), value: v.toFixed(4), 'aria-hidden': 'true' }),
        h('span', { class: 'why-v' }, v.toFixed(2)))));
  };
  const clip = (it) => {
    if (!it.clipId) return null;
    const c = `${base}/clips/${encodeURIComponent(it.clipId)}`;
    return h('video', { class: 'clip', controls: true, preload: 'none', playsinline: true, poster: `${c}/poster.jpg`, src: `${c}/video.mp4`, 'aria-label': `Clip ${clock(it.startS)}–${clock(it.endS)}` });
  };
  const render = (it) => {
    const range = `${clock(it.startS)}–${clock(it.endS)}`;
    return h('li', { class: 'hl', 'data-start': it.startS, 'data-clip': it.clipId ?? '' },
      h('div', { class: 'hl-head' },
        h('button', { type: 'button', class: 'link', 'aria-label': `Jump to ${range}`, onclick: () => jump(it.peakS ?? it.startS) }, h('time', {}, range)),
        h('span', { class: 'score', title: 'fused highlight score' }, `score ${it.score.toFixed(2)}`)),
      it.title ? h('p', { class: 'hl-title' }, it.title) : null,
      why(it.contributions),
      clip(it));
  };
  const trim = () => {
    if (rows.size <= MAX_HIGHLIGHTS) return;
    const worst = [...rows.entries()].sort((a, b) => a[1].item.score - b[1].item.score).slice(0, rows.size - MAX_HIGHLIGHTS);
    for (const [k, r] of worst) { r.li.remove(); rows.delete(k); }
  };
  /** Adds or updates one highlight; a row is rebuilt only when what it shows changed. */
  const upsert = (it) => {
    const k = key(it);
    const had = rows.get(k);
    if (had) {
      // A live message carries no clip: the row keeps the one it has. Stored scores are float4: compared loosely.
      const next = { ...it, clipId: it.clipId ?? had.item.clipId ?? null };
      const same = Math.abs(had.item.score - next.score) < 1e-4 && had.item.title === next.title && (had.item.clipId ?? null) === next.clipId;
      if (same) return;
      const li = render(next);
      had.li.replaceWith(li);
      rows.set(k, { item: next, li });
      return;
    }
    const li = render(it);
    const after = [...rows.values()].map((r) => r.li).find((c) => Number(c.dataset.start) > it.startS);
    list.insertBefore(li, after ?? null);
    rows.set(k, { item: it, li });
    trim();
  };
  const sync = () => { empty.hidden = rows.size > 0; };
  return {
    el: h('div', {}, empty, list),
    /** Items of GET …/highlights. */
    load(items) { for (const it of items) upsert(it); sync(); },
    /** One `highlights` topic message (snake_case wire form). */
    live(m) {
      upsert({ startS: m.start_us / 1e6, endS: m.end_us / 1e6, peakS: m.peak_us / 1e6, score: m.score, contributions: m.contributions, title: m.title, clipId: null });
      sync();
    },
  };
}

/** A short text of an alert's payload: the fields that say what fired it. */
export function payloadSummary(kind, p = {}) {
  const n = (v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v));
  switch (kind) {
    case 'keyword': return `“${(p.words ?? []).join(', ')}”${p.text ? ` in: ${String(p.text).slice(0, 120)}` : ''}`;
    case 'threshold': return [p.on, p.emotion, p.score !== undefined ? `score ${n(p.score)}` : null, p.title ?? p.description].filter(Boolean).map(String).join(' · ').slice(0, 160);
    case 'zone_dwell': return `${p.class ?? 'track'} #${p.track_id ?? '?'} in zone ${p.dwell_s !== undefined ? `${n(p.dwell_s)} s` : ''}`.trim();
    case 'line_crossing': return `${p.class ?? 'track'} #${p.track_id ?? '?'} crossed ${String(p.direction ?? '').replace(/_/g, ' ')}`.trim();
    case 'stream_down': return `${p.state ?? 'down'}${p.down_s !== undefined ? ` for ${n(p.down_s)} s` : ''}${p.reason ? `: ${p.reason}` : ''}`;
    default: return Object.entries(p).filter(([, v]) => v === null || typeof v !== 'object').map(([k, v]) => `${k}: ${n(v)}`).join(', ').slice(0, 160);
  }
}

/** Alerts, newest (media time) first, keyed by alert id. */
export function alertsList(jump) {
  const list = h('ol', { class: 'alerts', 'aria-label': 'Alerts', 'aria-live': 'polite' });
  const empty = h('p', { class: 'muted' }, 'No alerts.');
  const seen = new Map(); // alertId → li
  const add = (a) => {
    if (seen.has(a.alertId)) return;
    const wall = a.ts ? new Date(a.ts) : null;
    const li = h('li', { class: 'alert', 'data-t': a.t, 'data-alert': a.alertId },
      h('button', { type: 'button', class: 'link', 'aria-label': `Jump to ${clock(a.t)}`, onclick: () => jump(a.t) }, h('time', {}, clock(a.t))),
      wall && !Number.isNaN(wall.getTime()) ? h('span', { class: 'muted wall' }, wall.toLocaleTimeString()) : null,
      h('b', { class: 'rule' }, a.rule),
      h('span', { class: 'badge kind' }, a.kind.replace(/_/g, ' ')),
      h('span', { class: 'summary' }, payloadSummary(a.kind, a.payload)));
    const before = [...list.children].find((c) => Number(c.dataset.t) < a.t);
    list.insertBefore(li, before ?? null);
    seen.set(a.alertId, li);
    while (list.children.length > MAX_ALERTS) { const last = list.lastElementChild; seen.delete(last.dataset.alert); last.remove(); }
    empty.hidden = true;
  };
  return {
    el: h('div', {}, empty, list),
    /** Items of GET …/alerts. */
    load(items) { items.forEach(add); },
    /** One `alerts` topic message (snake_case wire form). */
    live(m) { add({ alertId: m.alert_id, t: m.pts_us / 1e6, ts: m.ts, rule: m.rule, kind: m.kind, payload: m.payload ?? {} }); },
  };
}
