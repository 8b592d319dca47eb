// The creator's retention chart: GET /api/v1/videos/{id}/analytics'
// 21-point retention curve (share of viewers still watching at 0 %, 5 %,
// ..., 100 % of the video) drawn as an inline SVG, with the same numbers in
// a table for screen readers and for reading exact values.
import { formatDuration, h, svg } from './app.js';

const W = 420;
const H = 190;
const PAD = { left: 46, right: 14, top: 12, bottom: 30 };

export function retentionChart(figure, report) {
  const pts = report.retention || [];
  const x = (p) => PAD.left + (p / 100) * (W - PAD.left - PAD.right);
  const y = (s) => PAD.top + (1 - s) * (H - PAD.top - PAD.bottom);
  const mid = pts.find((p) => p.percent === 50);
  const end = pts.find((p) => p.percent === 100);
  const summary = report.viewers
    ? `${Math.round((mid ? mid.share : 0) * 100)} % of viewers reached the middle and `
      + `${Math.round((end ? end.share : 0) * 100)} % the end.`
    : 'No one has watched this video yet.';

  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'ret-title ret-desc',
                             class: 'retention-svg' },
    svg('title', { id: 'ret-title' }, 'Audience retention'),
    svg('desc', { id: 'ret-desc' }, summary));
  for (const s of [0, 0.5, 1]) {
    chart.append(svg('line', { class: 'axis', x1: PAD.left, x2: W - PAD.right, y1: y(s), y2: y(s) }),
      svg('text', { x: PAD.left - 6, y: y(s) + 4, 'text-anchor': 'end' }, `${s * 100} %`));
  }
  for (const p of [0, 25, 50, 75, 100]) {
    const at = pts.find((q) => q.percent === p);
    chart.append(svg('text', { x: x(p), y: H - 8, 'text-anchor': p === 0 ? 'start' : p === 100 ? 'end' : 'middle' },
      at ? formatDuration(at.position) : `${p} %`));
  }
  if (pts.length) {
    const line = pts.map((p, i) => `${i ? 'L' : 'M'}${x(p.percent).toFixed(1)},${y(p.share).toFixed(1)}`).join(' ');
    chart.append(
      svg('path', { class: 'area', d: `${line} L${x(100)},${y(0)} L${x(0)},${y(0)} Z` }),
      svg('path', { class: 'line', d: line }));
    for (const p of pts) chart.append(svg('circle', { class: 'dot', cx: x(p.percent), cy: y(p.share), r: 2.5 }));
  }

  const table = h('table', {},
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Point'), h('th', { scope: 'col' }, 'Time'),
      h('th', { scope: 'col' }, 'Viewers'), h('th', { scope: 'col' }, 'Share'))),
    h('tbody', {}, pts.map((p) => h('tr', {},
      h('td', {}, `${p.percent} %`), h('td', {}, formatDuration(p.position)),
      h('td', {}, String(p.viewers)), h('td', {}, `${Math.round(p.share * 100)} %`)))));
  figure.replaceChildren(chart,
    h('figcaption', {}, `Audience retention: ${summary}`),
    h('details', {}, h('summary', {}, 'Show as a table'), table));
  figure.dataset.points = String(pts.length);
}
