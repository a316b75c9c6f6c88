// aelab latent explorer: the script of report.html and compare.html. Plain JavaScript with no
// imports and nothing fetched; it reads the JSON data block written by src/render/explorer and
// evaluates the decoders' dense layers itself. It runs under a CSP that allows only this script
// (by hash), so it must not create other scripts, use eval, or load anything.
(function () {
  'use strict';
  var root = document.getElementById('aelab-explorer');
  var dataBlock = document.getElementById('aelab-explorer-data');
  if (!root || !dataBlock) return;
  var D = JSON.parse(dataBlock.textContent);

  var PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  var L = D.latent;
  var DIM = D.height * D.width;

  function bytes(b64) {
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function floats(b64) {
    var b = bytes(b64);
    return new Float32Array(b.buffer, 0, b.length >> 2);
  }

  // ---- The decoder: dense layers y = act(x·W + b), W in×out row-major, as tfjs-layers computes them.
  var SELU_ALPHA = 1.6732632423543772;
  var SELU_SCALE = 1.0507009873554805;
  // tfjs's erf (Abramowitz & Stegun 7.1.26), so gelu matches the Node model.
  function erf(x) {
    var s = x < 0 ? -1 : 1;
    var a = Math.abs(x);
    var t = 1 / (1 + 0.3275911 * a);
    var y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
    return s * y;
  }
  function sigmoid(v) {
    return 1 / (1 + Math.exp(-v));
  }
  var ACTIVATIONS = {
    linear: null,
    relu: function (v) { return v > 0 ? v : 0; },
    sigmoid: sigmoid,
    tanh: Math.tanh,
    elu: function (v) { return v > 0 ? v : Math.exp(v) - 1; },
    selu: function (v) { return SELU_SCALE * (v > 0 ? v : SELU_ALPHA * (Math.exp(v) - 1)); },
    softplus: function (v) { return v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)); },
    swish: function (v) { return v * sigmoid(v); },
    gelu: function (v) { return 0.5 * v * (1 + erf(v / Math.SQRT2)); },
    leaky_relu: 'leaky'
  };

  function makeDecoder(spec) {
    var layers = spec.layers.map(function (l) {
      if (!Object.prototype.hasOwnProperty.call(ACTIVATIONS, l.activation)) throw new Error('aelab explorer: unknown activation ' + l.activation);
      return { n: l.in, m: l.out, w: floats(l.weights), b: floats(l.bias), act: ACTIVATIONS[l.activation], alpha: l.alpha, y: new Float64Array(l.out) };
    });
    return function decode(z) {
      var x = z;
      for (var li = 0; li < layers.length; li++) {
        var layer = layers[li];
        var y = layer.y, w = layer.w, m = layer.m, j;
        for (j = 0; j < m; j++) y[j] = layer.b[j];
        // Row by row through W (contiguous memory): y += x_i · W[i, :].
        for (var i = 0; i < layer.n; i++) {
          var xi = x[i];
          if (xi === 0) continue;
          var off = i * m;
          for (j = 0; j < m; j++) y[j] += xi * w[off + j];
        }
        var act = layer.act;
        if (act === 'leaky') {
          for (j = 0; j < m; j++) if (y[j] < 0) y[j] *= layer.alpha;
        } else if (act) {
          for (j = 0; j < m; j++) y[j] = act(y[j]);
        }
        x = y;
      }
      return Float32Array.from(x);
    };
  }

  var labels = bytes(D.labels);
  var imageIndex = D.imageIndex;
  var images = bytes(D.images);
  var models = D.models.map(function (m) {
    return { label: m.label, decode: makeDecoder(m), codes: floats(m.codes), density: m.density, plane: m.plane, sampler: null };
  });
  var digits = Array.from(new Set(labels)).sort(function (a, b) { return a - b; });
  function colourOf(label) {
    return PALETTE[digits.indexOf(label) % PALETTE.length];
  }

  // ---- Seeded random numbers (mulberry32 + Box–Muller), so a page behaves the same on every load.
  var rngState = D.seed >>> 0;
  function random() {
    rngState = (rngState + 0x6d2b79f5) >>> 0;
    var t = rngState;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  function normal() {
    return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  }

  // ---- Sampling from a Gaussian mixture: pick a component by weight, then mean + chol(Σ)·ε.
  function cholesky(a, d) {
    var scale = 0;
    for (var i0 = 0; i0 < d; i0++) scale += Math.abs(a[i0][i0]) / d;
    for (var attempt = 0; attempt < 8; attempt++) {
      var jitter = attempt === 0 ? 0 : scale * Math.pow(10, attempt - 10);
      var f = [], ok = true;
      for (var i = 0; i < d && ok; i++) {
        f.push(new Float64Array(d));
        for (var j = 0; j <= i; j++) {
          var s = a[i][j] + (i === j ? jitter : 0);
          for (var k = 0; k < j; k++) s -= f[i][k] * f[j][k];
          if (i === j) {
            if (!(s > 0)) { ok = false; break; }
            f[i][i] = Math.sqrt(s);
          } else f[i][j] = s / f[j][j];
        }
      }
      if (ok) return f;
    }
    throw new Error('aelab explorer: a covariance of the density is not positive definite');
  }
  function makeSampler(density) {
    var comps = density.components.map(function (c) { return { w: c.weight, mean: c.mean, f: cholesky(c.covariance, c.mean.length) }; });
    var total = comps.reduce(function (s, c) { return s + c.w; }, 0);
    return function () {
      var u = random() * total, c = comps[comps.length - 1];
      for (var k = 0; k < comps.length; k++) {
        if (u < comps[k].w) { c = comps[k]; break; }
        u -= comps[k].w;
      }
      var d = c.mean.length, eps = [], z = new Float64Array(d);
      for (var i = 0; i < d; i++) eps.push(normal());
      for (i = 0; i < d; i++) {
        var s = c.mean[i];
        for (var j = 0; j <= i; j++) s += c.f[i][j] * eps[j];
        z[i] = s;
      }
      return z;
    };
  }

  // ---- Elements.
  function one(role) { return root.querySelector('[data-role="' + role + '"]'); }
  function all(role) { return Array.prototype.slice.call(root.querySelectorAll('[data-role="' + role + '"]')); }
  var scatter = one('scatter');
  var ctx = scatter.getContext('2d');
  var readout = one('readout');
  var decodedCanvases = all('decoded');
  var nearestCanvas = one('nearest');
  var nearestReconCanvases = all('nearest-reconstruction');
  var interpLatentCanvases = all('interpolation-latent');
  var interpPixelCanvas = one('interpolation-pixel');
  var pairCanvases = [one('pair-a'), one('pair-b')];
  var alphaInput = one('alpha');
  var alphaOutput = one('alpha-value');
  var planeSelect = one('plane');
  var dimSelects = [one('dim-x'), one('dim-y')];
  var holdSelect = one('hold');
  var modelSelect = one('model');
  var sampleButton = one('sample');
  var sliders = all('dim-slider');
  var sliderOutputs = all('dim-value');

  function drawDigit(canvas, pixels) {
    // Digit canvases are tiny and written with putImageData: keep them in CPU memory.
    var c = canvas.getContext('2d', { willReadFrequently: true });
    var img = c.createImageData(D.width, D.height);
    for (var p = 0; p < DIM; p++) {
      var v = pixels[p];
      var g = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
      img.data[4 * p] = g;
      img.data[4 * p + 1] = g;
      img.data[4 * p + 2] = g;
      img.data[4 * p + 3] = 255;
    }
    c.putImageData(img, 0, 0);
  }
  function testImage(k) {
    var out = new Float32Array(DIM);
    for (var p = 0; p < DIM; p++) out[p] = images[k * DIM + p] / 255;
    return out;
  }
  function codeOf(model, i) {
    return Float64Array.from(models[model].codes.subarray(i * L, (i + 1) * L));
  }

  // ---- State: the active model (whose codes are plotted), the plane, the held code, the current z.
  var S = {
    model: 0,
    plane: L > 2 ? 'pca' : 'dims',
    dims: [0, Math.min(1, L - 1)],
    hold: 'mean',
    z: null,
    base: null,
    pair: [-1, -1],
    nextPick: 0,
    alpha: 0.5,
    sample: null,
    nearest: -1,
    decodes: 0
  };

  function meanCode(model) {
    var m = new Float64Array(L), codes = models[model].codes, n = D.n;
    for (var i = 0; i < n; i++) for (var j = 0; j < L; j++) m[j] += codes[i * L + j] / n;
    return m;
  }
  function spreadCode(model) {
    var mean = meanCode(model), sd = new Float64Array(L), codes = models[model].codes, n = D.n;
    for (var i = 0; i < n; i++) for (var j = 0; j < L; j++) sd[j] += Math.pow(codes[i * L + j] - mean[j], 2) / n;
    for (j = 0; j < L; j++) sd[j] = Math.sqrt(sd[j]) || 1;
    return sd;
  }

  // The plotted plane: P(z) = (a, b) and its inverse around the held code.
  function axes() {
    if (S.plane === 'pca') return models[S.model].plane.axes;
    return [0, 1].map(function (k) {
      var e = new Float64Array(L);
      e[S.dims[k]] = 1;
      return e;
    });
  }
  function project(z) {
    if (L === 1) return [z[0], 0];
    var ax = axes(), origin = S.plane === 'pca' ? models[S.model].plane.mean : null;
    var out = [0, 0];
    for (var k = 0; k < 2; k++) for (var j = 0; j < L; j++) out[k] += ax[k][j] * (z[j] - (origin ? origin[j] : 0));
    return out;
  }
  function unproject(a, b) {
    var z = Float64Array.from(S.base);
    if (L === 1) { z[0] = a; return z; }
    var ax = axes(), p = project(S.base), da = a - p[0], db = b - p[1];
    for (var j = 0; j < L; j++) z[j] += da * ax[0][j] + db * ax[1][j];
    return z;
  }

  // Scatter geometry: the 0.5–99.5 percentile box of the projected codes, padded.
  var PAD = { left: 46, right: 12, top: 12, bottom: 36 };
  var CSS_SIZE = 440;
  var view = null;
  var scatterCache = null;
  function percentile(sorted, q) {
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
  }
  function layoutScatter() {
    var n = D.n, codes = models[S.model].codes, xs = new Float64Array(n), ys = new Float64Array(n);
    for (var i = 0; i < n; i++) {
      var p = project(codes.subarray(i * L, (i + 1) * L));
      xs[i] = p[0];
      ys[i] = p[1];
    }
    var sx = Float64Array.from(xs).sort(), sy = Float64Array.from(ys).sort();
    var x0 = percentile(sx, 0.005), x1 = percentile(sx, 0.995), y0 = percentile(sy, 0.005), y1 = percentile(sy, 0.995);
    if (!(x1 > x0)) { x0 -= 1; x1 += 1; }
    if (!(y1 > y0)) { y0 -= 1; y1 += 1; }
    var px = 0.08 * (x1 - x0), py = 0.08 * (y1 - y0);
    view = { x0: x0 - px, x1: x1 + px, y0: y0 - py, y1: y1 + py, xs: xs, ys: ys };
    renderScatterCache();
  }
  function toScreen(a, b) {
    var w = CSS_SIZE - PAD.left - PAD.right, h = CSS_SIZE - PAD.top - PAD.bottom;
    return [PAD.left + ((a - view.x0) / (view.x1 - view.x0)) * w, PAD.top + (1 - (b - view.y0) / (view.y1 - view.y0)) * h];
  }
  function fromScreen(x, y) {
    var w = CSS_SIZE - PAD.left - PAD.right, h = CSS_SIZE - PAD.top - PAD.bottom;
    return [view.x0 + ((x - PAD.left) / w) * (view.x1 - view.x0), view.y0 + (1 - (y - PAD.top) / h) * (view.y1 - view.y0)];
  }
  function axisNames() {
    if (L === 1) return ['z1', ''];
    if (S.plane === 'pca') return ['PC1 of the codes', 'PC2 of the codes'];
    return ['z' + (S.dims[0] + 1), 'z' + (S.dims[1] + 1)];
  }
  function renderScatterCache() {
    var dpr = window.devicePixelRatio || 1;
    scatter.width = Math.round(CSS_SIZE * dpr);
    scatter.height = Math.round(CSS_SIZE * dpr);
    scatterCache = document.createElement('canvas');
    scatterCache.width = scatter.width;
    scatterCache.height = scatter.height;
    var c = scatterCache.getContext('2d');
    c.scale(dpr, dpr);
    c.fillStyle = '#fff';
    c.fillRect(0, 0, CSS_SIZE, CSS_SIZE);
    c.strokeStyle = '#888';
    c.strokeRect(PAD.left, PAD.top, CSS_SIZE - PAD.left - PAD.right, CSS_SIZE - PAD.top - PAD.bottom);
    c.save();
    c.beginPath();
    c.rect(PAD.left, PAD.top, CSS_SIZE - PAD.left - PAD.right, CSS_SIZE - PAD.top - PAD.bottom);
    c.clip();
    c.globalAlpha = D.n > 1500 ? 0.5 : 0.7;
    var r = D.n > 1500 ? 1.6 : 2.2;
    for (var i = 0; i < D.n; i++) {
      var s = toScreen(view.xs[i], view.ys[i]);
      c.fillStyle = colourOf(labels[i]);
      c.beginPath();
      c.arc(s[0], s[1], r, 0, 2 * Math.PI);
      c.fill();
    }
    c.restore();
    c.fillStyle = '#333';
    c.font = '12px system-ui, "DejaVu Sans", sans-serif';
    var names = axisNames();
    c.textAlign = 'center';
    c.fillText(names[0], PAD.left + (CSS_SIZE - PAD.left - PAD.right) / 2, CSS_SIZE - 8);
    c.textAlign = 'left';
    c.fillText(fmt(view.x0), PAD.left, CSS_SIZE - PAD.bottom + 14);
    c.textAlign = 'right';
    c.fillText(fmt(view.x1), CSS_SIZE - PAD.right, CSS_SIZE - PAD.bottom + 14);
    if (names[1]) {
      // Latent 1 has no second axis: its codes sit on one line.
      c.fillText(fmt(view.y1), PAD.left - 4, PAD.top + 10);
      c.fillText(fmt(view.y0), PAD.left - 4, CSS_SIZE - PAD.bottom);
      c.save();
      c.translate(14, PAD.top + (CSS_SIZE - PAD.top - PAD.bottom) / 2);
      c.rotate(-Math.PI / 2);
      c.textAlign = 'center';
      c.fillText(names[1], 0, 0);
      c.restore();
    }
  }
  function fmt(v) {
    return Number(v.toPrecision(3)).toString();
  }
  function marker(c, z, style, size) {
    var p = project(z), s = toScreen(p[0], p[1]);
    c.strokeStyle = style;
    c.lineWidth = 2;
    c.beginPath();
    c.arc(s[0], s[1], size, 0, 2 * Math.PI);
    c.stroke();
    return s;
  }
  function drawScatter() {
    var dpr = window.devicePixelRatio || 1;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(scatterCache, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    var ends = [];
    for (var k = 0; k < 2; k++) {
      if (S.pair[k] >= 0) ends.push(marker(ctx, codeOf(S.model, imageIndex[S.pair[k]]), '#000', 6));
    }
    if (ends.length === 2) {
      ctx.strokeStyle = 'rgba(0,0,0,0.55)';
      ctx.lineWidth = 1.5;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(ends[0][0], ends[0][1]);
      ctx.lineTo(ends[1][0], ends[1][1]);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    if (S.sample) {
      var s = marker(ctx, S.sample, '#d0021b', 7);
      ctx.fillStyle = '#d0021b';
      ctx.font = 'bold 12px system-ui, "DejaVu Sans", sans-serif';
      ctx.textAlign = 'left';
      ctx.fillText('sample', s[0] + 9, s[1] - 6);
    }
    // The current z: a cross.
    var p = project(S.z), q = toScreen(p[0], p[1]);
    ctx.strokeStyle = '#000';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(q[0] - 7, q[1]);
    ctx.lineTo(q[0] + 7, q[1]);
    ctx.moveTo(q[0], q[1] - 7);
    ctx.lineTo(q[0], q[1] + 7);
    ctx.stroke();
  }

  // The embedded test image whose code (of the active model) is nearest to z.
  function nearestImage(z) {
    var codes = models[S.model].codes, best = -1, bestD = Infinity;
    for (var k = 0; k < imageIndex.length; k++) {
      var i = imageIndex[k], d = 0;
      for (var j = 0; j < L; j++) {
        var c = codes[i * L + j] - z[j];
        d += c * c;
      }
      if (d < bestD) { bestD = d; best = k; }
    }
    return best;
  }

  // ---- Updates.
  function setZ(z) {
    S.z = Float64Array.from(z);
    for (var m = 0; m < models.length; m++) drawDigit(decodedCanvases[m], models[m].decode(S.z));
    S.decodes += models.length;
    var k = nearestImage(S.z);
    if (k !== S.nearest && k >= 0) {
      S.nearest = k;
      drawDigit(nearestCanvas, testImage(k));
      for (m = 0; m < models.length; m++) drawDigit(nearestReconCanvases[m], models[m].decode(codeOf(m, imageIndex[k])));
    }
    readout.textContent = 'z = (' + Array.prototype.map.call(S.z, fmt).join(', ') + ')' + (k >= 0 ? ' · nearest test image: digit ' + labels[imageIndex[k]] : '');
    syncSliders();
    drawScatter();
  }
  function setupSliders() {
    var mean = meanCode(S.model), sd = spreadCode(S.model);
    sliders.forEach(function (input) {
      var j = Number(input.getAttribute('data-dim'));
      input.min = String(mean[j] - 3 * sd[j]);
      input.max = String(mean[j] + 3 * sd[j]);
    });
  }
  function syncSliders() {
    for (var s = 0; s < sliders.length; s++) {
      var j = Number(sliders[s].getAttribute('data-dim'));
      sliders[s].value = String(S.z[j]);
      sliderOutputs[s].textContent = fmt(S.z[j]);
    }
  }
  function heldCode() {
    return S.hold === 'picked' && S.pair[0] >= 0 ? codeOf(S.model, imageIndex[S.pair[0]]) : meanCode(S.model);
  }

  function drawInterpolation() {
    if (S.pair[0] < 0 || S.pair[1] < 0) return;
    var a = S.alpha, ia = imageIndex[S.pair[0]], ib = imageIndex[S.pair[1]];
    var xa = testImage(S.pair[0]), xb = testImage(S.pair[1]), blend = new Float32Array(DIM);
    for (var p = 0; p < DIM; p++) blend[p] = (1 - a) * xa[p] + a * xb[p];
    drawDigit(pairCanvases[0], xa);
    drawDigit(pairCanvases[1], xb);
    drawDigit(interpPixelCanvas, blend);
    for (var m = 0; m < models.length; m++) {
      var za = codeOf(m, ia), zb = codeOf(m, ib), z = new Float64Array(L);
      for (var j = 0; j < L; j++) z[j] = (1 - a) * za[j] + a * zb[j];
      drawDigit(interpLatentCanvases[m], models[m].decode(z));
    }
    alphaOutput.textContent = a.toFixed(2);
    // The main view follows the interpolated code of the plotted model.
    var zs = codeOf(S.model, ia), ze = codeOf(S.model, ib), zc = new Float64Array(L);
    for (j = 0; j < L; j++) zc[j] = (1 - a) * zs[j] + a * ze[j];
    setZ(zc);
  }
  function pick(k) {
    S.pair[S.nextPick] = k;
    S.nextPick = 1 - S.nextPick;
    if (holdSelect) holdSelect.options[1].disabled = S.pair[0] < 0;
    if (S.pair[1] < 0) S.pair[1] = k === 0 ? 1 : 0;
    drawInterpolation();
  }
  function setPair(a, b) {
    S.pair = [a, b];
    S.nextPick = 0;
    if (holdSelect) holdSelect.options[1].disabled = false;
    drawInterpolation();
  }
  function randomPair() {
    var count = imageIndex.length, a = Math.floor(random() * count), b = a;
    // Prefer two different digits: that is where interpolation is interesting.
    for (var tries = 0; tries < 50 && (b === a || labels[imageIndex[b]] === labels[imageIndex[a]]); tries++) b = Math.floor(random() * count);
    if (b === a) b = (a + 1) % count;
    setPair(a, b);
  }
  function sample() {
    var m = models[S.model];
    if (!m.density) return null;
    if (!m.sampler) m.sampler = makeSampler(m.density);
    S.sample = m.sampler();
    setZ(S.sample);
    return Array.from(S.sample);
  }
  function replot() {
    S.base = heldCode();
    layoutScatter();
    setupSliders();
    if (sampleButton) sampleButton.disabled = !models[S.model].density;
    setZ(S.z || S.base);
  }

  // ---- Events.
  function pointerPosition(ev) {
    var r = scatter.getBoundingClientRect();
    return [ev.clientX - r.left, ev.clientY - r.top];
  }
  var down = null;
  scatter.addEventListener('pointermove', function (ev) {
    var p = pointerPosition(ev), v = fromScreen(p[0], p[1]);
    setZ(unproject(v[0], v[1]));
  });
  scatter.addEventListener('pointerdown', function (ev) {
    down = pointerPosition(ev);
    scatter.setPointerCapture(ev.pointerId);
  });
  scatter.addEventListener('pointerup', function (ev) {
    var p = pointerPosition(ev);
    if (down && Math.abs(p[0] - down[0]) + Math.abs(p[1] - down[1]) < 5) {
      // A click: the nearest embedded test point on screen becomes an end of the interpolation.
      var best = -1, bestD = Infinity;
      for (var k = 0; k < imageIndex.length; k++) {
        var s = toScreen(view.xs[imageIndex[k]], view.ys[imageIndex[k]]);
        var d = Math.pow(s[0] - p[0], 2) + Math.pow(s[1] - p[1], 2);
        if (d < bestD) { bestD = d; best = k; }
      }
      if (best >= 0) pick(best);
    }
    down = null;
  });
  alphaInput.addEventListener('input', function () {
    S.alpha = Number(alphaInput.value);
    drawInterpolation();
  });
  one('random-pair').addEventListener('click', randomPair);
  if (sampleButton) sampleButton.addEventListener('click', sample);
  if (modelSelect) modelSelect.addEventListener('change', function () {
    S.model = Number(modelSelect.value);
    S.sample = null;
    S.nearest = -1;
    replot();
  });
  if (planeSelect) planeSelect.addEventListener('change', function () {
    S.plane = planeSelect.value;
    dimSelects.forEach(function (s) { s.disabled = S.plane !== 'dims'; });
    replot();
  });
  dimSelects.forEach(function (sel, k) {
    if (!sel) return;
    sel.addEventListener('change', function () {
      S.dims[k] = Number(sel.value);
      replot();
    });
  });
  if (holdSelect) holdSelect.addEventListener('change', function () {
    S.hold = holdSelect.value;
    S.base = heldCode();
    setZ(S.base);
  });
  sliders.forEach(function (input) {
    input.addEventListener('input', function () {
      var z = Float64Array.from(S.z);
      z[Number(input.getAttribute('data-dim'))] = Number(input.value);
      // The other dimensions now stay where the sliders put them while the mouse moves the plane.
      S.base = Float64Array.from(z);
      setZ(z);
    });
  });

  // ---- Start: the mean code, and a first pair so the interpolation row is never empty.
  root.hidden = false;
  replot();
  if (imageIndex.length >= 2) randomPair();
  setZ(S.base);

  // A small hook for tests and for the curious (open the console).
  window.aelab = {
    latent: L,
    models: models.map(function (m) { return m.label; }),
    decode: function (z, model) { return models[model || 0].decode(Float64Array.from(z)); },
    state: function () {
      return { model: S.model, plane: S.plane, dims: S.dims.slice(), hold: S.hold, z: Array.from(S.z), pair: S.pair.slice(), alpha: S.alpha, sample: S.sample && Array.from(S.sample), nearest: S.nearest, decodes: S.decodes };
    },
    code: function (i, model) { return Array.from(codeOf(model || 0, i)); },
    imageIndex: imageIndex.slice(),
    /** Where z lies on the scatter, in page coordinates (for pointer events). */
    screenOf: function (z) {
      var p = project(Float64Array.from(z)), s = toScreen(p[0], p[1]), r = scatter.getBoundingClientRect();
      return { x: r.left + s[0], y: r.top + s[1] };
    },
    setZ: function (z) { setZ(Float64Array.from(z)); },
    setPair: setPair,
    sample: sample,
    /** Decodes per second of model `model` over about `ms` milliseconds. */
    benchmark: function (ms, model) {
      var dec = models[model || 0].decode, z = meanCode(S.model), count = 0, t0 = performance.now(), t = t0;
      while (t - t0 < (ms || 1000)) {
        z[0] += 1e-3;
        dec(z);
        count++;
        t = performance.now();
      }
      return (count * 1000) / (t - t0);
    }
  };
})();
