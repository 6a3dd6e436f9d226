// The plots page: views over time (traffic per bin, distinct clients, top server ports) for a range
// kept in the address, with the detectors' alarms marked on every chart. A drag-select or the range
// form navigates to a new range (a history entry: Back undoes it) and every chart reads it again.
// `window.mplaneDashboard` holds the charts (uPlot instances, `.data` their columns) for inspection
// from the browser's console and for the browser test.

import { getJson } from './api.js';
import { badge, el, problem, table } from './dom.js';
import * as format from './format.js';
import { address, fromAddress, fromInput, toInput, widened } from './range.js';
import { alarmBins, followWidth, lineChart } from './charts.js';

const page = { charts: {}, alarms: [], range: null, available: null };
window.mplaneDashboard = page;

const tooltip = document.getElementById('tooltip');
const detachers = [];
let loading = null;

// About one point per two pixels of the widest chart: finer is invisible, coarser hides peaks.
function points() {
  return Math.min(2000, Math.max(200, Math.round(document.getElementById('chart-traffic').clientWidth / 2)));
}

function stepText(series) {
  if (series.stepSeconds === series.windowSeconds) {
    return `${format.duration(series.windowSeconds)} bins`;
  }

  return `points of ${format.duration(series.stepSeconds)} (${series.aggregate} of ${series.stepSeconds / series.windowSeconds} bins)`;
}

// A chart's card shows its own failure (a view not configured, say); the other charts still draw.
function failed(id, error) {
  document.getElementById(id).replaceChildren(el('p', { class: 'problem' }, error.message));
}

function navigate(range) {
  history.pushState(null, '', address(range));
  load(fromAddress());
}

function draw(id, name, options) {
  const container = document.getElementById(id);
  const chart = lineChart(container, {
    ...options,
    range: page.range,
    alarms: alarmBins(page.alarms),
    tooltip,
    onSelect: (from, to) => navigate({ from, to }),
  });
  detachers.push(followWidth(chart, container));
  page.charts[name] = chart;
}

function renderAlarmList() {
  const bin = a => {
    const start = new Date(a.record.binStart).getTime();
    const margin = a.record.binSeconds * 1000 * 6;
    const link = el('a', { href: address({ from: new Date(start - margin), to: new Date(start + margin) }) }, format.utc(start));
    link.addEventListener('click', event => {
      event.preventDefault();
      navigate({ from: new Date(start - margin), to: new Date(start + margin) });
    });
    return link;
  };
  table(document.getElementById('alarm-list'), [
    { title: 'bin (UTC)', value: bin },
    { title: 'feature', value: a => a.record.feature },
    { title: 'detector', value: a => a.record.detector },
    { title: 'score', value: a => format.number(a.record.score), numeric: true },
    { title: 'threshold', value: a => format.number(a.record.threshold), numeric: true },
    { title: 'top contributors (share now vs reference)', value: a => a.record.topContributors.slice(0, 5)
      .map(c => `${c.key} (${format.number(c.share * 100)}% vs ${format.number(c.referenceShare * 100)}%)`).join(', ') || '–', wrap: true },
    { title: 'state', value: a => badge(a.alarmState, a.alarmState === 'open' ? 'warn' : 'idle') },
  ], page.alarms, { empty: 'No alarm in this range.', key: a => `${a.record.binStart}/${a.record.feature}/${a.record.detector}` });
}

