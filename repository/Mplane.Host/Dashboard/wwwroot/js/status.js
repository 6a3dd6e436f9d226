// The status page: what psql would tell an operator about the repository, refreshed every few
// seconds while the tab is visible. Reads /status (tables, streams, jobs, errors), /status/modules
// and /status/alarms (the last day).

import { getJson } from './api.js';
import { badge, el, problem, table } from './dom.js';
import * as format from './format.js';

const RefreshSeconds = 5;

const stateTone = { running: 'ok', starting: 'warn', restarting: 'bad', stopped: 'idle' };

function renderSummary(status, modules, alarms) {
  const failing = status.jobs.filter(j => j.failures > 0).length;
  const cards = [
    ['modules running', `${modules.filter(m => m.state === 'running' && !m.lost).length} / ${modules.length}`],
    ['streams', format.count(status.streams.length)],
    ['rows imported', format.count(status.streams.reduce((sum, s) => sum + s.rows, 0))],
    ['jobs running', `${status.jobs.filter(j => j.running).length} / ${status.jobs.length}`],
    ['jobs failing', format.count(failing), failing > 0 ? 'bad' : null],
    ['alarms, last 24 h', format.count(alarms.length), alarms.length > 0 ? 'warn' : null],
  ];
  document.getElementById('summary').replaceChildren(...cards.map(([label, figure, tone]) =>
    el('div', { class: 'card' }, el('div', { class: tone ? `figure ${tone}` : 'figure' }, figure), el('div', { class: 'label' }, label))));
}

function renderModules(modules, now) {
  table(document.getElementById('modules'), [
    { title: 'module', value: m => m.module },
    { title: 'instance', value: m => m.instance },
    { title: 'state', value: m => (m.lost ? badge('lost', 'bad') : badge(m.state, stateTone[m.state] ?? 'idle')) },
    { title: 'started', value: m => format.ago(m.startedAt, now), hint: m => format.utc(m.startedAt) },
    { title: 'last heartbeat', value: m => format.ago(m.heartbeatAt, now), hint: m => format.utc(m.heartbeatAt) },
    { title: 'restarts', value: m => format.count(m.restarts), numeric: true },
    { title: 'last error', value: m => (m.lastError ? `${format.utc(m.lastErrorAt)}: ${m.lastError}` : '–'), wrap: true },
  ], modules, { empty: 'No module has reported: the host runs none, or none has started yet.', key: m => `${m.module}@${m.instance}` });
}

function renderStreams(streams, now) {
  table(document.getElementById('streams'), [
    { title: 'stream', value: s => s.name },
    { title: 'files', value: s => format.count(s.files), numeric: true },
    { title: 'rows', value: s => format.count(s.rows), numeric: true },
    { title: 'rejected', value: s => (s.rejectedRows > 0 ? badge(format.count(s.rejectedRows), 'warn') : '0'), numeric: true },
    { title: 'last file', value: s => s.lastFile ?? '–', wrap: true },
    { title: 'last import', value: s => format.ago(s.lastImport, now), hint: s => format.utc(s.lastImport) },
    { title: 'newest window', value: s => format.utc(s.newestWindow) },
    { title: 'complete before', value: s => format.utc(s.completeBefore) },
    { title: 'lag', value: s => (s.completeBefore ? format.duration((now - new Date(s.completeBefore)) / 1000) : '–'), numeric: true },
  ], streams, { empty: 'No stream has been imported yet.', key: s => s.name });
}

function renderJobs(jobs, now) {
  const state = j => {
    if (j.running) {
      return badge('running', 'ok');
    }

    if (j.failures > 0) {
      return badge(j.retryAfter && new Date(j.retryAfter) > now ? `retry ${format.ago(j.retryAfter, now)}` : 'failing', 'bad');
    }

    return badge('idle', 'idle');
  };
  table(document.getElementById('jobs'), [
    { title: 'job', value: j => j.name },
    { title: 'output', value: j => j.output },
    { title: 'state', value: state },
    { title: 'window', value: j => format.duration(j.windowSeconds), numeric: true },
    { title: 'next window', value: j => format.utc(j.nextWindow) },
    { title: 'computed', value: j => format.count(j.windowsComputed), numeric: true },
    { title: 'recompute queued', value: j => format.count(j.pendingRecompute), numeric: true },
    { title: 'failures', value: j => format.count(j.failures), numeric: true },
    { title: 'last run', value: j => (j.lastDurationMs === null ? '–' : format.duration(j.lastDurationMs / 1000)), numeric: true },
    { title: 'last error', value: j => j.lastError ?? '–', wrap: true },
  ], jobs, { empty: 'No job is registered (conf/jobs/*.yaml run by the scheduler).', key: j => j.name });
}

