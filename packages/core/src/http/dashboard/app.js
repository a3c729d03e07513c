// svkit dashboard: one page over svhttp's API (docs/dashboard.md). No framework, no inline
// script (served under a strict CSP); the token is traded for an HttpOnly session cookie and
// never stored by the page. Live updates come from the SSE feed; memory and CPU samples from a
// light refresh of the list while the page is visible.
// One file (about 390 lines, in four marked sections) on purpose: the page is one script request
// with no module loader or build step, and every part of it shares the one `state`.
'use strict';

const API = '/api/v1';
const COMMANDS = ['up', 'down', 'once', 'restart', 'term', 'kill', 'hup', 'pause', 'cont'];
const COMMAND_HELP = {
  up: 'start, and restart when it dies', down: 'stop (TERM, then KILL after timeout-kill)', once: 'run once, no restart',
  restart: 'stop and start again', term: 'send TERM', kill: 'send KILL', hup: 'send HUP', pause: 'send STOP', cont: 'send CONT',
};
const SAMPLES = 60;          // points kept per sparkline
const REFRESH_MS = 5000;     // list refresh for the memory/CPU history (visible page only)
const MAX_EVENTS = 200;
const MAX_LOG_LINES = 500;

const $ = (id) => document.getElementById(id);
const state = {
  role: null,                // 'rw' | 'ro' once signed in
  services: new Map(),       // name -> { data, el, mem: [], cpu: [], at }
  events: null,              // EventSource
  log: null,                 // EventSource of the log tail
  refresh: 0,
};

async function api(path, init = {}) {
  const res = await fetch(API + path, { credentials: 'same-origin', ...init, headers: { Accept: 'application/json', ...(init.headers || {}) } });
  let body = null;
  const type = res.headers.get('content-type') || '';
  if (type.includes('json')) body = await res.json().catch(() => null);
  else body = await res.text().catch(() => '');
  return { res, body };
}

function errorText(body, res) {
  if (body && typeof body === 'object' && typeof body.error === 'string') return body.error;
  if (body && typeof body === 'object' && body.error && typeof body.error.message === 'string') return body.error.message;
  return `HTTP ${res.status}`;
}

function roleOf(body) {
  if (!body || typeof body !== 'object') return null;
  const r = body.role ?? body.access ?? body.mode ?? body.scope ?? (body.session && body.session.role);
  return r === 'rw' || r === 'ro' ? r : null;
}

// ---- sign in / out ----

function showLogin(message) {
  stopLive();
  state.role = null;
  $('login').hidden = false;
  for (const id of ['board', 'logs', 'events', 'logout']) $(id).hidden = true;
  $('access').textContent = 'not signed in';
  $('conn').textContent = 'not connected';
  $('login-error').textContent = message || '';
  $('token').focus();
}

