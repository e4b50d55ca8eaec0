// streamlearn dashboard: renders the topology views the server pushes as server-sent events.
// Every piece of data from the broker (names, features, headers, record bytes) reaches the page through
// textContent, attribute values or uPlot (which uses textContent): never as markup. No innerHTML here.
'use strict';

(function dashboard() {
  const COLORS = ['#2f6fde', '#e8590c', '#2b8a3e', '#ae3ec9', '#c92a2a', '#1098ad', '#5c940d', '#d6336c', '#495057'];
  const root = document.getElementById('topologies');
  const status = document.getElementById('status');
  /** name → { section, parts, charts: Map, view } */
  const shown = new Map();

  /** An element with fixed attributes and children (strings become text nodes). */
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value !== undefined && value !== null) node.setAttribute(name, String(value));
    }
    for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    return node;
  }

  const format = (value, digits = 4) =>
    Number.isFinite(value) ? (Math.abs(value) >= 1000 ? Math.round(value).toLocaleString('en') : Number(value.toPrecision(digits)).toString()) : '–';
  const bytes = (n) =>
    n === null || n === undefined ? '–' : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
  function age(createdAt) {
    const seconds = Math.max(0, Math.round((Date.now() - createdAt) / 1000));
    return seconds < 120 ? `${seconds} s ago` : seconds < 7200 ? `${Math.round(seconds / 60)} min ago` : `${Math.round(seconds / 3600)} h ago`;
  }

  function card(title, testid) {
    const heading = el('h3', {}, el('span', {}, title));
    const body = el('div', { 'data-testid': testid });
    return { node: el('div', { class: 'card' }, heading, body), heading, body };
  }

  // ---- charts -------------------------------------------------------------------------------------

  /** A uPlot chart kept across updates; rebuilt only when its series change. */
  function chart(charts, key, container, build) {
    const next = build();
    const signature = JSON.stringify(next.series.map((s) => s.label)) + JSON.stringify(next.scales || {});
    let entry = charts.get(key);
    if (!entry || entry.signature !== signature || !container.contains(entry.plot.root)) {
      if (entry) entry.plot.destroy();
      const width = Math.max(300, container.clientWidth || 420);
      const scales = next.scales || { x: { time: next.time } };
      // One point alone would stretch the axis over years: give it a minute either side.
      // (uPlot pads a lone time point by a day's worth of its ms unit, which in seconds is years.)
      if (scales.x.time) {
        scales.x.range = (u, min, max) => {
          const xs = u.data[0];
          if (xs.length === 0) return [min, max];
          const [lo, hi] = [xs[0], xs[xs.length - 1]];
          return hi - lo < 60 ? [lo - 60, hi + 60] : [lo, hi];
        };
      }
      const opts = { width, height: 200, series: next.series, axes: next.axes, scales, hooks: next.hooks || {}, legend: { live: false } };
      entry = { signature, plot: new uPlot(opts, next.data, container), marks: next.marks };
      charts.set(key, entry);
    } else {
      entry.marks.splice(0, entry.marks.length, ...next.marks);
      entry.plot.setData(next.data);
    }
    container.setAttribute('data-points', String(next.data[0].length));
    container.setAttribute('data-marks', String(next.marks.length));
  }

  /** Vertical dashed lines at the given x values: drift detections on a learning curve. */
  function markHook(marks) {
    return (u) => {
      const { ctx, bbox } = u;
      ctx.save();
      ctx.strokeStyle = '#c4320a';
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = 1.5;
      for (const x of marks) {
        const px = u.valToPos(x, 'x', true);
        if (px < bbox.left || px > bbox.left + bbox.width) continue;
        ctx.beginPath();
        ctx.moveTo(px, bbox.top);
        ctx.lineTo(px, bbox.top + bbox.height);
        ctx.stroke();
      }
      ctx.restore();
    };
  }

  /** Curve points split into lines: a new line each time the model starts again (examples seen falls). */
  function lines(curve) {
    const segments = [];
    for (const point of curve) {
      const last = segments[segments.length - 1];
      if (!last || point.examplesSeen < last[last.length - 1].examplesSeen) segments.push([point]);
      else last.push(point);
    }
    return segments;
  }

  /**
   * Where a detection goes on the examples-seen axis: between the checkpoints before and after its offset,
   * by offset; past the last one (or across a reset, where examples seen starts again) by records since.
   */
  function driftX(curve, detection) {
    const key = `${detection.topic}/${detection.partition}`;
    const at = Number(detection.offset);
    let before;
    let after;
    for (const point of curve) {
      const offset = point.offsets[key];
      if (offset === undefined) continue;
      if (offset <= at && (!before || offset > before.offset)) before = { offset, x: point.examplesSeen };
      if (offset > at && (!after || offset < after.offset)) after = { offset, x: point.examplesSeen };
    }
    if (!before) return after ? after.x : undefined;
    if (after && after.x >= before.x) return before.x + ((after.x - before.x) * (at - before.offset)) / (after.offset - before.offset);
    return before.x + (at - before.offset);
  }

  function curveChart(model, metric, drift) {
    const segments = lines(model.curve);
    const xs = model.curve.map((p) => p.examplesSeen);
    const order = xs.map((x, i) => i).sort((a, b) => xs[a] - xs[b] || model.curve[a].version - model.curve[b].version);
    const data = [order.map((i) => xs[i])];
    const series = [{ label: 'examples seen' }];
    segments.forEach((segment, s) => {
      const versions = new Set(segment.map((p) => p.version));
      data.push(order.map((i) => (versions.has(model.curve[i].version) ? (model.curve[i].metrics[metric] ?? null) : null)));
      const first = segment[0].version;
      const last = segment[segment.length - 1].version;
      series.push({ label: first === last ? `v${first}` : `v${first}–v${last}`, stroke: COLORS[s % COLORS.length], width: 2, points: { size: 5 } });
    });
    // Rises of the error are drifts; a fall (direction "down") is listed but not marked.
    const marks = drift
      .filter((d) => d.modelId === model.modelId && d.direction !== 'down')
      .map((d) => driftX(model.curve, d))
      .filter((x) => x !== undefined);
    return { data, series, marks, time: false, hooks: { draw: [markHook(marks)] }, axes: [{ label: 'examples seen' }, { label: metric }] };
  }

  function throughputChart(model) {
    const points = model.throughput;
    return {
      data: [points.map((p) => p.at / 1000), points.map((p) => p.recordsPerSecond), points.map((p) => p.checkpointLatencyMs)],
      series: [
        {},
        { label: 'records/s', stroke: COLORS[0], width: 2, scale: 'rate' },
        { label: 'checkpoint latency (ms)', stroke: COLORS[1], width: 2, scale: 'ms' },
      ],
      scales: { x: { time: true }, rate: {}, ms: {} },
      axes: [{}, { scale: 'rate', label: 'records/s' }, { scale: 'ms', side: 1, label: 'ms', grid: { show: false } }],
      marks: [],
    };
  }

  function deadLetterChart(deadLetters) {
    const codes = Object.keys(deadLetters.byCode).sort();
    const buckets = deadLetters.buckets;
    return {
      data: [buckets.map((b) => b.at / 1000), ...codes.map((code) => buckets.map((b) => b.counts[code] || 0))],
      series: [{}, ...codes.map((code, i) => ({ label: code, stroke: COLORS[(i + 4) % COLORS.length], width: 2, points: { size: 5 } }))],
      time: true,
      axes: [{}, { label: 'dead letters / bucket' }],
      marks: [],
    };
  }

  // ---- tables and lists ---------------------------------------------------------------------------

  function modelsTable(view) {
    const head = el('tr', {}, ...['model', 'kind', 'version', 'age', 'examples seen', 'checkpoint size', 'offsets (lag)'].map((h) => el('th', {}, h)));
    const rows = view.models.map((model) =>
      el(
        'tr',
        { 'data-model': model.modelId },
        el('td', {}, model.modelId),
        el('td', {}, model.kind || '–'),
        el('td', { 'data-testid': 'version', class: 'num' }, `v${model.version}`),
        el('td', { class: 'age', 'data-created': model.createdAt }, model.createdAt ? age(model.createdAt) : '–'),
        el('td', { class: 'num' }, format(model.examplesSeen)),
        el('td', { class: 'num' }, bytes(model.payloadBytes)),
        el('td', {}, model.offsets.map((o) => `${o.topic}/${o.partition}@${o.offset} (${o.lag === null ? '?' : o.lag})`).join('  ')),
      ),
    );
    return el('table', { 'data-testid': 'models' }, el('thead', {}, head), el('tbody', {}, ...rows));
  }

  function importanceList(importance) {
    if (!importance) return el('p', { class: 'muted' }, 'No importance snapshot yet.');
    const top = Math.max(1e-12, ...importance.features.map((f) => Math.abs(f.mean)));
    const rows = importance.features.map((feature) => {
      const moved = feature.previousRank === null ? 'new' : feature.previousRank - feature.rank;
      const change =
        moved === 'new'
          ? el('span', { class: 'change new' }, 'new')
          : moved > 0
            ? el('span', { class: 'change up' }, `▲${moved}`)
            : moved < 0
              ? el('span', { class: 'change down' }, `▼${-moved}`)
              : el('span', { class: 'change' }, '·');
      const fill = el('span', { class: 'fill' });
      fill.style.width = `${((100 * Math.abs(feature.mean)) / top).toFixed(1)}%`;
      const row = el(
        'li',
        { class: 'importance-row', 'data-feature': feature.name, title: `${feature.name}: ${feature.mean}` },
        el('span', { class: 'num muted' }, `#${feature.rank}`),
        el('span', { class: 'name' }, feature.name),
        el('span', { class: 'bar' }, fill),
        change,
      );
      return row;
    });
    const caption = el('p', { class: 'muted' }, `${importance.method}, v${importance.version}; change in rank since the snapshot before`);
    return el('div', {}, caption, el('ol', { class: 'importance', 'data-testid': 'importance-bars', 'data-version': importance.version }, ...rows));
  }

  function headerList(headers) {
    return el('dl', { class: 'headers' }, ...Object.entries(headers).flatMap(([name, value]) => [el('dt', {}, name), el('dd', {}, value)]));
  }

  function deadLetterTable(deadLetters) {
    const totals = el(
      'div',
      { class: 'totals' },
      el('span', {}, `total ${deadLetters.total}`),
      ...Object.entries(deadLetters.byCode).map(([code, n]) => el('span', {}, el('span', { class: 'code' }, code), ` ${n}`)),
    );
    const head = el('tr', {}, ...['time', 'code', 'source', 'message', 'headers', 'value'].map((h) => el('th', {}, h)));
    const rows = [...deadLetters.latest]
      .reverse()
      .map((d) =>
        el(
          'tr',
          { 'data-testid': 'dead-letter' },
          el('td', {}, new Date(d.recordedAt).toLocaleTimeString()),
          el('td', { class: 'code' }, d.code),
          el('td', {}, d.source),
          el('td', {}, d.message),
          el('td', {}, headerList(d.headers)),
          el('td', {}, el('pre', { class: 'value' }, d.preview), el('span', { class: 'muted' }, `${d.bytes} bytes, key ${d.key === null ? 'null' : d.key}`)),
        ),
      );
    return el('div', {}, totals, el('table', { class: 'dead-letters', 'data-testid': 'dead-letters' }, el('thead', {}, head), el('tbody', {}, ...rows)));
  }

  function driftTable(drift) {
    if (drift.length === 0) return el('p', { class: 'muted' }, 'No drift detected (or no drift topic).');
    const head = el('tr', {}, ...['time', 'model', 'version', 'at', 'detector', 'statistic', 'error', 'action'].map((h) => el('th', {}, h)));
    const rows = [...drift]
      .reverse()
      .slice(0, 12)
      .map((d) =>
        el(
          'tr',
          { 'data-testid': 'drift' },
          el('td', {}, new Date(d.recordedAt).toLocaleTimeString()),
          el('td', {}, d.modelId),
          el('td', {}, `v${d.modelVersion}`),
          el('td', {}, `${d.topic}/${d.partition}@${d.offset}`),
          el('td', {}, d.detector),
          el('td', { class: 'num' }, format(d.statistic)),
          el('td', {}, d.direction === 'down' ? 'fell' : 'rose'),
          el('td', {}, d.action),
        ),
      );
    return el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows));
  }

  // ---- one topology -------------------------------------------------------------------------------

  function section(name) {
    const heading = el('h2', {}, name);
    const topics = el('div', { class: 'topics' });
    const models = el('div', {});
    const perModel = el('div', {});
    const grid = el('div', { class: 'grid' });
    const deadLetters = card('Dead letters per error code, and the latest few', 'dead-letter-card');
    deadLetters.node.classList.add('wide');
    const deadLetterChartBox = el('div', { class: 'chart', 'data-testid': 'dead-letter-chart' });
    const deadLetterRows = el('div', {});
    deadLetters.body.append(deadLetterChartBox, deadLetterRows);
    const drift = card('Drift detections, latest 12 (rises are dashed lines on the learning curve)', 'drift-card');
    drift.node.classList.add('wide');
    grid.append(deadLetters.node, drift.node);
    const node = el('section', { class: 'topology', 'data-topology': name }, heading, topics, models, perModel, grid);
    return {
      node,
      parts: { topics, models, perModel, deadLetterChartBox, deadLetterRows, drift: drift.body },
      charts: new Map(),
      metricChoice: new Map(),
      modelBoxes: new Map(),
    };
  }

  function modelBox(entry, model) {
    let box = entry.modelBoxes.get(model.modelId);
    if (box) return box;
    const curve = card(`Learning curve: ${model.modelId}`, 'curve-card');
    const select = el('select', { 'aria-label': 'metric' });
    select.addEventListener('change', () => {
      entry.metricChoice.set(model.modelId, select.value);
      render(entry.view);
    });
    curve.heading.append(select);
    const curveBox = el('div', { class: 'chart', 'data-testid': 'curve', 'data-model': model.modelId });
    curve.body.append(curveBox);
    const importance = card(`Feature importance: ${model.modelId}`, 'importance-card');
    const throughput = card(`Records/s and checkpoint latency: ${model.modelId}`, 'throughput-card');
    const throughputBox = el('div', { class: 'chart', 'data-testid': 'throughput' });
    throughput.body.append(throughputBox);
    const node = el('div', { class: 'grid', 'data-model': model.modelId }, curve.node, importance.node, throughput.node);
    box = { node, select, curveBox, importance: importance.body, throughputBox };
    entry.modelBoxes.set(model.modelId, box);
    entry.parts.perModel.append(node);
    return box;
  }

  function render(view) {
    let entry = shown.get(view.name);
    if (!entry) {
      entry = section(view.name);
      shown.set(view.name, entry);
      const names = [...shown.keys()].sort();
      const next = shown.get(names[names.indexOf(view.name) + 1]);
      root.insertBefore(entry.node, next ? next.node : null);
      document.getElementById('empty')?.remove();
    }
    entry.view = view;
    const { parts, charts } = entry;
    parts.topics.textContent =
      Object.values(view.topics).join(' · ') +
      (view.unreadable.count ? `  (${view.unreadable.count} unreadable records; latest: ${view.unreadable.latest})` : '');
    parts.models.replaceChildren(modelsTable(view));
    for (const model of view.models) {
      const box = modelBox(entry, model);
      const metrics = [...new Set(model.curve.flatMap((p) => Object.keys(p.metrics)))].sort();
      const wanted = entry.metricChoice.get(model.modelId) || metrics.find((m) => /^rolling/i.test(m)) || metrics[0];
      if (box.select.options.length !== metrics.length) box.select.replaceChildren(...metrics.map((m) => el('option', { value: m }, m)));
      if (wanted) box.select.value = wanted;
      if (wanted) chart(charts, `curve:${model.modelId}`, box.curveBox, () => curveChart(model, wanted, view.drift));
      box.importance.replaceChildren(importanceList(model.importance));
      chart(charts, `throughput:${model.modelId}`, box.throughputBox, () => throughputChart(model));
    }
    if (view.deadLetters.buckets.length > 0) chart(charts, 'dead-letters', parts.deadLetterChartBox, () => deadLetterChart(view.deadLetters));
    parts.deadLetterRows.replaceChildren(deadLetterTable(view.deadLetters));
    parts.drift.replaceChildren(driftTable(view.drift));
  }

  // ---- live updates -------------------------------------------------------------------------------

  function connect() {
    const source = new EventSource('/events');
    source.addEventListener('hello', (event) => {
      const hello = JSON.parse(event.data);
      status.textContent = 'live';
      status.setAttribute('data-state', 'live');
      document.getElementById('filter').textContent = hello.prefix ? `topologies starting with "${hello.prefix}"` : 'all topologies';
    });
    source.addEventListener('topology', (event) => render(JSON.parse(event.data)));
    source.onerror = () => {
      status.textContent = 'reconnecting…';
      status.setAttribute('data-state', 'lost');
    };
  }

  setInterval(() => {
    for (const cell of document.querySelectorAll('td.age')) {
      const created = Number(cell.getAttribute('data-created'));
      if (created) cell.textContent = age(created);
    }
  }, 1000);
  window.addEventListener('resize', () => {
    for (const entry of shown.values())
      for (const { plot } of entry.charts.values()) plot.setSize({ width: Math.max(300, plot.root.parentElement.clientWidth), height: 200 });
  });
  connect();
})();