function renderTables(tables) {
  table(document.getElementById('tables'), [
    { title: 'table', value: t => t.name },
    { title: 'kind', value: t => t.kind },
    { title: 'window', value: t => format.duration(t.windowSeconds), numeric: true },
    { title: 'partitions', value: t => format.count(t.partitions), numeric: true },
    { title: 'rows', value: t => format.count(t.rows), numeric: true },
    { title: 'size', value: t => format.bytes(t.bytes), numeric: true },
    { title: 'first', value: t => format.utc(t.first) },
    { title: 'last', value: t => format.utc(t.last) },
    { title: 'retained from', value: t => format.utc(t.retainedFrom) },
  ], tables, { empty: 'No continuous table yet.', key: t => t.name });
}

function renderErrors(errors) {
  table(document.getElementById('errors'), [
    { title: 'job', value: e => e.job },
    { title: 'window', value: e => format.utc(e.window) },
    { title: 'at', value: e => format.utc(e.at) },
    { title: 'error', value: e => e.error, wrap: true },
  ], errors, { empty: 'No failed job window.', key: e => `${e.job}@${e.window}` });
}

function renderAlarms(alarms) {
  // A link to the plots around the bin: an hour either side.
  const around = a => {
    const bin = new Date(a.record.binStart).getTime();
    const from = new Date(bin - 3600e3).toISOString();
    const to = new Date(bin + 3600e3).toISOString();
    return el('a', { href: `plots.html?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}` }, format.utc(a.record.binStart));
  };
  const top = a => a.record.topContributors.slice(0, 3).map(c => c.key).join(', ') || '–';
  table(document.getElementById('alarms'), [
    { title: 'bin', value: around },
    { title: 'feature', value: a => a.record.feature },
    { title: 'detector', value: a => a.record.detector },
    { title: 'score / threshold', value: a => `${format.number(a.record.score)} / ${format.number(a.record.threshold)}`, numeric: true },
    { title: 'top contributors', value: top, wrap: true },
    { title: 'state', value: a => badge(a.alarmState, a.alarmState === 'open' ? 'warn' : 'idle') },
  ], alarms.slice(-50).reverse(), { empty: 'No alarm in the last 24 hours.', key: a => `${a.record.binStart}/${a.record.feature}/${a.record.detector}` });
}

let pending = null;

async function refresh() {
  pending?.abort();
  pending = new AbortController();
  const signal = pending.signal;
  try {
    const [status, modules, alarms] = await Promise.all([
      getJson('../status', {}, signal),
      getJson('../status/modules', {}, signal),
      getJson('../status/alarms', {}, signal),
    ]);
    const now = new Date(status.time);
    renderSummary(status, modules.modules, alarms.alarms);
    renderModules(modules.modules, now);
    renderStreams(status.streams, now);
    renderJobs(status.jobs, now);
    renderTables(status.tables);
    renderErrors(status.errors);
    renderAlarms(alarms.alarms);
    document.getElementById('updated').textContent = `updated ${format.utc(status.time)} UTC`;
    problem(null);
    document.body.dataset.state = 'ready';
  } catch (error) {
    if (error.name !== 'AbortError') {
      problem(error);
      document.body.dataset.state = 'error';
    }
  }
}

const auto = document.getElementById('auto');
setInterval(() => {
  if (auto.checked && document.visibilityState === 'visible') {
    refresh();
  }
}, RefreshSeconds * 1000);
document.addEventListener('visibilitychange', () => {
  if (auto.checked && document.visibilityState === 'visible') {
    refresh();
  }
});
refresh();