async function signIn(token) {
  const { res, body } = await api('/session', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (!res.ok) return showLogin(res.status === 429 ? 'Too many failed attempts: wait a moment.' : `Sign-in refused: ${errorText(body, res)}`);
  await start(roleOf(body));
}

async function signOut() {
  await api('/session', { method: 'DELETE' }).catch(() => {});
  showLogin('Signed out.');
}

// ---- the board ----

async function start(role) {
  const list = await api('/services');
  if (list.res.status === 401 || list.res.status === 403) return showLogin('');
  if (!list.res.ok) return showLogin(`Cannot read the services: ${errorText(list.body, list.res)}`);
  if (role === null || role === undefined) {
    const s = await api('/session').catch(() => null);
    role = (s && s.res.ok && roleOf(s.body)) || 'ro';
  }
  state.role = role;
  $('login').hidden = true;
  $('token').value = '';
  for (const id of ['board', 'logs', 'events', 'logout']) $(id).hidden = false;
  $('access').textContent = role === 'rw' ? 'signed in: read-write' : 'signed in: read-only';
  $('readonly').hidden = role === 'rw';
  render(list.body);
  startLive();
}

function servicesOf(body) {
  if (body && Array.isArray(body.services)) return body.services;
  if (Array.isArray(body)) return body;
  return [];
}

function nameOf(s) {
  return s.name ?? s.service ?? s.dir;
}

function render(body) {
  const seen = new Set();
  const ul = $('services');
  for (const s of servicesOf(body)) {
    const name = nameOf(s);
    if (typeof name !== 'string') continue;
    seen.add(name);
    update(name, s, ul);
  }
  for (const [name, entry] of state.services) {
    if (!seen.has(name)) { entry.el.remove(); state.services.delete(name); }
  }
  syncLogChoices();
}

function update(name, data, ul = $('services')) {
  let entry = state.services.get(name);
  if (!entry) {
    entry = { data, el: makeCard(name), mem: [], cpu: [], at: 0 };
    state.services.set(name, entry);
    const after = [...ul.children].find((li) => li.dataset.name > name);
    ul.insertBefore(entry.el, after || null);
  }
  entry.data = data;
  entry.at = Date.now();
  if (data.state === 'up' && typeof data.memory === 'number') push(entry.mem, data.memory);
  if (data.state === 'up' && typeof data.cpu === 'number') push(entry.cpu, data.cpu);
  paint(entry);
}

function push(list, v) {
  list.push(v);
  if (list.length > SAMPLES) list.shift();
}

function makeCard(name) {
  const li = $('service-template').content.firstElementChild.cloneNode(true);
  li.dataset.name = name;
  li.querySelector('.name').textContent = name;
  const group = li.querySelector('.controls');
  group.setAttribute('aria-label', `control ${name}`);
  for (const cmd of COMMANDS) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = cmd;
    b.dataset.command = cmd;
    b.className = cmd === 'kill' || cmd === 'down' ? 'danger' : '';
    b.setAttribute('aria-label', `${cmd} ${name}`);
    group.appendChild(b);
  }
  group.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-command]');
    if (b && !b.disabled) control(name, b.dataset.command, b);
  });
  return li;
}

function paint(entry) {
  const d = entry.data;
  const el = entry.el;
  const st = d.ok === false ? 'error' : (d.failed ? 'failed' : (d.state || 'unknown'));
  const badge = el.querySelector('.state');
  badge.textContent = d.ok === false ? 'error' : (d.paused ? `${st}, paused` : st);
  badge.className = `badge state s-${st}`;
  el.querySelector('.pid').textContent = d.pid ? String(d.pid) : '–';
  el.querySelector('.ready').textContent = d.ready === true ? 'yes' : d.ready === false ? 'not ready' : '–';
  el.querySelector('.health').textContent = d.health || '–';
  el.querySelector('.health').className = `health h-${d.health || 'none'}`;
  el.querySelector('.memory').textContent = typeof d.memory === 'number' && d.state === 'up' ? bytes(d.memory) : '–';
  el.querySelector('.cpu').textContent = typeof d.cpu === 'number' && d.state === 'up' ? `${d.cpu.toFixed(1)} %` : '–';
  spark(el.querySelector('.spark.mem polyline'), entry.mem);
  spark(el.querySelector('.spark.cpu polyline'), entry.cpu);
  const notes = [];
  if (d.error) notes.push(d.error);
  if (d.want && d.want !== d.state && d.state !== 'finish') notes.push(`want ${d.want}`);
  if (d.normally === 'down' && d.state === 'up') notes.push('normally down');
  if (typeof d.backoff === 'number') notes.push(`backoff ${d.backoff} s`);
  if (d.failed) notes.push(`failed: ${d.failed}`);
  if (typeof d.restarts === 'number' && d.restarts > 0) notes.push(`restarts ${d.restarts}`);
  if (d.cause) notes.push(`last cause: ${d.cause}`);
  if (d.startError) notes.push(`start error: ${d.startError}`);
  el.querySelector('.detail').textContent = notes.join(' · ');
  tick(entry);
  const ro = state.role !== 'rw';
  for (const b of el.querySelectorAll('.controls button')) {
    b.disabled = ro;
    b.title = ro ? 'read-only access: controls disabled' : COMMAND_HELP[b.dataset.command];
  }
}