async function load(asked) {
  loading?.abort();
  loading = new AbortController();
  const signal = loading.signal;
  document.body.dataset.state = 'loading';
  tooltip.hidden = true;
  const common = { points: points() };
  try {
    // The traffic view settles the range when the address names none (the last day of its data);
    // the other charts then show exactly that range.
    let traffic = null;
    let trafficError = null;
    try {
      traffic = await getJson('../status/series', { table: 'flows_5min', columns: 'flows,bytes', from: asked.from?.toISOString(), to: asked.to?.toISOString(), ...common }, signal);
    } catch (error) {
      if (error.name === 'AbortError') {
        throw error;
      }

      trafficError = error;
    }

    const range = traffic ? { from: new Date(traffic.from), to: new Date(traffic.to) } : asked;
    const bounds = { from: range.from?.toISOString(), to: range.to?.toISOString() };
    const [clients, ports, alarms] = await Promise.allSettled([
      getJson('../status/series', { table: 'clients_5min', columns: 'clients', ...bounds, ...common }, signal),
      getJson('../status/top', { table: 'top_ports_5min', key: 'port', value: 'flows', limit: 8, ...bounds, ...common }, signal),
      range.from ? getJson('../status/alarms', bounds, signal) : Promise.resolve({ alarms: [] }),
    ]);
    if (signal.aborted) {
      return;
    }

    // Without the traffic view the range comes from whichever chart answered.
    const settled = traffic ?? [clients, ports].find(r => r.status === 'fulfilled')?.value;
    page.range = settled ? { from: new Date(settled.from), to: new Date(settled.to) } : null;
    page.available = settled?.first ? { first: new Date(settled.first), last: new Date(settled.last) } : null;
    page.alarms = alarms.status === 'fulfilled' ? alarms.value.alarms : [];
    detachers.splice(0).forEach(detach => detach());
    Object.values(page.charts).forEach(chart => chart.destroy());
    page.charts = {};

    if (page.range) {
      document.getElementById('from').value = toInput(page.range.from);
      document.getElementById('to').value = toInput(page.range.to);
      document.getElementById('resolution').textContent = stepText(settled);
    }

    if (traffic) {
      draw('chart-traffic', 'traffic', {
        data: traffic,
        lines: [{ label: 'flows' }, { label: 'bytes', scale: 'bytes' }],
        yLabel: 'flows',
        axes: { bytes: { label: 'bytes', format: format.bytes } },
      });
    } else {
      failed('chart-traffic', trafficError);
    }

    if (clients.status === 'fulfilled' && page.range) {
      draw('chart-clients', 'clients', { data: clients.value, lines: [{ label: 'clients' }], yLabel: 'clients', height: 200 });
    } else {
      failed('chart-clients', clients.reason ?? new Error('no range'));
    }

    if (ports.status === 'fulfilled' && page.range) {
      draw('chart-ports', 'ports', { data: ports.value, lines: ports.value.series.map(s => ({ label: `port ${s.name}` })), yLabel: 'flows', height: 280 });
    } else {
      failed('chart-ports', ports.reason ?? new Error('no range'));
    }

    renderAlarmList();
    // A chart's failure shows in its card; the line at the top says what has no card of its own.
    problem(alarms.status === 'rejected' ? alarms.reason : null);
    document.body.dataset.state = [trafficError, clients.reason, ports.reason, alarms.reason].some(Boolean) ? 'error' : 'ready';
  } catch (error) {
    if (error.name !== 'AbortError') {
      problem(error);
      document.body.dataset.state = 'error';
    }
  }
}

document.getElementById('range').addEventListener('submit', event => {
  event.preventDefault();
  const from = fromInput(document.getElementById('from').value);
  const to = fromInput(document.getElementById('to').value);
  if (!from || !to || to <= from) {
    problem(new Error('The range needs a start before its end (UTC).'));
    return;
  }

  navigate({ from, to });
});

for (const button of document.querySelectorAll('[data-hours]')) {
  button.addEventListener('click', () => {
    if (!page.available) {
      return;
    }

    const { first, last } = page.available;
    const hours = button.dataset.hours;
    navigate(hours === 'all' ? { from: first, to: last } : { from: new Date(last.getTime() - Number(hours) * 3600e3), to: last });
  });
}

document.getElementById('zoom-out').addEventListener('click', () => {
  if (page.range) {
    navigate(widened(page.range, 3));
  }
});

window.addEventListener('popstate', () => load(fromAddress()));
load(fromAddress());
