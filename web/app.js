// 3cx2mqtt dashboard: renders /api/state and follows /api/events. Every PBX string goes through textContent.
'use strict';

const token = new URLSearchParams(location.search).get('token');
const withToken = (path) => (token ? `${path}?token=${encodeURIComponent(token)}` : path);
let state = null;
let pageConnected = false;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'text') node.textContent = value ?? '';
    else if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}
const byId = (id) => document.getElementById(id);
const fill = (id, nodes) => byId(id).replaceChildren(...nodes);
const time = (iso) =>
  iso ? new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '';
const party = (number, name) => [name, number].filter(Boolean).join(' · ') || 'unknown';
function seconds(total) {
  if (total === null || total === undefined || total < 0) return '';
  const s = Math.floor(total % 60);
  const m = Math.floor(total / 60) % 60;
  const h = Math.floor(total / 3600);
  return (h ? `${h}:${String(m).padStart(2, '0')}` : `${m}`) + `:${String(s).padStart(2, '0')}`;
}

function banner() {
  const node = byId('banner');
  let text = '';
  if (!pageConnected) text = 'Connection to the gateway lost — reconnecting…';
  else if (state && state.pbx_availability === 'offline')
    text = 'The gateway cannot reach the PBX — showing the last known state.';
  node.textContent = text;
  node.hidden = text === '';
}

function render() {
  banner();
  if (!state) return;
  const { pbx, extensions, ring_groups: groups, queues, trunks, calls } = state;
  byId('pbx-name').textContent = pbx.fqdn ? `3CX ${pbx.fqdn}` : '3CX';
  const pbxUp = state.pbx_availability === 'online';
  byId('pbx-state').dataset.state = pbxUp ? 'up' : 'down';
  byId('pbx-state').textContent = `PBX: ${pbxUp ? 'online' : 'offline'}`;
  byId('mqtt-state').dataset.state = state.bridge.mqtt_connected ? 'up' : 'down';
  byId('mqtt-state').textContent = `MQTT: ${state.bridge.mqtt_connected ? 'connected' : 'disconnected'}`;
  byId('stat-active').textContent = String(calls.active.length);
  byId('stat-total').textContent = String(pbx.total_calls ?? '–');
  byId('stat-missed').textContent = String(pbx.missed_count ?? '–');
  byId('stat-online').textContent = `${extensions.filter((e) => e.registered).length}/${extensions.length}`;
  byId('stat-groups').textContent = String(groups.length);
  byId('stat-queues').textContent = String(queues.length);

  fill(
    'active-calls',
    calls.active.map((c) =>
      el(
        'li',
        { class: 'card', 'data-status': c.status, 'data-call-id': c.id },
        el('h3', {
          text: `${party(c.caller_number, c.caller_name)} → ${party(c.called_number, c.called_name)}`,
        }),
        el('p', {
          text: `${c.direction} · ${c.status}${c.agent ? ` · agent ${c.agent}` : ''}${c.vip ? ' · VIP' : ''}`,
        }),
        el('p', {}, el('span', { class: 'duration', 'data-since': c.answered_at ?? c.started_at })),
      ),
    ),
  );
  byId('no-calls').hidden = calls.active.length > 0;

  fill(
    'recent-calls',
    calls.recent.map((c) =>
      el(
        'tr',
        { 'data-call-id': c.id },
        el('td', { text: time(c.started_at) }),
        el('td', { text: party(c.caller_number, c.caller_name) }),
        el('td', { text: party(c.called_number, c.called_name) }),
        el('td', { class: `outcome-${c.outcome}`, text: c.outcome }),
        el('td', { text: seconds(c.duration) }),
      ),
    ),
  );
  fill(
    'missed-calls',
    calls.missed.map((c) =>
      el(
        'tr',
        {},
        el('td', { text: time(c.ended_at) }),
        el('td', { text: party(c.caller_number, c.caller_name) }),
        el('td', { text: party(c.called_number, c.called_name) }),
      ),
    ),
  );
  fill(
    'extensions',
    extensions.map((e) =>
      el(
        'li',
        { class: 'ext', 'data-status': e.status, 'data-number': e.number },
        el('b', { text: `${e.number} ${e.name}` }),
        el('small', { text: `${e.status} · ${e.presence ?? 'unknown'}` }),
      ),
    ),
  );
  fill(
    'ring-groups',
    groups.map((g) =>
      el(
        'li',
        { class: 'card' },
        el('h3', { text: `${g.number} ${g.name}` }),
        el('p', { text: `${g.strategy ?? ''} · ${g.member_count} members` }),
        el('p', { text: g.members.map((m) => `${m.number} ${m.name}`).join(', ') }),
      ),
    ),
  );
  fill(
    'queues',
    queues.map((q) =>
      el(
        'li',
        { class: 'card', 'data-status': q.waiting_callers > 0 ? 'ringing' : 'idle' },
        el('h3', { text: `${q.number} ${q.name}` }),
        el('p', { text: `${q.waiting_callers} waiting · ${q.agent_count} agents · ${q.strategy ?? ''}` }),
        el('p', { text: q.agents.map((a) => `${a.number} ${a.name}`).join(', ') }),
      ),
    ),
  );
  fill(
    'trunks',
    trunks.map((t) =>
      el(
        'li',
        { class: 'card', 'data-online': t.online },
        el('h3', { text: `${t.number} ${t.name}` }),
        el('p', { text: t.online ? 'online' : 'offline' }),
      ),
    ),
  );
  tick();
}

/** Running durations, from the PBX's timestamps. */
function tick() {
  for (const node of document.querySelectorAll('[data-since]')) {
    node.textContent = seconds((Date.now() - Date.parse(node.dataset.since)) / 1000);
  }
}

function applyPatch(target, patch) {
  if (patch.pbx) target.pbx = patch.pbx;
  if (patch.pbx_availability) target.pbx_availability = patch.pbx_availability;
  if (patch.bridge) target.bridge = patch.bridge;
  for (const [section, entries] of Object.entries(patch.set || {})) {
    const list = target[section] || (target[section] = []);
    const at = new Map(list.map((entity, i) => [entity.number, i]));
    for (const [number, payload] of Object.entries(entries)) {
      if (at.has(number)) list[at.get(number)] = payload;
      else list.push(payload);
    }
  }
  for (const [section, numbers] of Object.entries(patch.remove || {})) {
    const gone = new Set(numbers);
    target[section] = (target[section] || []).filter((entity) => !gone.has(entity.number));
  }
  for (const [name, list] of Object.entries(patch.calls || {})) target.calls[name] = list;
}

async function resync() {
  const response = await fetch(withToken('/api/state'), { cache: 'no-store' });
  if (response.ok) {
    state = await response.json();
    render();
  }
}

function connect() {
  const source = new EventSource(withToken('/api/events'));
  source.addEventListener('open', () => {
    pageConnected = true;
    resync().catch(() => undefined);
  });
  source.addEventListener('state', (event) => {
    pageConnected = true;
    state = JSON.parse(event.data);
    render();
  });
  // After the first full state, only what changed: entities by section and number, call lists whole.
  source.addEventListener('patch', (event) => {
    pageConnected = true;
    if (!state) return;
    applyPatch(state, JSON.parse(event.data));
    render();
  });
  source.addEventListener('error', () => {
    pageConnected = false;
    banner();
  });
}

setInterval(tick, 1000);
connect();
