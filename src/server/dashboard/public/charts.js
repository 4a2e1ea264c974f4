import { clock, s } from './dom.js';

/** Events timeline: x = media time, bar height = clip_worthy_score; hover/focus shows the description. */
export function eventsTimeline(events, { durationS, onPick }) {
  const W = 1000;
  const H = 120;
  const end = Math.max(durationS || 0, ...events.map((e) => e.endS), 1);
  const x = (t) => (t / end) * W;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H + 20}`, class: 'timeline', role: 'group', 'aria-label': `${events.length} events over ${clock(end)}` });
  svg.append(s('line', { x1: 0, y1: H, x2: W, y2: H, class: 'axis' }));
  for (let t = 0; t <= end; t += niceStep(end)) svg.append(s('text', { x: x(t), y: H + 15, class: 'tick' }, clock(t)));
  for (const e of events) {
    const bh = Math.max(4, e.clipWorthyScore * (H - 10));
    const bar = s('rect', {
      x: x(e.startS), y: H - bh, width: Math.max(4, x(e.endS) - x(e.startS)), height: bh, class: 'event-bar', tabindex: 0, role: 'button',
      'aria-label': `${clock(e.startS)}–${clock(e.endS)}, score ${e.clipWorthyScore.toFixed(2)}: ${e.description}`,
      onclick: () => onPick(e), onkeydown: (k) => { if (k.key === 'Enter' || k.key === ' ') { k.preventDefault(); onPick(e); } },
    }, s('title', {}, `${clock(e.startS)} · ${e.clipWorthyScore.toFixed(2)} · ${e.description}`));
    svg.append(bar);
  }
  return svg;
}

/** Detections per class over time: one line per class, counts per second. */
export function classChart(buckets, { durationS }) {
  const W = 1000;
  const H = 140;
  const classes = [...new Set([...buckets.values()].flatMap((m) => [...m.keys()]))].sort();
  const secs = [...buckets.keys()];
  const end = Math.max(durationS || 0, ...secs, 1);
  const max = Math.max(1, ...[...buckets.values()].flatMap((m) => [...m.values()]));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H + 20}`, class: 'classes', role: 'img', 'aria-label': `Detections per class: ${classes.join(', ') || 'none yet'}` });
  svg.append(s('line', { x1: 0, y1: H, x2: W, y2: H, class: 'axis' }));
  classes.slice(0, 8).forEach((c, i) => {
    const pts = secs.sort((a, b) => a - b).map((t) => `${((t / end) * W).toFixed(1)},${(H - ((buckets.get(t).get(c) ?? 0) / max) * (H - 10)).toFixed(1)}`);
    svg.append(s('polyline', { points: pts.join(' '), class: `series s${i}` }, s('title', {}, c)));
    svg.append(s('text', { x: W - 4, y: 14 + i * 14, class: `legend s${i}`, 'text-anchor': 'end' }, c));
  });
  return svg;
}

function niceStep(end) {
  for (const st of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600]) if (end / st <= 10) return st;
  return 7200;
}
