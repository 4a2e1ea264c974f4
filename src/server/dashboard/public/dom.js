// Tiny DOM helpers: every text goes through textContent (model output is never parsed as HTML).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

export function announce(text) {
  const st = document.getElementById('status');
  if (st) st.textContent = text;
}

export function clock(seconds) {
  const t = Math.max(0, seconds);
  const m = Math.floor(t / 60);
  const sec = (t - m * 60).toFixed(1).padStart(4, '0');
  return `${m}:${sec}`;
}

/** Refreshes an <img> from `url` at most once per `minMs`, without flicker (swaps once loaded). */
export function throttledImage(img, url, minMs = 1000) {
  let last = 0;
  let pending = false;
  return () => {
    const now = Date.now();
    if (pending || now - last < minMs) return;
    pending = true;
    last = now;
    const next = new Image();
    next.onload = () => { img.src = next.src; img.dataset.loaded = String(Number(img.dataset.loaded ?? 0) + 1); pending = false; };
    next.onerror = () => { pending = false; };
    next.src = `${url}${url.includes('?') ? '&' : '?'}t=${now}`;
  };
}
