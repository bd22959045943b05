/**
 * PDF pages drawn by the app itself with pdf.js (vendored under /vendor/pdfjs with its licence):
 * every phone shows them, where Chrome on Android shows nothing for a PDF in an iframe. Each page
 * is a canvas as wide as its box, drawn when it scrolls into view, sharp on high-density screens,
 * and drawn again when its box grows or shrinks by more than a quarter.
 */
import { h, mount } from './dom.js';
import { t } from './i18n.js';

let loading = null;

/** pdf.js, loaded once on first use (its worker runs from the same origin, no eval). */
function pdfjs() {
  if (!loading) {
    loading = import('/vendor/pdfjs/pdf.min.mjs').then((lib) => {
      lib.GlobalWorkerOptions.workerSrc = '/vendor/pdfjs/pdf.worker.min.mjs';
      return lib;
    });
  }
  return loading;
}

async function draw(page, canvas, width) {
  const base = page.getViewport({ scale: 1 });
  const ratio = window.devicePixelRatio || 1;
  const viewport = page.getViewport({ scale: (width / base.width) * ratio });
  canvas.width = Math.floor(viewport.width);
  canvas.height = Math.floor(viewport.height);
  canvas.style.aspectRatio = `${base.width} / ${base.height}`;
  await page.render({ canvas, canvasContext: canvas.getContext('2d'), viewport }).promise;
  canvas.dataset.drawn = 'true';
}

/** Draw the PDF `blob` into `box` (its bytes are handed over: the CSP lets nothing fetch blob: URLs); resolves with the page count. */
export async function renderPdf(box, blob, title) {
  const lib = await pdfjs();
  const doc = await lib.getDocument({ data: new Uint8Array(await blob.arrayBuffer()), isEvalSupported: false }).promise;
  const total = doc.numPages;
  const canvases = Array.from({ length: total }, (_, i) => h('canvas', {
    class: 'pdf-page', role: 'img', 'aria-label': t('history.pageOf', { title: title || '', n: i + 1, total }),
  }));
  mount(box, h('div', { class: 'pdf-pages' }, canvases));
  const width = () => box.clientWidth || 600;
  // one drawing at a time per canvas (pdf.js refuses two on the same canvas); the width each was drawn at
  const queue = new Map();
  const drawnAt = new Map();
  const drawAt = (canvas, w) => {
    drawnAt.set(canvas, w);
    const n = canvases.indexOf(canvas) + 1;
    const next = (queue.get(canvas) || Promise.resolve()).then(() => doc.getPage(n)).then((page) => draw(page, canvas, w));
    queue.set(canvas, next.catch(() => { canvas.dataset.drawn = 'failed'; }));
  };
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      observer.unobserve(entry.target);
      drawAt(entry.target, width());
    }
  }, { rootMargin: '400px 0px' });
  canvases.forEach((c) => observer.observe(c));
  // a phone turned sideways or a window widened: redraw the drawn pages sharp at the new width
  let settle = null;
  new ResizeObserver(() => {
    clearTimeout(settle);
    settle = setTimeout(() => {
      const w = width();
      for (const [canvas, at] of drawnAt) if (Math.abs(w - at) > at / 4) drawAt(canvas, w);
    }, 250);
  }).observe(box);
  return total;
}
