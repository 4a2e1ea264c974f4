/**
 * The analysis report as one self-contained HTML page (data → string, no I/O): inline CSS and script,
 * thumbnails as data: URLs, no reference to anything outside the file, so it opens from disk without a
 * server. Every string that came from a model or the source (descriptions, transcripts, class names, the
 * source itself) is escaped; the script reads its data from escaped attributes and writes only textContent.
 */
import type { EndpointCallSummary, SkipSummary } from '../store';
import type { KeyFrame } from './key-frames';

export interface ReportEvent { startS: number; endS: number; description: string; tags: string[]; clipWorthyScore: number }
export interface ReportSegment { startS: number; endS: number; text: string; speakerId: string | null }
export interface ReportHighlight { startS: number; endS: number; score: number; title: string; /** The exported clip (file:// or a presigned URL), when any. */ clipUri?: string | null }

/** Detections per class over time: per bin of `binS` seconds, the most boxes of that class in one frame. */
export interface DetectionSeries {
  binS: number;
  bins: number;
  classes: { name: string; total: number; peak: number[] }[];
  /** Rows read (at most the cap) and whether more were left unread. */
  rowsRead: number;
  truncated: boolean;
}

export interface ReportData {
  streamId: string;
  source: string;
  live: boolean;
  /** ISO-8601 time the report was made. */
  generatedAt: string;
  durationS: number;
  frames: number;
  audioSeconds: number;
  wallS: number;
  /** Where inference ran, in words ("local emulator, CPU models" or "RunPod"). */
  inference: string;
  rows: Record<string, number>;
  keyFrames: KeyFrame[];
  events: ReportEvent[];
  transcript: ReportSegment[];
  transcriptTruncated: boolean;
  detections: DetectionSeries;
  highlights: ReportHighlight[];
  calls: EndpointCallSummary[];
  cost: { gpuSeconds: number; usd: number; gpuLabel: string; note: string };
  skips: SkipSummary[];
}

/** Text and attribute values: the five HTML-special characters, and control characters dropped. */
export function escapeHtml(s: string): string {
  // eslint-disable-next-line no-control-regex
  return String(s).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').replace(/[<>&"']/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": '#39' }[c]!};`);
}
const e = escapeHtml;

/** Media time as m:ss.s (h:mm:ss past an hour). */
export function formatTime(s: number): string {
  const t = Math.round(Math.max(0, s) * 10) / 10;
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  if (h > 0) return `${h}:${String(m).padStart(2, '0')}:${String(Math.floor(sec)).padStart(2, '0')}`;
  return `${m}:${sec.toFixed(1).padStart(4, '0')}`;
}

const num = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : '–');

