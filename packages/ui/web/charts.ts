// Hand-made SVG charts: a grouped bar chart and a line chart, enough for the benchmarks' figures.

const svgNs = 'http://www.w3.org/2000/svg';
const colors = ['#c0392b', '#2471a3', '#27ae60', '#8e44ad', '#d68910', '#566573'];

function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const el = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

interface Series {
  name: string;
  values: number[];
}

const fmt = (n: number): string => (n >= 10_000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(Math.round(n * 10) / 10));

function legend(root: SVGElement, series: Series[], x: number): void {
  series.forEach((s, i) => {
    root.append(svg('rect', { x, y: 8 + i * 16, width: 10, height: 10, fill: colors[i % colors.length]! }));
    root.append(svg('text', { x: x + 14, y: 17 + i * 16, 'font-size': 11 }, s.name));
  });
}

/** Grouped bars, one group per label; `log` scales the axis (token counts span 1k to 1M). */
export function barChart(options: { labels: string[]; series: Series[]; unit: string; log?: boolean }): SVGElement {
  const { labels, series } = options;
  const width = Math.max(640, labels.length * (series.length * 14 + 16) + 120);
  const height = 320;
  const left = 60;
  const bottom = 110;
  const plotH = height - bottom - 20;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const scale = (v: number): number => (options.log ? (Math.log10(Math.max(1, v)) / Math.log10(max)) * plotH : (v / max) * plotH);
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart' });
  root.append(svg('text', { x: 4, y: 14, 'font-size': 11 }, `${options.unit}${options.log ? ' (log)' : ''}`));
  for (const tick of options.log ? [10, 100, 1000, 10_000, 100_000, 1_000_000].filter((t) => t <= max) : [0.25, 0.5, 0.75, 1].map((f) => f * max)) {
    const y = height - bottom - scale(tick);
    root.append(svg('line', { x1: left, x2: width - 150, y1: y, y2: y, stroke: '#ddd' }));
    root.append(svg('text', { x: left - 4, y: y + 4, 'font-size': 10, 'text-anchor': 'end' }, fmt(tick)));
  }
  const group = series.length * 14 + 16;
  labels.forEach((label, i) => {
    const x0 = left + 8 + i * group;
    series.forEach((s, j) => {
      const v = s.values[i] ?? 0;
      const hgt = scale(v);
      const bar = svg('rect', { x: x0 + j * 14, y: height - bottom - hgt, width: 12, height: Math.max(0, hgt), fill: colors[j % colors.length]! });
      bar.append(svg('title', {}, `${label} · ${s.name}: ${v} ${options.unit}`));
      root.append(bar);
    });
    root.append(svg('text', { x: x0 + 4, y: height - bottom + 10, 'font-size': 10, transform: `rotate(45 ${x0 + 4} ${height - bottom + 10})` }, label.length > 28 ? `${label.slice(0, 27)}…` : label));
  });
  legend(root, series, width - 140);
  return root;
}

/** Lines over numeric x values (catalog size, rows). */
export function lineChart(options: { xs: number[]; series: Series[]; unit: string; xLabel: string }): SVGElement {
  const width = 640;
  const height = 260;
  const left = 60;
  const bottom = 40;
  const right = 160;
  const maxX = Math.max(1, ...options.xs);
  const maxY = Math.max(1, ...options.series.flatMap((s) => s.values));
  const px = (x: number): number => left + (x / maxX) * (width - left - right);
  const py = (y: number): number => height - bottom - (y / maxY) * (height - bottom - 20);
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart' });
  root.append(svg('text', { x: 4, y: 14, 'font-size': 11 }, options.unit));
  root.append(svg('text', { x: (width - right) / 2, y: height - 6, 'font-size': 11 }, options.xLabel));
  for (const f of [0.25, 0.5, 0.75, 1]) {
    root.append(svg('line', { x1: left, x2: width - right, y1: py(f * maxY), y2: py(f * maxY), stroke: '#ddd' }));
    root.append(svg('text', { x: left - 4, y: py(f * maxY) + 4, 'font-size': 10, 'text-anchor': 'end' }, fmt(f * maxY)));
  }
  for (const x of options.xs) root.append(svg('text', { x: px(x), y: height - bottom + 14, 'font-size': 10, 'text-anchor': 'middle' }, fmt(x)));
  options.series.forEach((s, j) => {
    const color = colors[j % colors.length]!;
    root.append(svg('polyline', { points: options.xs.map((x, i) => `${px(x)},${py(s.values[i] ?? 0)}`).join(' '), fill: 'none', stroke: color, 'stroke-width': 2 }));
    options.xs.forEach((x, i) => {
      const dot = svg('circle', { cx: px(x), cy: py(s.values[i] ?? 0), r: 3, fill: color });
      dot.append(svg('title', {}, `${s.name} at ${x}: ${s.values[i] ?? 0} ${options.unit}`));
      root.append(dot);
    });
  });
  legend(root, options.series, width - right + 10);
  return root;
}
