// Time-series charts on uPlot (vendor/uPlot.iife.min.js, the global `uPlot`): UTC time axis, values
// formatted short, crosshairs synchronised across the page's charts, alarm bins drawn as bands under
// the lines with a tooltip naming each alarm's feature, detector and top contributors, and a
// drag-select that zooms (the page re-reads the data for the new range, at a finer step).

import * as format from './format.js';

/** Colours from the stylesheet's custom properties, so the canvas follows light and dark mode. */
function theme() {
  const style = getComputedStyle(document.documentElement);
  const value = name => style.getPropertyValue(name).trim();
  return {
    text: value('--muted'),
    grid: value('--grid'),
    alarm: value('--alarm'),
    alarmEdge: value('--alarm-edge'),
    series: Array.from({ length: 8 }, (_, i) => value(`--series-${i + 1}`)),
  };
}

/**
 * Groups alarm records (from /status/alarms) by bin: `[{start, end, alarms}]`, times in Unix seconds.
 * Several features and detectors often flag the same bin; they share one band.
 */
export function alarmBins(records) {
  const bins = new Map();
  for (const alarm of records) {
    const start = new Date(alarm.record.binStart).getTime() / 1000;
    if (!bins.has(start)) {
      bins.set(start, { start, end: start + alarm.record.binSeconds, alarms: [] });
    }

    bins.get(start).alarms.push(alarm);
  }

  return [...bins.values()].sort((a, b) => a.start - b.start);
}

// Draws the alarm bands on the cleared canvas, before the grid and the lines, so both stay readable.
function drawAlarms(u, bins, colours) {
  const { ctx } = u;
  const { left, top, width, height } = u.bbox;
  const edge = Math.max(1, Math.round(devicePixelRatio));
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  for (const bin of bins) {
    const x0 = u.valToPos(bin.start, 'x', true);
    const x1 = u.valToPos(bin.end, 'x', true);
    if (x1 < left || x0 > left + width) {
      continue;
    }

    ctx.fillStyle = colours.alarm;
    ctx.fillRect(x0, top, Math.max(x1 - x0, 3 * edge), height);
    ctx.fillStyle = colours.alarmEdge;
    ctx.fillRect(x0, top, edge, height);
  }

  ctx.restore();
}

// The tooltip for the alarm bin under the cursor, if any; one element serves every chart.
function showAlarms(u, bins, tooltip) {
  const { left, top } = u.cursor;
  const at = left === undefined || left < 0 ? null : u.posToVal(left, 'x');
  const bin = at === null ? null : bins.find(b => b.start <= at && at < b.end);
  if (!bin) {
    tooltip.hidden = true;
    return;
  }

  const line = alarm => {
    const r = alarm.record;
    const top3 = r.topContributors.slice(0, 3).map(c => `${c.key} (${format.number(c.share * 100)}% vs ${format.number(c.referenceShare * 100)}%)`);
    return `${r.feature} · ${r.detector}: score ${format.number(r.score)} > ${format.number(r.threshold)}${top3.length ? `; top: ${top3.join(', ')}` : ''}`;
  };
  const title = document.createElement('strong');
  title.textContent = `Alarm bin ${format.utc(bin.start * 1000)} UTC`;
  const list = document.createElement('ul');
  for (const alarm of bin.alarms) {
    const item = document.createElement('li');
    item.textContent = line(alarm);
    list.append(item);
  }

  tooltip.replaceChildren(title, list);
  tooltip.hidden = false;
  const box = u.over.getBoundingClientRect();
  const x = box.left + left + 14;
  const y = box.top + top + 14;
  const width = tooltip.offsetWidth;
  tooltip.style.left = `${x + width > window.innerWidth - 8 ? Math.max(8, box.left + left - width - 14) : x}px`;
  tooltip.style.top = `${Math.min(y, window.innerHeight - tooltip.offsetHeight - 8)}px`;
}

/**
 * The API's columns with a null point after each point that is followed by a hole longer than `step`
 * (windows with no row, or no partition): uPlot then breaks the line there instead of drawing a
 * slope across time that has no data.
 */
export function withGaps(data) {
  const step = data.stepSeconds;
  const time = [];
  const columns = data.series.map(() => []);
  data.time.forEach((t, i) => {
    if (i > 0 && t - data.time[i - 1] > step) {
      time.push(data.time[i - 1] + step);
      columns.forEach(column => column.push(null));
    }

    time.push(t);
    columns.forEach((column, c) => column.push(data.series[c].values[i]));
  });
  return [time, ...columns];
}