export function renderReport(d: ReportData): string {
  const span = Math.max(d.durationS, ...d.events.map((x) => x.endS), ...d.transcript.map((x) => x.endS), ...d.keyFrames.map((k) => k.ptsUs / 1e6), 1);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Analysis report · ${e(d.streamId)}</title>
<style>${CSS}</style>
</head>
<body>
<a class="skip" href="#frames">Skip to key frames</a>
${header(d)}
<main>
${keyFrames(d)}
${eventsSection(d, span)}
${transcript(d)}
${detections(d)}
${highlights(d)}
${costs(d)}
${skips(d)}
</main>
<footer><p>Generated ${e(d.generatedAt)} by video-agent. This file is self-contained: it needs no server and loads nothing from the network.</p></footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function header(d: ReportData): string {
  const facts: [string, string][] = [
    ['Source', d.source],
    ['Stream id', d.streamId],
    [d.live ? 'Recorded (live)' : 'Media duration', `${num(d.durationS, 1)} s`],
    ['Frames analysed', String(d.frames)],
    ['Audio', `${num(d.audioSeconds, 1)} s`],
    ['Wall time', `${num(d.wallS, 1)} s`],
    ['Inference', d.inference],
    ['Estimated cost', `$${num(d.cost.usd, 4)} · ${num(d.cost.gpuSeconds, 2)} GPU s`],
  ];
  const rows = Object.entries(d.rows).filter(([, n]) => n > 0).map(([t, n]) => `${e(t)} ${n}`).join(' · ');
  return `<header>
<h1>Analysis report <span class="sid">${e(d.streamId)}</span></h1>
<dl class="facts">${facts.map(([k, v], i) => `<div${i === 0 ? ' class="wide"' : ''}><dt>${e(k)}</dt><dd>${e(v)}</dd></div>`).join('')}</dl>
${rows ? `<p class="rows">Rows stored: ${rows}</p>` : ''}
<nav aria-label="Sections"><ul>
<li><a href="#frames">Key frames</a></li><li><a href="#events">Events</a></li><li><a href="#transcript">Transcript</a></li>
<li><a href="#detections">Detections</a></li><li><a href="#highlights">Highlights</a></li><li><a href="#cost">Calls and cost</a></li><li><a href="#skips">Skips</a></li>
</ul></nav>
</header>`;
}

const REASON: Record<string, string> = { first: 'first frame', scene: 'scene change', event: 'event', even: 'sample' };

function objectSummary(objects: KeyFrame['objects']): string {
  if (objects === null) return 'not analysed';
  if (!objects.length) return 'no objects';
  const by = new Map<string, number>();
  for (const o of objects) by.set(o.className, (by.get(o.className) ?? 0) + 1);
  return [...by].sort((a, b) => b[1] - a[1]).map(([c, n]) => (n > 1 ? `${n} × ${c}` : c)).join(', ');
}

function keyFrames(d: ReportData): string {
  const items = d.keyFrames.map((k, i) => {
    const t = k.ptsUs / 1e6;
    const objs = objectSummary(k.objects);
    const reasons = k.reasons.map((r) => REASON[r] ?? r).join(', ');
    return `<figure class="kf" id="kf-${i}" data-t="${t}" data-pts="${k.ptsUs}" tabindex="-1">
<img src="data:image/jpeg;base64,${k.jpeg.toString('base64')}" width="${k.width}" height="${k.height}" alt="${e(`Frame at ${formatTime(t)}: ${objs}`)}" loading="eager" decoding="async">
<figcaption><time>${formatTime(t)}</time> <span class="why">${e(reasons)}${k.sceneScore !== null && k.reasons.includes('scene') ? ` ${num(k.sceneScore, 2)}` : ''}</span><br><span class="objs">${e(objs)}</span></figcaption>
</figure>`;
  });
  return `<section id="frames" aria-labelledby="h-frames">
<h2 id="h-frames">Key frames</h2>
<p class="hint">The first frame, scene changes, the frames nearest the events and evenly spaced samples, with the detections of the same frame drawn.</p>
${items.length ? `<div class="frames">${items.join('\n')}</div>` : '<p class="none">No frames were captured.</p>'}
</section>`;
}

const TL_W = 1000;
/** The bars' box: stretched to the page width (preserveAspectRatio none); the labels are HTML, so they stay legible on a phone. */
const TL_H = 100;
const TL_TOP = 6;
const TL_BASE = 100;

function ticks(span: number): number[] {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
  const step = steps.find((s) => span / s <= 10) ?? Math.ceil(span / 10);
  const out: number[] = [];
  for (let t = 0; t <= span + 1e-9; t += step) out.push(t);
  return out;
}

function eventsSection(d: ReportData, span: number): string {
  const x = (s: number) => (Math.max(0, Math.min(span, s)) / span) * TL_W;
  const sorted = [...d.events].sort((a, b) => a.startS - b.startS);
  const bars = sorted.map((ev, i) => {
    const h = Math.max(2, Math.min(1, Math.max(0, ev.clipWorthyScore)) * (TL_BASE - TL_TOP));
    const x1 = x(ev.startS);
    const w = Math.max(6, x(ev.endS) - x1);
    const label = `${formatTime(ev.startS)}–${formatTime(ev.endS)}, score ${num(ev.clipWorthyScore, 2)}: ${ev.description}`;
    return `<rect class="bar" id="bar-${i}" x="${num(Math.min(x1, TL_W - w), 1)}" y="${num(TL_BASE - h, 1)}" width="${num(w, 1)}" height="${num(h, 1)}" tabindex="0" role="button" aria-label="${e(`Event ${label}`)}" data-i="${i}" data-t="${ev.startS}" data-desc="${e(label)}"><title>${e(label)}</title></rect>`;
  });
  const pct = (t: number) => `${num((x(t) / TL_W) * 100, 2)}%`;
  const axis = ticks(span).map((t) => `<span style="left:${pct(t)}"${x(t) > TL_W - 40 ? ' class="end"' : t === 0 ? ' class="start"' : ''}>${formatTime(t)}</span>`);
  const list = sorted.map((ev, i) => `<li id="ev-${i}"><button type="button" class="jump" data-t="${ev.startS}" data-bar="${i}"><time>${formatTime(ev.startS)}–${formatTime(ev.endS)}</time></button> <span class="score" title="clip-worthy score">${num(ev.clipWorthyScore, 2)}</span> ${e(ev.description)}${ev.tags.length ? ` <span class="tags">${ev.tags.map((t) => `<span class="tag">${e(t)}</span>`).join(' ')}</span>` : ''}</li>`);
  return `<section id="events" aria-labelledby="h-events">
<h2 id="h-events">Events</h2>
<p class="hint">Each bar is a described window: its position is media time, its height the clip-worthy score (0–1). Hover, focus or select a bar to read its description and see the nearest key frame.</p>
${sorted.length ? `<div class="tl">
<svg class="timeline" viewBox="0 0 ${TL_W} ${TL_H}" preserveAspectRatio="none" role="group" aria-label="Events timeline, ${sorted.length} events over ${formatTime(span)}">
<line class="grid" x1="0" y1="${TL_TOP}" x2="${TL_W}" y2="${TL_TOP}"/><line class="grid" x1="0" y1="${(TL_TOP + TL_BASE) / 2}" x2="${TL_W}" y2="${(TL_TOP + TL_BASE) / 2}"/>
<g class="bars">${bars.join('')}</g>
</svg>
<span class="ylab" style="top:9px">score 1.0</span><span class="ylab" style="top:75px">0.5</span>
<div class="ticks" aria-hidden="true">${axis.join('')}</div>
</div>
<p id="event-detail" class="detail" aria-live="polite">Select an event on the timeline.</p>
<ol class="events">${list.join('\n')}</ol>` : '<p class="none">No events were described.</p>'}
</section>`;
}

function transcript(d: ReportData): string {
  const lines = d.transcript.map((s) => `<li><time>${formatTime(s.startS)}–${formatTime(s.endS)}</time>${s.speakerId ? ` <span class="spk">${e(s.speakerId)}</span>` : ''} <span class="text">${e(s.text)}</span></li>`);
  return `<section id="transcript" aria-labelledby="h-transcript">
<h2 id="h-transcript">Transcript</h2>
${lines.length ? `<ol class="transcript">${lines.join('\n')}</ol>` : '<p class="none">No speech was transcribed.</p>'}
${d.transcriptTruncated ? '<p class="note">Only the first segments are shown; the full transcript is in the audio_segments table (or <code>video-agent export</code>).</p>' : ''}
</section>`;
}

const DET_W = 600;
const DET_H = 60;

function detections(d: ReportData): string {
  const s = d.detections;
  const multiples = s.classes.map((c) => {
    const max = Math.max(1, ...c.peak);
    const bw = DET_W / Math.max(1, s.bins);
    const bars = c.peak.map((v, i) => (v > 0
      ? `<rect x="${num(i * bw, 2)}" y="${num(DET_H - (v / max) * DET_H, 2)}" width="${num(Math.max(1, bw - (bw > 3 ? 1 : 0)), 2)}" height="${num((v / max) * DET_H, 2)}"><title>${e(`${formatTime(i * s.binS)}: up to ${v} × ${c.name}`)}</title></rect>`
      : '')).join('');
    return `<figure class="mult">
<figcaption><strong>${e(c.name)}</strong> · ${c.total} ${c.total === 1 ? 'box' : 'boxes'} · up to ${max} in a frame</figcaption>
<svg viewBox="0 0 ${DET_W} ${DET_H}" preserveAspectRatio="none" role="img" aria-label="${e(`${c.name}: most boxes in one frame per ${s.binS} s, peak ${max}`)}"><line x1="0" y1="${DET_H}" x2="${DET_W}" y2="${DET_H}"/>${bars}</svg>
</figure>`;
  });
  return `<section id="detections" aria-labelledby="h-detections">
<h2 id="h-detections">Detections per class over time</h2>
${multiples.length ? `<p class="hint">Per ${s.binS} s of media time (0 to ${formatTime(s.bins * s.binS)}), the most boxes of each class in one frame; scaled per class.</p>
<div class="mults">${multiples.join('\n')}</div>` : '<p class="none">No objects were detected.</p>'}
${s.truncated ? `<p class="note">Only the first ${s.rowsRead} detections were read for this chart.</p>` : ''}
</section>`;
}

function highlights(d: ReportData): string {
  const items = d.highlights.map((h) => `<li><time>${formatTime(h.startS)}–${formatTime(h.endS)}</time> <span class="score">${num(h.score, 2)}</span> ${e(h.title)}${h.clipUri && /^(file|https?):/.test(h.clipUri) ? ` <a class="clip" href="${e(h.clipUri)}">clip</a>` : ''}</li>`);
  return `<section id="highlights" aria-labelledby="h-highlights">
<h2 id="h-highlights">Highlights</h2>
${items.length ? `<ol class="highlights">${items.join('\n')}</ol>` : '<p class="none">No highlights yet.</p>'}
</section>`;
}

function costs(d: ReportData): string {
  const rows = d.calls.map((c) => `<tr><th scope="row">${e(c.endpoint)}</th><td>${c.calls}</td><td>${c.failed}</td><td>${num(c.gpuSeconds, 2)}</td><td>$${num(c.costUsd, 4)}</td><td>${num(c.avgMs)}</td></tr>`);
  const tot = d.calls.reduce((a, c) => ({ calls: a.calls + c.calls, failed: a.failed + c.failed }), { calls: 0, failed: 0 });
  return `<section id="cost" aria-labelledby="h-cost">
<h2 id="h-cost">Endpoint calls and cost</h2>
<p class="hint">Inference: ${e(d.inference)}.</p>
${rows.length ? `<div class="scroll"><table>
<caption>Calls per endpoint</caption>
<thead><tr><th scope="col">Endpoint</th><th scope="col">Calls</th><th scope="col">Failed</th><th scope="col">GPU s</th><th scope="col">USD</th><th scope="col">Avg ms</th></tr></thead>
<tbody>${rows.join('')}</tbody>
<tfoot><tr><th scope="row">Total</th><td>${tot.calls}</td><td>${tot.failed}</td><td>${num(d.cost.gpuSeconds, 2)}</td><td>$${num(d.cost.usd, 4)}</td><td></td></tr></tfoot>
</table></div>` : '<p class="none">No endpoint calls.</p>'}
<p class="note">${e(d.cost.gpuLabel)}. ${e(d.cost.note)}</p>
</section>`;
}

function skips(d: ReportData): string {
  const rows = d.skips.map((k) => `<tr><th scope="row">${e(k.stage)}</th><td>${e(k.reason)}</td><td>${k.count}</td></tr>`);
  return `<section id="skips" aria-labelledby="h-skips">
<h2 id="h-skips">Skips by reason</h2>
${rows.length ? `<div class="scroll"><table><caption>Work not done, from the skips table</caption><thead><tr><th scope="col">Stage</th><th scope="col">Reason</th><th scope="col">Count</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>` : '<p class="none">Nothing was skipped.</p>'}
</section>`;
}

const CSS = `
:root{--fg:#1b1f24;--muted:#5a6470;--bg:#fff;--panel:#f4f6f8;--line:#d5dbe1;--accent:#1f6feb;--bar:#e36209;--focus:#ffbf47}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:1200px;margin:0 auto;padding:0 16px}
h1{font-size:1.5rem;margin:16px 0 8px;overflow-wrap:anywhere}h1 .sid{color:var(--muted);font-weight:400}
h2{font-size:1.2rem;margin:28px 0 8px;padding-top:8px;border-top:1px solid var(--line)}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:var(--focus);padding:4px 8px;z-index:2}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,150px),1fr));gap:8px;margin:0}
.facts div{background:var(--panel);border-radius:6px;padding:6px 10px;min-width:0}
.facts .wide{grid-column:1/-1}
.facts dt{font-size:.75rem;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.facts dd{margin:0;font-weight:600;overflow-wrap:anywhere}
.rows,.hint,.note,footer{color:var(--muted);font-size:.85rem}
nav ul{display:flex;flex-wrap:wrap;gap:4px 14px;list-style:none;padding:0;margin:10px 0}
a{color:var(--accent)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.frames{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,320px),1fr));gap:12px}
.kf{margin:0;background:var(--panel);border-radius:6px;overflow:hidden;border:2px solid transparent}
.kf.current{border-color:var(--bar)}
.kf img{display:block;width:100%;height:auto;background:#000}
.kf figcaption{padding:6px 8px;font-size:.85rem}
.kf time{font-weight:600;font-variant-numeric:tabular-nums}.why{color:var(--muted)}
.tl{position:relative;margin-bottom:8px}
.timeline{display:block;width:100%;height:140px;background:var(--panel);border-radius:6px 6px 0 0;border-bottom:1px solid var(--muted)}
.timeline .grid{stroke:var(--line);stroke-dasharray:4 4;vector-effect:non-scaling-stroke}
.ylab{position:absolute;right:6px;font-size:.75rem;color:var(--muted);pointer-events:none}
.ticks{position:relative;height:1.4em;font-size:.75rem;color:var(--muted)}
.ticks span{position:absolute;transform:translateX(-50%);white-space:nowrap;font-variant-numeric:tabular-nums}
.ticks span.start{transform:none}.ticks span.end{transform:translateX(-100%)}
.timeline .bar{fill:var(--bar);fill-opacity:.75;cursor:pointer}
.timeline .bar:hover,.timeline .bar:focus,.timeline .bar.sel{fill:var(--accent);fill-opacity:1;outline:none}
.timeline .bar:focus-visible{stroke:var(--focus);stroke-width:3;vector-effect:non-scaling-stroke}
.detail{min-height:1.5em;background:var(--panel);padding:6px 10px;border-radius:6px}
ol.events,ol.transcript,ol.highlights{padding-left:0;list-style:none;margin:8px 0}
ol.events li,ol.transcript li,ol.highlights li{padding:4px 0;border-bottom:1px solid var(--line);overflow-wrap:anywhere}
ol.events li.sel{background:#fff4e5}
time{font-variant-numeric:tabular-nums;color:var(--muted);margin-right:4px}
button.jump{font:inherit;background:none;border:1px solid var(--line);border-radius:4px;padding:0 4px;cursor:pointer}
.score{font-weight:600}.tag{font-size:.75rem;background:var(--panel);border-radius:3px;padding:0 4px;color:var(--muted)}
.spk{font-size:.75rem;font-weight:600;background:#ddf4ff;border-radius:3px;padding:0 4px}
.mults{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,340px),1fr));gap:12px}
.mult{margin:0}.mult figcaption{font-size:.85rem}
.mult svg{display:block;width:100%;height:60px;background:var(--panel);border-radius:4px}
.mult rect{fill:var(--accent)}.mult line{stroke:var(--muted)}
.scroll{overflow-x:auto}
table{border-collapse:collapse;min-width:100%;font-variant-numeric:tabular-nums}
caption{text-align:left;color:var(--muted);font-size:.85rem;padding:4px 0}
th,td{padding:4px 10px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th[scope=row],thead th:first-child{text-align:left}
tfoot th,tfoot td{font-weight:700}
.none{color:var(--muted);font-style:italic}
footer{margin-top:32px;padding-bottom:24px}
@media (max-width:480px){body{font-size:14px}h1{font-size:1.25rem}th,td{padding:4px 6px}}
`;

/** Plain ES5-ish script: no data embedded, only behaviour over the escaped attributes above. */
const SCRIPT = `
(function(){
  var frames=[].slice.call(document.querySelectorAll('.kf'));
  var detail=document.getElementById('event-detail');
  function nearest(t){var best=null,bd=Infinity;frames.forEach(function(f){var d=Math.abs(Number(f.getAttribute('data-t'))-t);if(d<bd){bd=d;best=f;}});return best;}
  function mark(t,scroll){var f=nearest(t);frames.forEach(function(x){x.classList.remove('current');});if(!f)return;f.classList.add('current');if(scroll)f.scrollIntoView({block:'center'});}
  function select(bar,scroll){
    [].forEach.call(document.querySelectorAll('.bar.sel,ol.events li.sel'),function(x){x.classList.remove('sel');});
    bar.classList.add('sel');
    var li=document.getElementById('ev-'+bar.getAttribute('data-i'));if(li)li.classList.add('sel');
    if(detail)detail.textContent=bar.getAttribute('data-desc');
    mark(Number(bar.getAttribute('data-t')),scroll);
  }
  [].forEach.call(document.querySelectorAll('.bar'),function(bar){
    bar.addEventListener('click',function(){select(bar,true);});
    bar.addEventListener('focus',function(){select(bar,false);});
    bar.addEventListener('keydown',function(ev){if(ev.key==='Enter'||ev.key===' '){ev.preventDefault();select(bar,true);}});
  });
  [].forEach.call(document.querySelectorAll('button.jump'),function(b){
    b.addEventListener('click',function(){var bar=document.getElementById('bar-'+b.getAttribute('data-bar'));if(bar)select(bar,true);});
  });
})();
`;
