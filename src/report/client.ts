/**
 * The report page's script, inlined (no external asset, no network). It reads the one JSON blob
 * (`#drydock-report-data`) and draws lazily: only the timeline lanes and table rows in view exist in the DOM
 * (a 500-host run has 500 lanes; some 30 are drawn at a time). Names from the journal are only ever set as
 * text or attribute values, never parsed as HTML. Written without template literals: it sits in one.
 */
export const REPORT_JS = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('drydock-report-data').textContent);
  var COLOURS = JSON.parse(document.getElementById('drydock-report-colours').textContent);
  var SYMBOLS = { reboot: '\u27f3', 'kubelet-restart': 'K', restart: 'R', drain: 'D', kubeadm: 'A', 'static-pod-restart': 'S' };
  var LANE = 22, LABEL = 220, HEAD = 44, CELL = 90;
  var span = Math.max(D.span, 1);
  function el(tag, cls, attrs, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (attrs) for (var k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fmtMs(ms) {
    if (ms < 1000) return Math.round(ms) + ' ms';
    var s = ms / 1000;
    if (s < 60) return (s < 10 ? s.toFixed(1) : Math.round(s)) + ' s';
    var m = Math.floor(s / 60), r = Math.round(s - m * 60);
    if (m < 60) return m + 'm ' + r + 's';
    return Math.floor(m / 60) + 'h ' + (m % 60) + 'm';
  }
  var byHost = D.hosts.map(function () { return []; });
  var latest = new Map();
  D.results.forEach(function (r, i) { byHost[r.host].push(i); latest.set(r.host * D.tasks.length + r.task, i); });
  var failedHosts = new Set(D.failed.map(function (f) { return f.host; }));
  var drainsByHost = D.hosts.map(function () { return []; });
  D.drains.forEach(function (d) { drainsByHost[d.host].push(d); });
  var batchesByHost = D.hosts.map(function () { return []; });
  D.batches.forEach(function (b) { b.hosts.forEach(function (h) { batchesByHost[h].push(b); }); });

  var panel = document.getElementById('output');
  var panelTitle = panel.querySelector('[data-output-title]');
  var panelText = panel.querySelector('[data-output-text]');
  panel.querySelector('[data-close]').addEventListener('click', function () { panel.removeAttribute('data-open'); });
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') panel.removeAttribute('data-open'); });
  function describe(i) {
    var r = D.results[i];
    return D.hosts[r.host] + ': ' + D.tasks[r.task].name + ' \u2014 ' + r.status + ', ' + fmtMs(r.ms) + (D.runs.length > 1 ? ' (run ' + (r.run + 1) + ')' : '');
  }
  function showOutput(i) {
    var r = D.results[i];
    panelTitle.textContent = describe(i);
    panel.setAttribute('data-host', D.hosts[r.host]);
    panel.setAttribute('data-task', D.tasks[r.task].name);
    panel.setAttribute('data-status', r.status);
    panelText.textContent = r.out === null ? '(no output recorded)' : D.outputs[r.out];
    panel.setAttribute('data-open', '');
  }

  var filterInput = document.querySelector('[data-filter]');
  var failedOnly = document.querySelector('[data-failed-only]');
  var zoomInput = document.querySelector('[data-zoom]');
  var visible = [];
  function refilter() {
    var q = filterInput.value.trim().toLowerCase();
    visible = [];
    for (var h = 0; h < D.hosts.length; h++) {
      if (q && D.hosts[h].toLowerCase().indexOf(q) < 0) continue;
      if (failedOnly.checked && !failedHosts.has(D.hosts[h])) continue;
      visible.push(h);
    }
    timeline.reset();
    grid.reset();
  }

  function virtualRows(scroller, body, top, draw) {
    var shown = new Map();
    function paint() {
      var first = Math.max(0, Math.floor((scroller.scrollTop - top) / LANE) - 5);
      var last = Math.min(visible.length, first + Math.ceil(scroller.clientHeight / LANE) + 10);
      shown.forEach(function (node, pos) { if (pos < first || pos >= last) { node.remove(); shown.delete(pos); } });
      for (var pos = first; pos < last; pos++) {
        if (shown.has(pos)) continue;
        var node = draw(visible[pos]);
        node.style.top = (top + pos * LANE) + 'px';
        body.appendChild(node);
        shown.set(pos, node);
      }
    }
    scroller.addEventListener('scroll', function () { window.requestAnimationFrame(paint); });
    return {
      reset: function (height) {
        shown.forEach(function (node) { node.remove(); });
        shown.clear();
        body.style.height = (top + visible.length * LANE + (height || 0) + 4) + 'px';
        paint();
      },
    };
  }

  var timeline = (function () {
    var scroller = document.getElementById('timeline-scroller');
    var body = scroller.querySelector('.canvas');
    var axis = body.querySelector('.axis');
    var strip = body.querySelector('.strip');
    var width = 800;
    function x(t) { return (t / span) * width; }
    function lane(h) {
      var name = D.hosts[h];
      var row = el('div', 'lane' + (failedHosts.has(name) ? ' failed-host' : ''), { 'data-lane': '', 'data-host': name, role: 'row', 'aria-label': 'host ' + name + (failedHosts.has(name) ? ' (failed)' : '') });
      row.style.width = (LABEL + width + 8) + 'px';
      row.appendChild(el('span', 'label', { role: 'rowheader', title: name }, name));
      var track = el('div', 'track');
      batchesByHost[h].forEach(function (b) {
        var band = el('div', 'band', { 'data-lane-batch': b.index + 1, title: b.play + ' \u00b7 batch ' + (b.index + 1) });
        band.style.left = x(b.start) + 'px';
        band.style.width = Math.max(2, x(b.end - b.start)) + 'px';
        track.appendChild(band);
      });
      byHost[h].forEach(function (i) {
        var r = D.results[i], t = D.tasks[r.task];
        var bar = el('div', 'bar', { 'data-bar': '', 'data-host': name, 'data-task': t.name, 'data-task-id': t.id, 'data-status': r.status, 'data-run': r.run, 'data-mark': t.mark, 'data-symbol': t.mark ? SYMBOLS[t.mark] : null, role: 'button', tabindex: '0', 'aria-label': describe(i), title: describe(i) });
        bar.style.left = x(r.start) + 'px';
        bar.style.width = Math.max(2, x(r.ms)) + 'px';
        bar.style.background = COLOURS[r.status] || '#999';
        bar.addEventListener('click', function () { showOutput(i); });
        bar.addEventListener('keydown', function (e) { if (e.key === 'Enter') showOutput(i); });
        track.appendChild(bar);
      });
      drainsByHost[h].forEach(function (d) {
        var blocked = d.blockedMs > 0 || d.blockers.length > 0;
        var text = 'drain ' + d.node + (blocked ? ': blocked ' + fmtMs(d.blockedMs) + ' by ' + blockerText(d) : ': ' + fmtMs(d.end - d.start)) + (d.ok === false ? ' (failed)' : '');
        var box = el('div', 'drain' + (blocked ? ' blocked' : ''), { 'data-drain': '', 'data-node': d.node, 'data-blocked-ms': d.blockedMs, 'aria-label': text, title: text });
        box.style.left = x(d.start) + 'px';
        box.style.width = Math.max(2, x(d.end - d.start)) + 'px';
        if (blocked) {
          // Beside the box where there is room, else inside it (a drain that lasts to the run's end).
          var label = el('span', 'drain-label', { 'data-drain-label': '' }, text);
          var room = width - x(d.end);
          if (room < 260) label.className = x(d.end - d.start) > 260 ? 'drain-label inside' : 'drain-label before';
          box.appendChild(label);
        }
        track.appendChild(box);
      });
      row.appendChild(track);
      return row;
    }
    function blockerText(d) {
      var seen = [];
      d.blockers.forEach(function (b) {
        var what = b.pdbs.length ? 'PodDisruptionBudget ' + b.pdbs.join(', ') + ' (pod ' + b.pod + ')' : 'refused eviction of ' + b.pod;
        if (seen.indexOf(what) < 0) seen.push(what);
      });
      return seen.length ? seen.join('; ') : 'a refused eviction';
    }
    function drawScale() {
      axis.replaceChildren();
      strip.replaceChildren();
      axis.style.width = strip.style.width = (LABEL + width + 8) + 'px';
      var step = niceStep(span / Math.max(1, width / 110));
      for (var t = 0; t <= span; t += step) {
        var tick = el('div', 'tick', null, fmtMs(t));
        tick.style.left = (LABEL + x(t)) + 'px';
        axis.appendChild(tick);
      }
      D.batches.forEach(function (b) {
        var label = b.play + ' \u00b7 batch ' + (b.index + 1) + (D.runs.length > 1 ? ' (run ' + (b.run + 1) + ')' : '');
        var box = el('div', 'batch', { 'data-batch': b.index + 1, 'data-play': b.play, 'aria-label': label, title: label + ': ' + b.hosts.map(function (h) { return D.hosts[h]; }).join(', ') }, label);
        box.style.left = (LABEL + x(b.start)) + 'px';
        box.style.width = Math.max(2, x(b.end - b.start)) + 'px';
        strip.appendChild(box);
      });
      body.querySelectorAll('.outage, .run-start').forEach(function (o) { o.remove(); });
      D.runs.forEach(function (r, k) {
        if (k === 0) return;
        var text = 'run ' + (k + 1) + ' ' + r.runId + ' (resumes ' + r.resumes + (r.gapBefore > 0 ? ', after ' + fmtMs(r.gapBefore) : '') + ')';
        var mark = el('div', 'run-start', { 'data-run-start': r.runId, 'aria-label': text, title: text });
        mark.style.left = (LABEL + x(r.started)) + 'px';
        mark.appendChild(el('span', null, null, 'run ' + (k + 1)));
        body.appendChild(mark);
      });
      D.outages.forEach(function (o) {
        var end = o.end === null ? span : o.end;
        var text = 'API outage: ' + (o.end === null ? 'not seen back before the run ended' : fmtMs(end - o.start)) + ' \u2014 ' + o.message;
        var box = el('div', 'outage', { 'data-outage': '', 'aria-label': text, title: text });
        box.style.left = (LABEL + x(o.start)) + 'px';
        box.style.width = Math.max(2, x(end - o.start)) + 'px';
        body.appendChild(box);
      });
    }
    function niceStep(raw) {
      var steps = [1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000, 900000, 1800000, 3600000, 7200000];
      for (var i = 0; i < steps.length; i++) if (steps[i] >= raw) return steps[i];
      return Math.ceil(raw / 3600000) * 3600000;
    }
    var rows = virtualRows(scroller, body, HEAD, lane);
    return {
      reset: function () {
        width = Math.max(600, scroller.clientWidth - LABEL - 24) * Number(zoomInput.value || 1);
        body.style.width = (LABEL + width + 8) + 'px';
        drawScale();
        rows.reset(0);
      },
    };
  })();

  var grid = (function () {
    var scroller = document.getElementById('results-scroller');
    var body = scroller.querySelector('.grid');
    var head = body.querySelector('.head');
    head.appendChild(el('div', 'label', null, 'host'));
    D.tasks.forEach(function (t) { head.appendChild(el('div', 'task', { 'data-column': t.id, role: 'columnheader', title: t.play + ': ' + t.name }, t.name)); });
    body.style.width = (LABEL + D.tasks.length * CELL) + 'px';
    function row(h) {
      var name = D.hosts[h];
      var r = el('div', 'row' + (failedHosts.has(name) ? ' failed-host' : ''), { 'data-row': '', 'data-host': name, role: 'row' });
      r.appendChild(el('span', 'label', { role: 'rowheader', title: name }, name));
      for (var t = 0; t < D.tasks.length; t++) {
        var i = latest.get(h * D.tasks.length + t);
        if (i === undefined) { r.appendChild(el('div', 'cell none', { role: 'cell' }, '')); continue; }
        r.appendChild(cell(i));
      }
      return r;
    }
    function cell(i) {
      var res = D.results[i];
      var c = el('div', 'cell', { 'data-cell': '', 'data-host': D.hosts[res.host], 'data-task': D.tasks[res.task].name, 'data-status': res.status, role: 'cell', tabindex: '0', 'aria-label': describe(i), title: describe(i) }, fmtMs(res.ms));
      c.style.background = COLOURS[res.status] || '#999';
      c.addEventListener('click', function () { showOutput(i); });
      c.addEventListener('keydown', function (e) { if (e.key === 'Enter') showOutput(i); });
      return c;
    }
    var rows = virtualRows(scroller, body, 64, row);
    return { reset: function () { rows.reset(0); } };
  })();

  filterInput.addEventListener('input', refilter);
  failedOnly.addEventListener('change', refilter);
  zoomInput.addEventListener('input', function () { timeline.reset(); });
  window.addEventListener('resize', function () { timeline.reset(); });
  refilter();
  document.body.setAttribute('data-ready', '');
  // Milliseconds from navigation start to a drawn page (for the benchmark).
  document.body.setAttribute('data-ready-ms', String(Math.round(window.performance.now())));
})();
`;