function tick(entry) {
  const d = entry.data;
  const up = entry.el.querySelector('.uptime');
  if (typeof d.seconds !== 'number') { up.textContent = '–'; return; }
  const s = d.seconds + Math.floor((Date.now() - entry.at) / 1000);
  up.textContent = `${d.state === 'up' ? '' : 'down '}${duration(s)}`;
}

function spark(line, values) {
  if (values.length < 2) { line.setAttribute('points', ''); return; }
  const max = Math.max(...values) || 1;
  const step = 100 / (SAMPLES - 1);
  const off = (SAMPLES - values.length) * step;
  line.setAttribute('points', values.map((v, i) => `${(off + i * step).toFixed(1)},${(23 - (v / max) * 22).toFixed(1)}`).join(' '));
}

function bytes(n) {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(0)} KB`;
  return `${n} B`;
}

function duration(s) {
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min`;
  if (s < 172800) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} days`;
}

async function control(name, cmd, button) {
  const out = $('action-result');
  button.disabled = true;
  out.textContent = `${cmd} ${name}…`;
  try {
    const { res, body } = await api(`/services/${encodeURIComponent(name)}/${cmd}`, { method: 'POST' });
    if (res.status === 401) return showLogin('Session expired: sign in again.');
    out.textContent = res.ok ? `${cmd} ${name}: done` : `${cmd} ${name} refused: ${errorText(body, res)}`;
    out.className = res.ok ? 'result' : 'result error';
    await refreshOne(name);
  } catch (e) {
    out.textContent = `${cmd} ${name} failed: ${e.message}`;
    out.className = 'result error';
  } finally {
    button.disabled = state.role !== 'rw';
  }
}

async function refreshOne(name) {
  const { res, body } = await api(`/services/${encodeURIComponent(name)}`);
  if (!res.ok || !body) return;
  const s = Array.isArray(body.services) ? body.services[0] : (body.service ?? body);
  if (s) update(name, s);
}

async function refreshAll() {
  const { res, body } = await api('/services');
  if (res.status === 401) return showLogin('Session expired: sign in again.');
  if (res.ok) render(body);
}

// ---- live: SSE, refresh, log tail ----

function startLive() {
  stopLive();
  const es = new EventSource(`${API}/events`);
  state.events = es;
  es.onopen = () => { setConn('live', 'ok'); refreshAll().catch(() => {}); };
  es.onerror = () => {
    if (es.readyState !== EventSource.CLOSED) return setConn('reconnecting…', 'bad');
    // The browser gave up (svhttp answered with an error, e.g. 401 once the session expired):
    // re-read the list (it shows the prompt on 401) and open the stream again a little later.
    setConn('disconnected', 'bad');
    setTimeout(() => { if (state.events === es) refreshAll().catch(() => {}).then(() => { if (state.events === es) startLive(); }); }, 5000);
  };
  const onEvent = (m) => {
    let ev;
    try { ev = JSON.parse(m.data); } catch { return; }
    if (!ev || typeof ev.kind !== 'string') return;
    addEvent(ev);
    const svc = typeof ev.service === 'string' ? ev.service : '';
    if (svc && state.services.has(svc)) refreshSoon(svc);
    else if (svc) refreshAll().catch(() => {});
  };
  es.onmessage = onEvent;
  // A server that names its events (event: KIND) reaches these listeners instead of onmessage.
  // SSE has no catch-all for named events: every EventKind of core/src/events/event.ts, and the
  // kinds announced for this round (waiting, essential-exit, notify-drop).
  for (const k of ['start', 'ready', 'exit', 'restart', 'backoff', 'failed', 'healthy', 'unhealthy', 'limit', 'up', 'down', 'once', 'stop', 'kill',
    'supervisor-start', 'supervisor-stop', 'waiting', 'essential-exit', 'notify-drop', 'event']) {
    es.addEventListener(k, onEvent);
  }
  state.refresh = setInterval(() => {
    if (document.visibilityState === 'visible') refreshAll().catch(() => {});
    for (const e of state.services.values()) tick(e);
  }, REFRESH_MS);
  selectLog($('log-service').value);
}

function stopLive() {
  if (state.events) state.events.close();
  state.events = null;
  clearInterval(state.refresh);
  if (state.log) state.log.close();
  state.log = null;
}

const pending = new Map();
function refreshSoon(name) {
  if (pending.has(name)) return;
  // One read for a burst of events of one service.
  pending.set(name, setTimeout(() => { pending.delete(name); refreshOne(name).catch(() => {}); }, 100));
}

function setConn(text, cls) {
  const c = $('conn');
  c.textContent = text;
  c.className = `conn ${cls}`;
}

function addEvent(ev) {
  const li = document.createElement('li');
  li.className = `event k-${ev.kind}`;
  const time = document.createElement('time');
  const at = new Date(typeof ev.time === 'number' ? ev.time : Date.now());
  time.dateTime = at.toISOString();
  time.textContent = at.toLocaleTimeString();
  const what = document.createElement('span');
  what.className = 'what';
  what.textContent = `${ev.service || '(supervisor)'} ${ev.kind}`;
  const extra = document.createElement('span');
  extra.className = 'extra';
  // The pid first (when there is one), then the fields of the kind as the feed sent them.
  const fields = [['pid', ev.pid], ...Object.entries(ev).filter(([k]) => !['v', 'kind', 'service', 'time', 'pid'].includes(k))]
    .filter(([k, v]) => !(k === 'pid' && !v) && v !== null && v !== undefined && v !== '');
  extra.textContent = fields.map(([k, v]) => `${k} ${v}`).join(', ');
  li.append(time, ' ', what, ' ', extra);
  const list = $('event-list');
  list.insertBefore(li, list.firstChild);
  while (list.children.length > MAX_EVENTS) list.lastChild.remove();
}

function syncLogChoices() {
  const sel = $('log-service');
  const have = new Set([...sel.options].map((o) => o.value));
  for (const name of state.services.keys()) {
    if (have.has(name)) continue;
    const o = document.createElement('option');
    o.value = name;
    o.textContent = name;
    sel.appendChild(o);
  }
}

async function selectLog(name) {
  if (state.log) state.log.close();
  state.log = null;
  const pre = $('log');
  pre.textContent = '';
  if (!name) return;
  // A plain read first: it says why there is no log (the stream would only fail).
  const probe = await api(`/services/${encodeURIComponent(name)}/log?lines=0`);
  if ($('log-service').value !== name) return;
  if (!probe.res.ok) { pre.textContent = `(no log: ${errorText(probe.body, probe.res)})`; return; }
  // svhttp sends the last lines, then each new one, as SSE `line` events (local time).
  const es = new EventSource(`${API}/services/${encodeURIComponent(name)}/log?lines=100&follow=1`);
  state.log = es;
  es.onopen = () => { pre.textContent = ''; };   // each (re)connection sends the last lines again
  es.addEventListener('line', (m) => {
    let line;
    try { line = JSON.parse(m.data); } catch { return; }
    if (typeof line === 'string') appendLog(pre, `${line}\n`);
  });
  es.onerror = () => { if (es.readyState === EventSource.CLOSED) pre.textContent += '(log stream ended)\n'; };
}

function appendLog(pre, text) {
  const stick = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  pre.textContent += text;
  const lines = pre.textContent.split('\n');
  if (lines.length > MAX_LOG_LINES) pre.textContent = lines.slice(-MAX_LOG_LINES).join('\n');
  if (stick) pre.scrollTop = pre.scrollHeight;
}

// ---- wiring ----

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const token = $('token').value.trim();
    if (token) signIn(token).catch((err) => showLogin(`Sign-in failed: ${err.message}`));
  });
  $('logout').addEventListener('click', () => { signOut(); });
  $('log-service').addEventListener('change', (e) => { selectLog(e.target.value); });
  // A session cookie from an earlier sign-in lets the page in without the prompt.
  start(null).catch((err) => showLogin(`Cannot reach svhttp: ${err.message}`));
});
