// aelab ui: the page script. Listens to the server's change events, swaps in the fragments the
// server renders, sorts and filters the runs table, and draws loss curves as SVG. Plain
// JavaScript, inline, allowed by the page's Content-Security-Policy through its hash.
(function () {
  'use strict';
  var view = document.getElementById('ui').dataset;
  var SVG = 'http://www.w3.org/2000/svg';
  var COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  var live = document.getElementById('live');

  // Refetches one thing at a time; a change arriving meanwhile triggers one more fetch after it.
  function refresher(load) {
    var busy = false;
    var again = false;
    return function run() {
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      load()
        .catch(function (e) {
          live.textContent = 'live updates: ' + e.message;
        })
        .then(function () {
          busy = false;
          if (again) {
            again = false;
            run();
          }
        });
    };
  }

  function getJson(url) {
    return fetch(url, { cache: 'no-store' }).then(function (r) {
      if (!r.ok) throw new Error(url + ': ' + r.status);
      return r.json();
    });
  }

  function svg(tag, attrs, parent) {
    var el = document.createElementNS(SVG, tag);
    for (var k in attrs) el.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(el);
    return el;
  }

  function niceTicks(lo, hi, count) {
    var span = hi - lo || Math.abs(hi) || 1;
    var step = Math.pow(10, Math.floor(Math.log10(span / count)));
    var err = span / count / step;
    if (err >= 7.5) step *= 10;
    else if (err >= 3.5) step *= 5;
    else if (err >= 1.5) step *= 2;
    var ticks = [];
    for (var t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
    return ticks;
  }

  // series: [{ name, points: [[x, y], …], dashed }]. Draws into the element `holder`.
  function drawChart(holder, series, yLabel) {
    var all = [];
    series.forEach(function (s) {
      s.points.forEach(function (p) {
        if (p[1] !== null && Number.isFinite(p[1])) all.push(p);
      });
    });
    holder.textContent = '';
    if (all.length === 0) {
      var p = document.createElement('p');
      p.className = 'muted';
      p.textContent = 'No epochs yet.';
      holder.appendChild(p);
      return;
    }
    var W = 760,
      H = 300,
      L = 64,
      R = 16,
      T = 12,
      B = 40;
    var xs = all.map(function (p) {
      return p[0];
    });
    var ys = all.map(function (p) {
      return p[1];
    });
    var x0 = Math.min.apply(null, xs.concat([1])),
      x1 = Math.max.apply(null, xs.concat([2]));
    var y0 = Math.min.apply(null, ys),
      y1 = Math.max.apply(null, ys);
    var pad = (y1 - y0) * 0.06 || Math.abs(y1) * 0.1 || 1;
    y0 -= pad;
    y1 += pad;
    var sx = function (x) {
      return L + ((x - x0) / (x1 - x0)) * (W - L - R);
    };
    var sy = function (y) {
      return T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
    };
    var root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img', 'aria-label': yLabel + ' by epoch' });
    var ticksY = niceTicks(y0, y1, 5);
    ticksY.forEach(function (t) {
      svg('line', { x1: L, x2: W - R, y1: sy(t), y2: sy(t), stroke: '#e3e6ea' }, root);
      var label = svg('text', { x: L - 6, y: sy(t) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#59636e' }, root);
      label.textContent = t.toPrecision(3).replace(/\.?0+$/, '');
    });
    niceTicks(x0, x1, 8)
      .filter(function (t) {
        return Math.round(t) === t;
      })
      .forEach(function (t) {
        var label = svg('text', { x: sx(t), y: H - B + 16, 'text-anchor': 'middle', 'font-size': 11, fill: '#59636e' }, root);
        label.textContent = String(t);
      });
    svg('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: '#8c959f' }, root);
    svg('line', { x1: L, x2: L, y1: T, y2: H - B, stroke: '#8c959f' }, root);
    var xl = svg('text', { x: (L + W - R) / 2, y: H - 6, 'text-anchor': 'middle', 'font-size': 12, fill: '#3d444d' }, root);
    xl.textContent = 'epoch';
    var yl = svg(
      'text',
      {
        x: 14,
        y: (T + H - B) / 2,
        'text-anchor': 'middle',
        'font-size': 12,
        fill: '#3d444d',
        transform: 'rotate(-90 14 ' + (T + H - B) / 2 + ')',
      },
      root,
    );
    yl.textContent = yLabel;
    var legend = document.createElement('div');
    legend.className = 'legend';
    series.forEach(function (s, i) {
      var color = s.color || COLORS[i % COLORS.length];
      var pts = s.points.filter(function (p) {
        return p[1] !== null && Number.isFinite(p[1]);
      });
      if (pts.length === 0) return;
      var d = pts
        .map(function (p, j) {
          return (j ? 'L' : 'M') + sx(p[0]).toFixed(1) + ' ' + sy(p[1]).toFixed(1);
        })
        .join(' ');
      var line = svg(
        'path',
        { d: d, fill: 'none', stroke: color, 'stroke-width': 2, class: 'series', 'data-name': s.name, 'data-points': pts.length },
        root,
      );
      if (s.dashed) line.setAttribute('stroke-dasharray', '5 4');
      pts.forEach(function (p) {
        svg('circle', { cx: sx(p[0]), cy: sy(p[1]), r: 2.5, fill: color }, root);
      });
      var item = document.createElement('span');
      var swatch = document.createElement('i');
      swatch.style.background = color;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(s.name + ' (' + pts.length + ')'));
      legend.appendChild(item);
    });
    holder.appendChild(root);
    holder.appendChild(legend);
  }

  // ---- runs list: sort, filter, select, compare ----
  var sortKey = 'started';
  var sortDir = -1;
  var picked = {};

  function cellValue(row, key) {
    var v = row.dataset[key] || '';
    if (key === 'latent' || key === 'test_mse' || key === 'val_mse' || key === 'params') return v === '' ? null : Number(v);
    return v.toLowerCase();
  }

  function applyRuns() {
    var text = document.getElementById('filter-text').value.trim().toLowerCase();
    var status = document.getElementById('filter-status').value;
    var kind = document.getElementById('filter-kind').value;
    var words = text ? text.split(/\s+/) : [];
    document.querySelectorAll('#runs th[data-sort]').forEach(function (th) {
      th.classList.toggle('sorted-asc', th.dataset.sort === sortKey && sortDir > 0);
      th.classList.toggle('sorted-desc', th.dataset.sort === sortKey && sortDir < 0);
    });
    document.querySelectorAll('#runs tbody.group').forEach(function (body) {
      var rows = Array.prototype.slice.call(body.querySelectorAll('tr.run'));
      rows.sort(function (a, b) {
        var va = cellValue(a, sortKey),
          vb = cellValue(b, sortKey);
        if (va === null || vb === null) return va === vb ? 0 : va === null ? 1 : -1; // blanks last
        return (va < vb ? -1 : va > vb ? 1 : 0) * sortDir;
      });
      var shown = 0;
      rows.forEach(function (row) {
        body.appendChild(row);
        var ok =
          (!status || row.dataset.status === status) &&
          (!kind || row.dataset.kind === kind) &&
          words.every(function (w) {
            return row.dataset.search.indexOf(w) >= 0;
          });
        row.hidden = !ok;
        if (ok) shown++;
        var box = row.querySelector('input.pick');
        box.checked = !!picked[box.value];
      });
      body.hidden = shown === 0;
    });
    var n = Object.keys(picked).length;
    var button = document.getElementById('compare');
    button.disabled = n === 0;
    button.textContent = n ? 'compare ' + n + ' selected' : 'compare selected';
  }

  function initRuns() {
    ['filter-text', 'filter-status', 'filter-kind'].forEach(function (id) {
      document.getElementById(id).addEventListener('input', applyRuns);
    });
    var holder = document.getElementById('runs');
    holder.addEventListener('click', function (e) {
      var th = e.target.closest('th[data-sort]');
      if (!th) return;
      if (sortKey === th.dataset.sort) sortDir = -sortDir;
      else {
        sortKey = th.dataset.sort;
        sortDir = 1;
      }
      applyRuns();
    });
    holder.addEventListener('change', function (e) {
      if (!e.target.classList.contains('pick')) return;
      if (e.target.checked) picked[e.target.value] = true;
      else delete picked[e.target.value];
      applyRuns();
    });
    document.getElementById('compare').addEventListener('click', function () {
      var q = Object.keys(picked)
        .map(function (p) {
          return 'run=' + encodeURIComponent(p);
        })
        .join('&');
      location.href = '/r/.compare?' + q;
    });
    applyRuns();
    return refresher(function () {
      return fetch('/api/runs-fragment', { cache: 'no-store' })
        .then(function (r) {
          return r.text();
        })
        .then(function (html) {
          holder.innerHTML = html;
          var kinds = document.getElementById('filter-kind');
          holder.querySelectorAll('tr.run').forEach(function (row) {
            var k = row.dataset.kind;
            if (
              k &&
              !Array.prototype.some.call(kinds.options, function (o) {
                return o.value === k;
              })
            ) {
              var o = document.createElement('option');
              o.textContent = k;
              kinds.appendChild(o);
            }
          });
          applyRuns();
        });
    });
  }

  // ---- one run: status and live loss curves ----
  function initRun() {
    var refresh = refresher(function () {
      return getJson('/api/run?path=' + encodeURIComponent(view.path)).then(function (data) {
        document.getElementById('run-status').innerHTML = data.fragment;
        drawChart(
          document.getElementById('chart'),
          [
            {
              name: 'training loss',
              points: data.history.map(function (h) {
                return [h.epoch, h.loss];
              }),
            },
            {
              name: 'validation loss',
              points: data.history.map(function (h) {
                return [h.epoch, h.val_loss];
              }),
              dashed: true,
            },
          ],
          'loss',
        );
        if (data.hasReport && !view.report) location.reload(); // the report just got written
      });
    });
    refresh();
    return function (paths) {
      if (!paths || paths.indexOf(view.path) >= 0) refresh();
    };
  }

  // ---- a sweep: counts, trials, val loss of every trial ----
  function initSweep() {
    var refresh = refresher(function () {
      return getJson('/api/sweep?path=' + encodeURIComponent(view.path)).then(function (data) {
        document.getElementById('sweep-status').innerHTML = data.fragment;
        drawChart(
          document.getElementById('chart'),
          data.trials.map(function (t) {
            return {
              name: t.name,
              points: t.history.map(function (h) {
                return [h.epoch, h.val_loss !== null ? h.val_loss : h.loss];
              }),
            };
          }),
          'validation loss',
        );
      });
    });
    refresh();
    return function (paths) {
      if (
        !paths ||
        paths.some(function (p) {
          return p.indexOf(view.path + '/') === 0;
        })
      )
        refresh();
    };
  }

  var onChange;
  if (view.page === 'runs') {
    var refreshRuns = initRuns();
    onChange = function () {
      refreshRuns();
    };
  } else if (view.page === 'run') onChange = initRun();
  else if (view.page === 'sweep') onChange = initSweep();

  if (typeof EventSource === 'function') {
    var source = new EventSource('/events');
    var connected = false;
    source.addEventListener('open', function () {
      live.textContent = 'live';
      // After a reconnect, something may have changed while we were away.
      if (connected) onChange(null);
      connected = true;
    });
    source.addEventListener('change', function (e) {
      var data = JSON.parse(e.data);
      live.textContent = 'live · updated ' + new Date().toLocaleTimeString();
      onChange(data.paths);
    });
    source.addEventListener('error', function () {
      live.textContent = 'live updates: reconnecting…';
    });
  }
})();
