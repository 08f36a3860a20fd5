/* logreg playground: the script of the page written by `logreg demo --html`.
 *
 * Written by the project, no library, no network. It reads the numbers that
 * logreg computed (the element #playground-data) and draws the replay, one
 * point's numbers and the race with SVG and one canvas.
 *
 * The only math here is what shading the plane and showing one point at any
 * epoch need: z = W x + b, the sigmoid or softmax, and the log-loss, in the
 * stable forms of logreg._math (sigmoid by sign split, log(1 + e^z) with
 * log1p, softmax with the row maximum subtracted). tests/test_playground.py
 * checks in Chromium that the numbers shown equal the library's.
 */
"use strict";
(() => {
  const D = JSON.parse(document.getElementById("playground-data").textContent);
  const K = D.classes;
  const N = D.points.length;
  const $ = (id) => document.getElementById(id);
  const state = { run: D.main, epoch: 0, point: null, frame: 0 };

  // ------------------------------------------------------------------ math
  function sigmoid(z) {
    if (z >= 0) return 1 / (1 + Math.exp(-z));
    const e = Math.exp(z); // z < 0: no overflow, full precision when tiny
    return e / (1 + e);
  }
  function log1pexp(z) {
    // log(1 + e^z) without overflow: z + log(1 + e^-z) for z > 0.
    return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
  }
  function scores(W, b, x) {
    return W.map((row, k) => row[0] * x[0] + row[1] * x[1] + b[k]);
  }
  function softmax(z) {
    const top = Math.max(...z); // subtracted: exp never overflows
    const e = z.map((v) => Math.exp(v - top));
    const total = e.reduce((a, v) => a + v, 0);
    return { p: e.map((v) => v / total), lse: top + Math.log(total) };
  }
  function probabilities(W, b, x) {
    const z = scores(W, b, x);
    if (K === 2) {
      const p = sigmoid(z[0]);
      return [1 - p, p];
    }
    return softmax(z).p;
  }
  /** z, probabilities, loss term and gradient share of training row i. */
  function pointNumbers(W, b, i) {
    const x = D.points[i];
    const y = D.labels[i];
    const z = scores(W, b, x);
    if (K === 2) {
      const p = sigmoid(z[0]);
      const r = p - y;
      return {
        z, p: [p], loss: log1pexp(z[0]) - y * z[0],
        grad: [[r * x[0] / N, r * x[1] / N, r / N]],
      };
    }
    const { p, lse } = softmax(z);
    const grad = p.map((pk, k) => {
      const r = pk - (k === y ? 1 : 0);
      return [r * x[0] / N, r * x[1] / N, r / N];
    });
    return { z, p, loss: lse - z[y], grad };
  }

  // ------------------------------------------------------------- helpers
  function fmt(v, digits = 4) {
    if (!Number.isFinite(v)) return String(v);
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
    return v.toFixed(digits);
  }
  function num(v, name) {
    return `<span class="num" data-name="${name}" data-value="${v}">${fmt(v)}</span>`;
  }
  function par(v, name) {
    return v < 0 ? `(${num(v, name)})` : num(v, name);
  }
  function niceTicks(lo, hi, count) {
    const raw = (hi - lo) / count;
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
    const ticks = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * step; t += step) {
      ticks.push(Math.abs(t) < 1e-12 * step ? 0 : t);
    }
    return ticks;
  }
  function tickLabel(t) {
    return Number(t.toPrecision(6)).toString();
  }
  /** A frame: axes, ticks and labels, for a box at (l, t) of size w x h. */
  function axes(box, xs, ys, xName, yName, xLabel = tickLabel, yLabel = tickLabel) {
    const { l, t, w, h, px, py } = box;
    let s = `<g class="axis"><path d="M${l} ${t}V${t + h}H${l + w}"></path>`;
    for (const v of xs) {
      const x = px(v);
      s += `<line x1="${x}" x2="${x}" y1="${t + h}" y2="${t + h + 5}"></line>`;
      s += `<text x="${x}" y="${t + h + 18}" text-anchor="middle">${xLabel(v)}</text>`;
    }
    for (const v of ys) {
      const y = py(v);
      s += `<line x1="${l - 5}" x2="${l}" y1="${y}" y2="${y}"></line>`;
      s += `<text x="${l - 8}" y="${y + 4}" text-anchor="end">${yLabel(v)}</text>`;
    }
    s += `<text x="${l + w / 2}" y="${t + h + 34}" text-anchor="middle">${xName}</text>`;
    s += `<text transform="translate(${l - 38} ${t + h / 2}) rotate(-90)" `;
    s += `text-anchor="middle">${yName}</text></g>`;
    return s;
  }
  function box(l, t, w, h, [x0, x1, y0, y1]) {
    return {
      l, t, w, h,
      px: (x) => l + ((x - x0) / (x1 - x0)) * w,
      py: (y) => t + ((y1 - y) / (y1 - y0)) * h,
    };
  }
  function hexRgb(hex) {
    const v = parseInt(hex.slice(1), 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  function mix(a, b, t) {
    return a.map((v, i) => v + (b[i] - v) * t);
  }
  /** The segment of {x : a.x + c = 0} in the window and every half-plane g.x + h >= 0. */
  function clipLine(a, c, halfPlanes, [x0, x1, y0, y1]) {
    const norm2 = a[0] * a[0] + a[1] * a[1];
    if (!(norm2 > 0)) return null;
    const p0 = [(-c * a[0]) / norm2, (-c * a[1]) / norm2];
    const d = [-a[1], a[0]];
    let lo = -Infinity;
    let hi = Infinity;
    const planes = [
      [[1, 0], -x0], [[-1, 0], x1], [[0, 1], -y0], [[0, -1], y1], ...halfPlanes,
    ];
    for (const [g, h] of planes) {
      const slope = g[0] * d[0] + g[1] * d[1];
      const at = g[0] * p0[0] + g[1] * p0[1] + h;
      if (slope === 0) {
        if (at < 0) return null;
      } else if (slope > 0) lo = Math.max(lo, -at / slope);
      else hi = Math.min(hi, -at / slope);
    }
    if (!(lo < hi)) return null;
    return [lo, hi].map((t) => [p0[0] + t * d[0], p0[1] + t * d[1]]);
  }
  /** Decision boundary segments: z = 0 (two classes), z_j = z_k on top (more). */
  function boundarySegments(W, b) {
    if (K === 2) {
      const s = clipLine(W[0], b[0], [], D.view);
      return s ? [s] : [];
    }
    const segments = [];
    for (let j = 0; j < K; j++) {
      for (let k = j + 1; k < K; k++) {
        const a = [W[j][0] - W[k][0], W[j][1] - W[k][1]];
        const planes = [];
        for (let m = 0; m < K; m++) {
          if (m === j || m === k) continue;
          planes.push([[W[j][0] - W[m][0], W[j][1] - W[m][1]], b[j] - b[m]]);
        }
        const s = clipLine(a, b[j] - b[k], planes, D.view);
        if (s) segments.push(s);
      }
    }
    return segments;
  }

  // -------------------------------------------------------------- replay
  const plotBox = box(48, 12, 440, 440, D.view);
  const colors = D.colors.map(hexRgb);
  const white = [255, 255, 255];
  const shade = $("shade");
  const cells = 110;
  const cellCanvas = document.createElement("canvas");
  cellCanvas.width = cells;
  cellCanvas.height = cells;

  function run() {
    return D.runs[state.run];
  }
  function model() {
    const r = run();
    return [r.coef[state.epoch], r.intercept[state.epoch]];
  }
  function drawShading(W, b) {
    const cctx = cellCanvas.getContext("2d");
    const image = cctx.createImageData(cells, cells);
    const [x0, x1, y0, y1] = D.view;
    for (let row = 0; row < cells; row++) {
      const y = y1 - ((row + 0.5) / cells) * (y1 - y0);
      for (let col = 0; col < cells; col++) {
        const x = x0 + ((col + 0.5) / cells) * (x1 - x0);
        const p = probabilities(W, b, [x, y]);
        let rgb;
        if (K === 2) {
          // Blue (class 0) through white to red (class 1), as logreg.plot does.
          const t = p[1];
          rgb = t < 0.5 ? mix(colors[0], [247, 247, 247], t * 2)
            : mix([247, 247, 247], colors[1], t * 2 - 1);
          rgb = mix(white, rgb, 0.55);
        } else {
          let top = 0;
          for (let k = 1; k < K; k++) if (p[k] > p[top]) top = k;
          const sure = (p[top] - 1 / K) / (1 - 1 / K);
          rgb = mix(white, colors[top], 0.12 + 0.45 * sure);
        }
        const at = 4 * (row * cells + col);
        image.data[at] = rgb[0];
        image.data[at + 1] = rgb[1];
        image.data[at + 2] = rgb[2];
        image.data[at + 3] = 255;
      }
    }
    cctx.putImageData(image, 0, 0);
    const ctx = shade.getContext("2d");
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(cellCanvas, 0, 0, shade.width, shade.height);
  }
  function drawPoints() {
    let s = "";
    D.points.forEach((x, i) => {
      const fill = D.colors[D.labels[i]];
      s += `<circle data-index="${i}" cx="${plotBox.px(x[0])}" cy="${plotBox.py(x[1])}" `;
      s += `r="3.6" fill="${fill}"></circle>`;
    });
    $("points").innerHTML = s;
    const [x0, x1, y0, y1] = D.view;
    $("replay-axes").innerHTML = axes(
      plotBox, niceTicks(x0, x1, 6), niceTicks(y0, y1, 6), "x₁", "x₂",
    );
  }
  function drawBoundary(W, b) {
    const d = boundarySegments(W, b)
      .map(([p, q]) => `M${plotBox.px(p[0])} ${plotBox.py(p[1])}L${plotBox.px(q[0])} ${plotBox.py(q[1])}`)
      .join("");
    $("boundary").setAttribute("d", d);
  }
  function accuracy(W, b) {
    let right = 0;
    D.points.forEach((x, i) => {
      const z = scores(W, b, x);
      const guess = K === 2 ? (z[0] > 0 ? 1 : 0) : z.indexOf(Math.max(...z));
      if (guess === D.labels[i]) right += 1;
    });
    return right / N;
  }

  // ---------------------------------------------------------- loss curve
  const lossBox = { l: 60, t: 10, w: 486, h: 200 };
  function lossScale() {
    const values = run().loss.concat(D.minimum === null ? [] : [D.minimum]);
    const lo = Math.min(...values) / 1.15;
    const hi = Math.max(...values) * 1.15;
    const E = run().loss.length - 1;
    const b = box(lossBox.l, lossBox.t, lossBox.w, lossBox.h, [0, Math.max(E, 1), 0, 1]);
    b.py = (v) => lossBox.t + ((Math.log(hi) - Math.log(v)) / (Math.log(hi) - Math.log(lo))) * lossBox.h;
    b.lo = lo;
    b.hi = hi;
    return b;
  }
  function logTicks(lo, hi) {
    const ticks = [];
    for (let p = Math.floor(Math.log10(lo)); p <= Math.ceil(Math.log10(hi)); p++) {
      for (const m of [1, 2, 5]) {
        const v = m * Math.pow(10, p);
        if (v >= lo && v <= hi) ticks.push(v);
      }
    }
    return ticks.length > 8 ? ticks.filter((v) => Math.log10(v) % 1 === 0) : ticks;
  }
  function drawLossCurve() {
    const b = lossScale();
    const loss = run().loss;
    const E = loss.length - 1;
    let s = axes(b, niceTicks(0, Math.max(E, 1), 6), logTicks(b.lo, b.hi),
      "epoch", "loss (log scale)");
    if (D.minimum !== null) {
      const y = b.py(D.minimum);
      s += `<line class="minimum-line" x1="${b.l}" x2="${b.l + b.w}" y1="${y}" y2="${y}"></line>`;
      s += `<text x="${b.l + 6}" y="${y + 14}">minimum ${fmt(D.minimum)}</text>`;
    }
    $("loss-axes").innerHTML = s;
    $("loss-line").setAttribute(
      "d", loss.map((v, e) => `${e ? "L" : "M"}${b.px(e)} ${b.py(v)}`).join(""),
    );
  }
  function drawLossCursor() {
    const b = lossScale();
    const x = b.px(state.epoch);
    const cursor = $("loss-cursor");
    cursor.setAttribute("x1", x);
    cursor.setAttribute("x2", x);
    cursor.setAttribute("y1", b.t);
    cursor.setAttribute("y2", b.t + b.h);
    $("loss-dot").setAttribute("cx", x);
    $("loss-dot").setAttribute("cy", b.py(run().loss[state.epoch]));
  }

  // ---------------------------------------------------- learning rates
  function verdictNote(r) {
    const loss = r.loss;
    const E = loss.length - 1;
    let s = `Learning rate ${r.lr}: loss ${fmt(loss[0])} at the start, ${fmt(loss[E])} after ${E} epochs`;
    const gap = D.minimum === null ? null : (loss[0] - loss[E]) / (loss[0] - D.minimum);
    if (r.verdict === "diverges") {
      const top = loss.indexOf(Math.max(...loss));
      s += `. The loss climbs to ${fmt(loss[top])} at epoch ${top}, above where it started: `;
      s += "each step overshoots the valley so far that it lands higher up the other side.";
    } else if (r.verdict === "bounces") {
      const first = loss.findIndex((v, e) => e > 0 && v > loss[e - 1]);
      s += `. The loss goes up at epoch ${first} and again later: the steps overshoot `;
      s += "and come back, though it never climbs above its start.";
    } else if (r.verdict === "too small") {
      s += `: only ${(100 * gap).toFixed(1)}% of the way to the minimum ${fmt(D.minimum)}. `;
      s += "The steps are too small.";
    } else {
      s += gap === null ? ", lower every epoch."
        : `, lower every epoch: it ends ${fmt(loss[E] - D.minimum)} above the minimum ${fmt(D.minimum)}.`;
    }
    if (r.stopped) s += ` logreg's gradient descent stopped this run: ${r.stopped}`;
    return s;
  }
  function drawRates() {
    let s = "";
    D.runs.forEach((r, i) => {
      const cls = "verdict-" + r.verdict.replace(" ", "-");
      s += `<label class="rate" id="rate-label-${i}"><input type="radio" name="rate" `;
      s += `id="rate-${i}" value="${i}"${i === state.run ? " checked" : ""}>${r.lr}`;
      s += i === D.main ? " (demo)" : "";
      s += `<span class="verdict ${cls}">${r.verdict}</span></label>`;
    });
    $("rate-buttons").innerHTML = s;
    D.runs.forEach((r, i) => {
      $(`rate-${i}`).addEventListener("change", () => selectRun(i));
    });
  }
  function selectRun(i) {
    state.run = i;
    const E = run().loss.length - 1;
    state.epoch = Math.min(state.epoch, E);
    $("epoch").max = E;
    D.runs.forEach((r, j) => $(`rate-label-${j}`).classList.toggle("checked", j === i));
    $("run-note").textContent = verdictNote(run());
    drawLossCurve();
    showEpoch(state.epoch);
  }

  // ----------------------------------------------------------- one point
  function drawPoint(W, b) {
    const panel = $("point-panel");
    const ring = $("selected");
    if (state.point === null) {
      panel.innerHTML = '<span class="comment">Click a point in the plot above.</span>';
      ring.innerHTML = "";
      return;
    }
    const i = state.point;
    const x = D.points[i];
    const y = D.labels[i];
    ring.innerHTML = `<circle cx="${plotBox.px(x[0])}" cy="${plotBox.py(x[1])}" r="7.5"></circle>`;
    const v = pointNumbers(W, b, i);
    const rowName = (k) => (K === 2 ? "" : `<sub>${k}</sub>`);
    let s = `<span class="name">point #${i} at epoch ${state.epoch}:</span> `;
    s += `x = (${num(x[0], "x1")}, ${num(x[1], "x2")}), class y = ${y}\n`;
    v.z.forEach((z, k) => {
      s += `z${rowName(k)} = w${rowName(k)}·x + b${rowName(k)} = ${par(W[k][0], `w${k}1`)} × ${par(x[0], "x1")}`;
      s += ` + ${par(W[k][1], `w${k}2`)} × ${par(x[1], "x2")} + ${par(b[k], `b${k}`)} = ${num(z, `z${k}`)}\n`;
    });
    if (K === 2) {
      s += `σ(z) = 1 / (1 + e<sup>−z</sup>) = ${num(v.p[0], "p1")}`;
      s += `  <span class="comment">the probability of class 1; predicted class ${v.z[0] > 0 ? 1 : 0}</span>\n`;
      s += `loss term = log(1 + e<sup>z</sup>) − y·z = ${num(v.loss, "loss")}`;
      s += `  <span class="comment">= −log ${y === 1 ? "σ(z)" : "(1 − σ(z))"}</span>\n`;
      const r = v.p[0] - y;
      s += `share of the gradient = (σ(z) − y) · (x₁, x₂, 1) / n = ${par(r, "residual")} × (${fmt(x[0])}, ${fmt(x[1])}, 1) / ${N}\n`;
      s += `  = (∂/∂w₁ ${num(v.grad[0][0], "g1")}, ∂/∂w₂ ${num(v.grad[0][1], "g2")}, ∂/∂b ${num(v.grad[0][2], "gb")})`;
      s += `  <span class="comment">a step moves the parameters against it</span>`;
    } else {
      s += `softmax: p<sub>k</sub> = e<sup>z<sub>k</sub></sup> / Σ<sub>j</sub> e<sup>z<sub>j</sub></sup> = (`;
      s += v.p.map((p, k) => num(p, `p${k}`)).join(", ") + ")\n";
      s += `loss term = log Σ<sub>k</sub> e<sup>z<sub>k</sub></sup> − z<sub>y</sub> = −log p<sub>${y}</sub> = ${num(v.loss, "loss")}\n`;
      s += "share of the gradient, row k = (p<sub>k</sub> − [k = y]) · (x₁, x₂, 1) / n:\n";
      v.grad.forEach((g, k) => {
        s += `  row ${k}: (${num(g[0], `g${k}1`)}, ${num(g[1], `g${k}2`)}, ${num(g[2], `g${k}b`)})\n`;
      });
    }
    panel.innerHTML = s;
  }
  function selectPoint(i) {
    state.point = i;
    const [W, b] = model();
    drawPoint(W, b);
  }

  // ------------------------------------------------------------ epochs
  function showEpoch(e) {
    state.epoch = e;
    $("epoch").value = e;
    $("epoch-label").value = `${e} / ${run().loss.length - 1}`;
    const [W, b] = model();
    drawShading(W, b);
    drawBoundary(W, b);
    drawLossCursor();
    drawPoint(W, b);
    $("readout-w").textContent = W.map((row) => `[${row.map((v) => fmt(v)).join(", ")}]`).join(" ");
    $("readout-b").textContent = b.map((v) => fmt(v)).join(", ");
    $("readout-loss").textContent = fmt(run().loss[e]);
    $("readout-accuracy").textContent = `${(100 * accuracy(W, b)).toFixed(1)}% of the training rows`;
  }
  let timer = null;
  function stop() {
    clearInterval(timer);
    timer = null;
    $("play").textContent = "Play";
  }
  function play() {
    if (timer) return stop();
    const E = run().loss.length - 1;
    if (state.epoch >= E) showEpoch(0);
    $("play").textContent = "Pause";
    const stride = Math.max(1, Math.round(E / 150));
    timer = setInterval(() => {
      const last = run().loss.length - 1;
      if (state.epoch >= last) return stop();
      showEpoch(Math.min(last, state.epoch + stride));
    }, 60);
  }

  // -------------------------------------------------------------- race
  const raceColors = { gd: "#1f77b4", momentum: "#ff7f0e", newton: "#2ca02c" };
  let raceBox = null;
  let frames = [0];
  function stepFrames(maxSteps) {
    const steps = new Set();
    for (let s = 0; s <= Math.min(60, maxSteps); s++) steps.add(s);
    for (let i = 0; i <= 140; i++) {
      steps.add(Math.round(Math.exp((Math.log(maxSteps) * i) / 140)));
    }
    return [...steps].filter((s) => s <= maxSteps).sort((a, b) => a - b);
  }
  function upTo(path, step) {
    let k = 0;
    while (k + 1 < path.at.length && path.at[k + 1] <= step) k++;
    return k;
  }
  function drawRaceStatic() {
    const R = D.race;
    raceBox = box(48, 12, 440, 440, R.window);
    const [a0, a1, b0, b1] = R.window;
    $("race-axes").innerHTML = axes(raceBox, niceTicks(a0, a1, 6), niceTicks(b0, b1, 6),
      "w₁", "w₂");
    const levels = R.contours.length;
    let s = "";
    R.contours.forEach((c, i) => {
      const shadeOf = mix([58, 96, 150], [200, 212, 228], i / Math.max(levels - 1, 1));
      const stroke = `rgb(${shadeOf.map(Math.round).join(",")})`;
      const d = c.lines.map((line) => line.map((p, j) => `${j ? "L" : "M"}${raceBox.px(p[0]).toFixed(1)} ${raceBox.py(p[1]).toFixed(1)}`).join("")).join("");
      s += `<path d="${d}" style="stroke:${stroke}" data-level="${c.level}"></path>`;
    });
    $("contours").innerHTML = s;
    const o = [raceBox.px(R.optimum[0]), raceBox.py(R.optimum[1])];
    const st = [raceBox.px(R.start[0]), raceBox.py(R.start[1])];
    $("race-marks").innerHTML =
      `<circle id="race-start" cx="${st[0]}" cy="${st[1]}" r="6" fill="#fff" stroke="#111" stroke-width="2"></circle>` +
      `<text x="${st[0] + 9}" y="${st[1] - 8}" style="fill:#111">start</text>` +
      `<g id="optimum" data-x="${o[0]}" data-y="${o[1]}"><circle cx="${o[0]}" cy="${o[1]}" r="7" fill="none" stroke="#111" stroke-width="2"></circle>` +
      `<path d="M${o[0] - 10} ${o[1]}H${o[0] + 10}M${o[0]} ${o[1] - 10}V${o[1] + 10}" stroke="#111" stroke-width="1.5"></path></g>` +
      `<text x="${o[0] + 11}" y="${o[1] + 18}" style="fill:#111">optimum</text>`;
    const maxSteps = Math.max(...R.paths.map((p) => p.steps));
    frames = stepFrames(maxSteps);
    $("race-frame").max = frames.length - 1;
    const full = R.full_steps;
    const said = (n) => (n === null ? "more than 20000" : String(n));
    $("race-full").innerHTML =
      `On all three parameters (the demo's own problem, b free as well), from the same start: ` +
      `gradient descent needs ${said(full.gd)} steps, momentum ${said(full.momentum)}, Newton ${said(full.newton)}.<br>` +
      `Optimum: w* = (${fmt(R.optimum[0])}, ${fmt(R.optimum[1])}), b* = ${fmt(R.intercept)}, ` +
      `loss ${fmt(R.minimum)}. A racer has arrived when no entry of its gradient exceeds ${R.tol.toExponential(0)}.`;
  }
  function showFrame(f) {
    const R = D.race;
    state.frame = f;
    const step = frames[f];
    $("race-frame").value = f;
    $("race-label").value = `${step}`;
    let paths = "";
    let board = "<tr><th></th><th>steps to the optimum</th><th>at this step</th></tr>";
    // Momentum under gradient descent under Newton: the short paths on top.
    const order = ["momentum", "gd", "newton"];
    const drawn = [...R.paths].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
    for (const p of drawn) {
      const k = upTo(p, step);
      const pts = p.points.slice(0, k + 1);
      const color = raceColors[p.name];
      const line = pts.map((q) => `${raceBox.px(q[0]).toFixed(2)},${raceBox.py(q[1]).toFixed(2)}`).join(" ");
      paths += `<polyline id="path-${p.name}" points="${line}" style="stroke:${color}"></polyline>`;
      // A dot per step (the early ones, where they are apart): Newton's few
      // long steps against gradient descent's many short ones.
      const few = p.points.length <= 60;
      pts.forEach((q, j) => {
        if (!few && p.at[j] > 150) return;
        paths += `<circle cx="${raceBox.px(q[0])}" cy="${raceBox.py(q[1])}" r="${few ? 3.2 : 1.5}" fill="${color}"${few ? "" : ' style="stroke:none"'}></circle>`;
      });
      const head = pts[pts.length - 1];
      paths += `<circle id="head-${p.name}" cx="${raceBox.px(head[0])}" cy="${raceBox.py(head[1])}" r="5" fill="${color}"></circle>`;
    }
    for (const p of R.paths) {
      const k = upTo(p, step);
      const head = p.points[k];
      const color = raceColors[p.name];
      const arrived = p.reached && step >= p.steps;
      const distance = Math.hypot(head[0] - R.optimum[0], head[1] - R.optimum[1]);
      board += `<tr id="score-${p.name}"><td><span class="swatch" style="background:${color}"></span>${p.label}</td>`;
      board += `<td>${p.reached ? p.steps : "not reached in " + p.steps}</td>`;
      board += `<td>${arrived ? "✓ arrived" : `loss ${fmt(p.losses[k])}, ${fmt(distance)} from w*`}</td></tr>`;
    }
    $("race-paths").innerHTML = paths;
    $("scoreboard").innerHTML = board;
  }
  let raceTimer = null;
  function raceStop() {
    clearInterval(raceTimer);
    raceTimer = null;
    $("race-play").textContent = "Race";
  }
  function racePlay() {
    if (raceTimer) return raceStop();
    showFrame(0);
    $("race-play").textContent = "Pause";
    raceTimer = setInterval(() => {
      if (state.frame >= frames.length - 1) return raceStop();
      showFrame(state.frame + 1);
    }, 70);
  }

  // ------------------------------------------------------------- wiring
  function viewBoxPoint(svg, event, size) {
    const r = svg.getBoundingClientRect();
    return [((event.clientX - r.left) * size) / r.width, ((event.clientY - r.top) * size) / r.height];
  }
  $("replay-svg").addEventListener("click", (event) => {
    const index = event.target.getAttribute("data-index");
    if (index !== null) return selectPoint(Number(index));
    const [vx, vy] = viewBoxPoint($("replay-svg"), event, 500);
    let best = null;
    let bestDistance = 14;
    D.points.forEach((x, i) => {
      const d = Math.hypot(plotBox.px(x[0]) - vx, plotBox.py(x[1]) - vy);
      if (d < bestDistance) [best, bestDistance] = [i, d];
    });
    if (best !== null) selectPoint(best);
  });
  $("loss-svg").addEventListener("click", (event) => {
    const [vx] = viewBoxPoint($("loss-svg"), event, 560);
    const E = run().loss.length - 1;
    const e = Math.round(((vx - lossBox.l) / lossBox.w) * E);
    showEpoch(Math.max(0, Math.min(E, e)));
  });
  $("epoch").addEventListener("input", () => {
    stop();
    showEpoch(Number($("epoch").value));
  });
  $("play").addEventListener("click", play);
  $("n-rows").textContent = `n = ${N}`;

  drawPoints();
  drawRates();
  // Start on the row the final model gets most wrong: it has the most to say.
  const last = D.runs[D.main];
  const E = last.loss.length - 1;
  let worst = 0;
  let worstLoss = -Infinity;
  D.points.forEach((_, i) => {
    const l = pointNumbers(last.coef[E], last.intercept[E], i).loss;
    if (l > worstLoss) [worst, worstLoss] = [i, l];
  });
  state.point = worst;
  selectRun(D.main);
  showEpoch(0);

  if (D.race === null) {
    $("race-body").style.display = "none";
    $("race-lead").style.display = "none";
    $("race-note").textContent = D.note;
  } else {
    $("race-note").style.display = "none";
    drawRaceStatic();
    showFrame(frames.length - 1);
    $("race-frame").addEventListener("input", () => {
      raceStop();
      showFrame(Number($("race-frame").value));
    });
    $("race-play").addEventListener("click", racePlay);
  }
  document.body.setAttribute("data-ready", "true");
})();