// Time labels in UTC, 24-hour, with the date under the first label and wherever the day changes.
function timeLabels(u, splits, axis, space, increment) {
  let previousDay = null;
  return splits.map(ts => {
    const text = new Date(ts * 1000).toISOString();
    const day = text.slice(0, 10);
    if (increment >= 86400) {
      return day;
    }

    const label = day === previousDay ? text.slice(11, 16) : `${text.slice(11, 16)}\n${day}`;
    previousDay = day;
    return label;
  });
}

/**
 * Draws a chart into `container` (its content replaced) and returns the uPlot instance.
 * - `data`: a TimeSeries from the API (`time`, `series[].values`);
 * - `lines`: per series `{label, scale}` (scale `y`, the left axis, unless named otherwise);
 * - `axes`: per scale other than `y`, `{label, format}` for a right-hand axis;
 * - `range`: `{from, to}` Dates, the x axis' extent (the range asked for, even where data is missing);
 * - `alarms`: from `alarmBins`; `tooltip`: the element for their details;
 * - `onSelect(from, to)`: called with Dates after a drag-select;
 * - `height`: in CSS pixels.
 */
export function lineChart(container, { data, lines, axes = {}, yLabel = '', yFormat = format.si, range, alarms, tooltip, onSelect, height = 260 }) {
  const colours = theme();
  const from = range.from.getTime() / 1000;
  const to = range.to.getTime() / 1000;
  // Counts start at zero: a scale fitted to the data's minimum makes small changes look like collapses.
  const fromZero = (u, min, max) => uPlot.rangeNum(Math.min(0, min ?? 0), max ?? 1, 0.1, true);
  const scales = { x: { time: true, range: () => [from, to] }, y: { range: fromZero } };
  const series = [{ label: 'time (UTC)', value: (u, ts) => (ts === null ? '–' : format.utc(ts * 1000)) }];
  lines.forEach((line, i) => {
    const colour = colours.series[i % colours.series.length];
    const scale = line.scale ?? 'y';
    series.push({
      label: line.label,
      scale,
      stroke: colour,
      width: 1.5,
      fill: lines.length === 1 ? `${colour}22` : undefined,
      spanGaps: false,
      points: { show: (u, s, i0, i1) => i1 - i0 < 120, size: 5 },
      value: (u, v) => (v === null || v === undefined ? '–' : (axes[scale]?.format ?? yFormat)(v)),
    });
  });

  const axis = { stroke: colours.text, grid: { stroke: colours.grid, width: 1 }, ticks: { stroke: colours.grid, width: 1 } };
  const axisList = [
    { ...axis, values: timeLabels, size: 48 },
    { ...axis, label: yLabel, size: 64, values: (u, values) => values.map(yFormat) },
  ];
  for (const [scale, options] of Object.entries(axes)) {
    scales[scale] = { range: fromZero };
    axisList.push({ ...axis, scale, side: 1, label: options.label, size: 64, grid: { show: false }, values: (u, values) => values.map(options.format) });
  }

  const chart = new uPlot({
    width: Math.max(300, container.clientWidth),
    height,
    tzDate: ts => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
    scales,
    series,
    axes: axisList,
    legend: { live: true },
    // setScale: false: a selection is not a local zoom of the points at hand but a new range, read
    // again from the server at the step that range deserves.
    cursor: { sync: { key: 'mplane-plots' }, drag: { x: true, y: false, setScale: false } },
    hooks: {
      drawClear: [u => drawAlarms(u, alarms, colours)],
      setCursor: [u => showAlarms(u, alarms, tooltip)],
      setSelect: [u => {
        const { left, width } = u.select;
        if (width > 3) {
          onSelect(new Date(u.posToVal(left, 'x') * 1000), new Date(u.posToVal(left + width, 'x') * 1000));
        }

        u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
      }],
    },
  }, withGaps(data));

  container.replaceChildren(chart.root);
  if (data.time.length === 0) {
    const note = document.createElement('p');
    note.className = 'nodata';
    note.textContent = 'no data in this range';
    container.append(note);
  }

  chart.over.addEventListener('mouseleave', () => { tooltip.hidden = true; });
  return chart;
}

/**
 * Keeps `chart`'s width that of its container. The width is applied on the next frame: resizing inside
 * the observer's callback would change the layout it is reporting on.
 */
export function followWidth(chart, container) {
  let frame = 0;
  const observer = new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      const width = Math.max(300, container.clientWidth);
      if (width !== chart.width) {
        chart.setSize({ width, height: chart.height });
      }
    });
  });
  observer.observe(container);
  return () => {
    cancelAnimationFrame(frame);
    observer.disconnect();
  };
}
