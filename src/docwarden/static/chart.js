// The 10-minute chart: service RSS (left axis, MB) and jobs per second (right
// axis), drawn on a plain <canvas> sized to its box and the screen's pixel ratio.

export const WINDOW_S = 600;
const HEIGHT_PX = 220;
const PAD = { left: 52, right: 44, top: 12, bottom: 26 };

// A round axis maximum (1, 2 or 5 times a power of ten) at or above `value`.
export function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (value <= step * power) return step * power;
  }
  return 10 * power;
}

function colors(canvas) {
  const style = getComputedStyle(canvas);
  const read = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  return { rss: read("--chart-rss", "#1f5fbf"), jobs: read("--chart-jobs", "#b34700"),
           grid: read("--chart-grid", "#d0d4da"), text: read("--fg-muted", "#4a5563") };
}

function setup(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(200, canvas.clientWidth || canvas.parentElement.clientWidth);
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== HEIGHT_PX * ratio) {
    canvas.width = Math.round(width * ratio);
    canvas.height = HEIGHT_PX * ratio;
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, HEIGHT_PX);
  ctx.font = "12px system-ui, sans-serif";
  return { ctx, width, plotW: width - PAD.left - PAD.right, plotH: HEIGHT_PX - PAD.top - PAD.bottom };
}

function axes(g, c, rssMax, jobsMax) {
  const { ctx, width, plotW, plotH } = g;
  ctx.strokeStyle = c.grid;
  ctx.fillStyle = c.text;
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i += 1) {
    const y = PAD.top + plotH - (plotH * i) / 4;
    ctx.beginPath();
    ctx.moveTo(PAD.left, y + 0.5);
    ctx.lineTo(PAD.left + plotW, y + 0.5);
    ctx.stroke();
    ctx.textAlign = "right";
    ctx.fillText(String(Math.round((rssMax * i) / 4)), PAD.left - 6, y + 4);
    ctx.textAlign = "left";
    ctx.fillText(String(+((jobsMax * i) / 4).toFixed(2)), width - PAD.right + 6, y + 4);
  }
  ctx.textAlign = "center";
  for (const [label, ago] of [["-10 min", 600], ["-5 min", 300], ["now", 0]]) {
    const x = PAD.left + plotW * (1 - ago / WINDOW_S);
    ctx.fillText(label, Math.min(Math.max(x, PAD.left + 20), PAD.left + plotW - 12), HEIGHT_PX - 8);
  }
}

function line(g, points, nowS, max, color, dashed) {
  const { ctx, plotW, plotH } = g;
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.setLineDash(dashed ? [6, 3] : []);
  const xy = points.map(([t, value]) => [PAD.left + plotW * (1 - (nowS - t) / WINDOW_S),
                                          PAD.top + plotH - (plotH * Math.min(value, max)) / max]);
  ctx.beginPath();
  xy.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
  ctx.stroke();
  ctx.setLineDash([]);
  if (xy.length) { // the latest value, visible even before there is a line
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.arc(xy[xy.length - 1][0], xy[xy.length - 1][1], 3, 0, 2 * Math.PI);
    ctx.fill();
  }
}

// history: [{t (seconds), rssMb, jobsPerS}], oldest first.
export function drawChart(canvas, history, nowS) {
  const g = setup(canvas);
  const c = colors(canvas);
  const recent = history.filter((p) => nowS - p.t <= WINDOW_S);
  const rssMax = niceMax(Math.max(0, ...recent.map((p) => p.rssMb)) * 1.1);
  const jobsMax = niceMax(Math.max(0.5, ...recent.map((p) => p.jobsPerS)));
  axes(g, c, rssMax, jobsMax);
  line(g, recent.map((p) => [p.t, p.rssMb]), nowS, rssMax, c.rss, false);
  line(g, recent.filter((p) => p.jobsPerS !== null).map((p) => [p.t, p.jobsPerS]), nowS,
       jobsMax, c.jobs, true);
}
