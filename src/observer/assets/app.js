// The observer page (issue 10): plain JavaScript, no framework, no build step.
// The contract is src/observer/api.ts: snapshots and log batches arrive as server-sent
// events on /events; the tree is fetched level by level from /api/tree; actions are POSTed
// to /api/action with `Authorization: Bearer TOKEN`.
//
// Built to stay responsive with 30,000 agents: the heatmap is at most sectors x clusters
// cells updated in place, the tree holds only the levels the user opened, and the log keeps
// at most LOG_LIMIT rows in the DOM.

const LOG_LIMIT = 500;
/** How often opened tree levels are fetched again while snapshots arrive, ms. */
const TREE_REFRESH_MS = 2000;
/** Sooner when the log shows the tree changing (restarts, stops), but not more often than this, ms. */
const TREE_EAGER_MS = 750;
const TREE_CHANGING = new Set(['actor-restarted', 'actor-stopped', 'actor-started', 'actor-failed']);
/** The most children one tree level shows (a cluster has 30 agents, the root 100 sectors). */
const LEVEL_LIMIT = 500;

const $ = (id) => document.getElementById(id);
// One formatter: Number#toLocaleString builds one per call, which costs ms per thousand cells.
const NUMBER = new Intl.NumberFormat('en-US');
const fmt = (n) => (typeof n === 'number' ? NUMBER.format(n) : '-');

const state = {
  snapshot: null,
  heatMetric: 'impedance',
  /** Paths of the opened tree nodes, in the order they were opened. */
  open: new Set(),
  lastTreeRefresh: 0,
  treeBusy: false,
  log: [],
  logTypes: new Set(),
  /** Heatmap cell elements by cluster path, reused between snapshots. */
  cells: new Map(),
  /** The last HeatCell drawn into each element (hover text; unchanged cells are not touched). */
  cellData: new WeakMap(),
  heatLayout: '',
};

// ------------------------------------------------------------------ header, mode

function renderHeader(s) {
  $('stat-system').textContent = s.system;
  $('stat-actors').textContent = fmt(s.actors);
  $('stat-rate').textContent = fmt(Math.round(s.messagesPerSecond));
  $('stat-restarts').textContent = fmt(s.restarts);
  $('stat-dead').textContent = fmt(s.deadLetters);
  const mode = $('mode');
  mode.textContent = s.mode ?? 'n/a';
  mode.dataset.mode = s.mode ?? 'none';
}

// ------------------------------------------------------------------ heatmap

/** 0..1 -> a colour from cool (green) through amber to hot (red). */
function heat(t) {
  const x = Math.max(0, Math.min(1, t));
  const hue = 130 - 130 * x;
  return `hsl(${hue.toFixed(0)}, 70%, ${(42 + 8 * (1 - x)).toFixed(0)}%)`;
}

function renderHeatmap(cells) {
  const box = $('heatmap');
  if (cells.length === 0) {
    box.textContent = 'no mesh attached: no heatmap';
    box.dataset.cells = '0';
    state.cells.clear();
    state.heatLayout = '';
    return;
  }
  // Rows are sectors, columns the clusters of a sector, in the order the server sends them.
  const sectors = [];
  const bySector = new Map();
  for (const c of cells) {
    let row = bySector.get(c.sector);
    if (row === undefined) {
      row = [];
      bySector.set(c.sector, row);
      sectors.push(c.sector);
    }
    row.push(c);
  }
  const columns = Math.max(...[...bySector.values()].map((r) => r.length));
  const layout = `${sectors.length}x${columns}:${cells.map((c) => c.path).join('|')}`;
  if (layout !== state.heatLayout) {
    // The shape changed (first snapshot, or the mesh changed): build the cells once.
    box.textContent = '';
    state.cells.clear();
    box.style.gridTemplateColumns = `minmax(5em, max-content) repeat(${columns}, minmax(6px, 1fr))`;
    // Rows fill about 500 px: 100 sectors get 5 px each (labels on every few), 10 get 28 px.
    const rowPx = Math.max(5, Math.min(28, Math.floor(500 / sectors.length)));
    const labelEvery = Math.ceil(10 / rowPx);
    box.style.gridAutoRows = `${rowPx}px`;
    box.style.setProperty('--row', `${rowPx}px`);
    for (const [i, sector] of sectors.entries()) {
      const label = document.createElement('div');
      label.className = 'heat-label';
      label.textContent = i % labelEvery === 0 ? sector.slice(sector.lastIndexOf('/') + 1) : '';
      label.title = sector;
      box.append(label);
      const row = bySector.get(sector);
      for (let i = 0; i < columns; i++) {
        const el = document.createElement('div');
        el.className = 'heat-cell';
        const cell = row[i];
        if (cell !== undefined) {
          el.dataset.path = cell.path;
          el.setAttribute('data-testid', 'heat-cell');
          state.cells.set(cell.path, el);
        } else el.classList.add('heat-empty');
        box.append(el);
      }
    }
    state.heatLayout = layout;
    box.dataset.cells = String(cells.length);
  }
  // Colours are scaled to this snapshot: green the lowest, red the highest (the legend says
  // which values those are). Scores are 0-1000, but a simulated mesh's are mostly below 1 ms:
  // an absolute scale would paint every cell the same green.
  const metric = state.heatMetric;
  const maxMailbox = Math.max(1, ...cells.map((c) => c.mailbox));
  const scores = cells.map((c) => c.impedance).filter((v) => v !== null);
  const low = scores.length === 0 ? 0 : Math.min(...scores);
  const high = scores.length === 0 ? 0 : Math.max(...scores);
  const span = high - low;
  $('heat-scale').textContent =
    metric === 'impedance'
      ? scores.length === 0
        ? 'impedance: no heartbeat yet (grey)'
        : `impedance score (0-1000): green ${low} … red ${high}${span === 0 ? ' (all equal)' : ''}; grey: no heartbeat yet`
      : `mailbox depth: green 0 … red ${fmt(maxMailbox)} (log scale)`;
  for (const c of cells) {
    const el = state.cells.get(c.path);
    if (el === undefined) continue;
    const value = metric === 'impedance' ? c.impedance : c.mailbox;
    const background = value === null ? '' : heat(metric === 'impedance' ? (span === 0 ? 0 : (value - low) / span) : Math.log1p(value) / Math.log1p(maxMailbox));
    // Only what changed is written: 1,000 cells a second must not cost a frame each.
    if (el.dataset.bg !== background) {
      el.dataset.bg = background;
      el.style.background = background;
      el.classList.toggle('heat-none', value === null);
    }
    const breaker = c.breaker ?? 'none';
    if (el.dataset.breaker !== breaker) el.dataset.breaker = breaker;
    const frozen = String(c.frozen);
    if (el.dataset.frozen !== frozen) el.dataset.frozen = frozen;
    const impedance = c.impedance === null ? '' : String(c.impedance);
    if (el.dataset.impedance !== impedance) el.dataset.impedance = impedance;
    const mailbox = String(c.mailbox);
    if (el.dataset.mailbox !== mailbox) el.dataset.mailbox = mailbox;
    state.cellData.set(el, c);
  }
}

function cellText(c) {
  return `${c.path} · impedance ${c.impedance ?? '-'} · mailbox ${fmt(c.mailbox)} · agents ${fmt(c.agents)} · breaker ${c.breaker ?? 'none'}${c.frozen ? ' · FROZEN' : ''}`;
}

function heatDetail(event) {
  const el = event.target.closest('.heat-cell');
  const c = el === null ? undefined : state.cellData.get(el);
  if (c === undefined) return;
  // Hover text made when hovered, not for every cell of every snapshot.
  el.title = cellText(c);
  $('heat-detail').textContent = cellText(c);
}

// ------------------------------------------------------------------ breakers, KPIs

function renderBreakers(breakers) {
  const counts = { closed: 0, open: 0, 'half-open': 0 };
  for (const b of breakers) counts[b.state] = (counts[b.state] ?? 0) + 1;
  $('breaker-summary').textContent = breakers.length === 0 ? 'no breaker has changed state' : `${fmt(breakers.length)} breaker${breakers.length === 1 ? '' : 's'} seen: ${fmt(counts.closed)} closed, ${fmt(counts.open)} open, ${fmt(counts['half-open'])} half-open`;
  // Not-closed first; at most 100 rows (a 30k mesh has 1,100 breakers, nearly all closed).
  const rank = { open: 0, 'half-open': 1, closed: 2 };
  const rows = [...breakers].sort((a, b) => rank[a.state] - rank[b.state] || b.since - a.since).slice(0, 100);
  const body = $('breakers').tBodies[0];
  body.replaceChildren(
    ...rows.map((b) => {
      const tr = document.createElement('tr');
      tr.dataset.state = b.state;
      tr.dataset.path = b.path;
      for (const text of [b.path, b.level, b.state, new Date(b.since).toLocaleTimeString()]) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      tr.children[2].className = `state-${b.state}`;
      return tr;
    }),
  );
}

function kpiValue(k) {
  if (k.value === null) return '-';
  if (k.kpi.startsWith('recovery') || k.kpi === 'cascade_latency_p95') return `${Math.round(k.value).toLocaleString('en-US')} ms`;
  return `${(k.value * 100).toFixed(2)}%`;
}

function renderKpis(kpis) {
  const body = $('kpis').tBodies[0];
  if (kpis.length === 0) {
    const tr = document.createElement('tr');
    tr.innerHTML = '<td colspan="4" class="dim">no mesh attached: no KPIs</td>';
    body.replaceChildren(tr);
    return;
  }
  body.replaceChildren(
    ...kpis.map((k) => {
      const tr = document.createElement('tr');
      tr.dataset.kpi = k.kpi;
      const met = k.met === null ? 'no data' : k.met ? 'met' : 'MISSED';
      for (const text of [k.kpi, kpiValue(k), k.target, met]) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      tr.children[3].className = k.met === null ? 'dim' : k.met ? 'state-closed' : 'state-open';
      return tr;
    }),
  );
}

// ------------------------------------------------------------------ plots

/** Draws `values` (one per second) as bars on `canvas`; writes the total into data-total. */
function plot(canvas, values, colour) {
  const ctx = canvas.getContext('2d');
  const w = canvas.width;
  const h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  const max = Math.max(1, ...values);
  const n = Math.max(1, values.length);
  const bw = w / n;
  ctx.fillStyle = colour;
  for (let i = 0; i < values.length; i++) {
    const bh = (values[i] / max) * (h - 14);
    if (bh > 0) ctx.fillRect(i * bw, h - bh, Math.max(1, bw - 0.5), bh);
  }
  ctx.fillStyle = '#8a94a6';
  ctx.font = '10px sans-serif';
  ctx.fillText(`max ${max.toLocaleString('en-US')}/s`, 4, 10);
  const total = values.reduce((a, b) => a + b, 0);
  canvas.dataset.total = String(total);
  return total;
}

function renderPlots(series) {
  const seconds = series.t.length;
  const span = seconds === 0 ? '' : ` over the last ${seconds} s`;
  const r = plot($('plot-restarts'), series.restarts, '#e0a030');
  $('plot-restarts-total').textContent = `${fmt(r)}${span}`;
  const d = plot($('plot-dead'), series.deadLetters, '#d05050');
  $('plot-dead-total').textContent = `${fmt(d)}${span}`;
  const m = plot($('plot-messages'), series.messages, '#4a90d0');
  $('plot-messages-total').textContent = `${fmt(m)}${span}`;
}

// ------------------------------------------------------------------ console actions

function renderActionsEnabled(enabled) {
  $('readonly').hidden = enabled;
  for (const b of document.querySelectorAll('#action-form button')) b.disabled = !enabled;
  $('console-section').dataset.readonly = String(!enabled);
}

function showResult(kind, text) {
  const box = $('action-result');
  box.className = `result result-${kind}`;
  box.dataset.kind = kind;
  box.textContent = text;
}

async function act(action) {
  const token = $('token').value.trim();
  const path = $('action-path').value.trim();
  const body = path === '' ? { action } : { action, path };
  const headers = { 'content-type': 'application/json' };
  if (token !== '') headers.authorization = `Bearer ${token}`;
  showResult('pending', `${action} ${path || '(root)'} …`);
  let response;
  try {
    response = await fetch('/api/action', { method: 'POST', headers, body: JSON.stringify(body) });
  } catch (error) {
    showResult('error', `${action}: the observer did not answer (${error.message})`);
    return;
  }
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: shown as text below
  }
  const reason = (json && (json.error ?? json.message ?? json.text)) || text || response.statusText;
  if (response.status === 401 || response.status === 403) {
    showResult('refused', `refused (${response.status}): ${reason}${token === '' ? ' — type the token first' : ''}`);
  } else if (!response.ok) {
    showResult('error', `${action} failed (${response.status}): ${reason}`);
  } else if (json !== null && json.ok === false) {
    showResult('error', `${action} ${json.path}: ${json.text}`);
  } else {
    showResult('ok', json === null ? text : `${json.action} ${json.path}: ${json.text}`);
  }
}

// ------------------------------------------------------------------ tree

async function getJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

const treeUrl = (path) => (path === undefined ? '/api/tree' : `/api/tree?path=${encodeURIComponent(path)}`);

/** One <li> for a node; its children <ul> is filled when opened. */
function nodeItem(node) {
  const li = document.createElement('li');
  li.className = 'node';
  li.dataset.path = node.path;
  li.setAttribute('data-testid', 'tree-node');
  const line = document.createElement('div');
  line.className = 'node-line';
  const toggle = document.createElement('button');
  toggle.type = 'button';
  toggle.className = 'toggle';
  toggle.setAttribute('data-testid', 'tree-toggle');
  toggle.textContent = node.children > 0 ? (state.open.has(node.path) ? '▾' : '▸') : '·';
  toggle.disabled = node.children === 0;
  toggle.addEventListener('click', () => toggleNode(li));
  const name = document.createElement('span');
  name.className = 'node-name';
  name.textContent = node.name;
  name.title = `${node.path} (click: pick for an action)`;
  name.addEventListener('click', () => pickPath(node.path));
  const counts = document.createElement('span');
  counts.className = 'node-counts';
  counts.setAttribute('data-testid', 'tree-counts');
  line.append(toggle, name, counts);
  const ul = document.createElement('ul');
  li.append(line, ul);
  updateNodeItem(li, node);
  return li;
}

function updateNodeItem(li, node) {
  const counts = li.querySelector(':scope > .node-line > .node-counts');
  counts.textContent = `${node.type} · ${fmt(node.descendants)} below · ${fmt(node.subtreeRestarts)} restarts · ${fmt(node.subtreeMailbox)} queued`;
  counts.title = `itself: mailbox ${fmt(node.mailbox)}, restarts ${fmt(node.restarts)}, ${fmt(node.children)} children`;
  li.dataset.descendants = String(node.descendants);
  li.dataset.restarts = String(node.subtreeRestarts);
  li.dataset.mailbox = String(node.subtreeMailbox);
  li.dataset.children = String(node.children);
}

function fillChildren(li, level) {
  const ul = li.querySelector(':scope > ul');
  const existing = new Map([...ul.children].filter((c) => c.dataset.path !== undefined).map((c) => [c.dataset.path, c]));
  const shown = level.children.slice(0, LEVEL_LIMIT);
  const items = shown.map((child) => {
    const old = existing.get(child.path);
    if (old === undefined) return nodeItem(child);
    updateNodeItem(old, child);
    return old;
  });
  // The server may cut a level too: node.children says how many there are.
  const hidden = Math.max(level.node.children, level.children.length) - shown.length;
  if (hidden > 0) {
    const more = document.createElement('li');
    more.className = 'dim';
    more.textContent = `… ${fmt(hidden)} more (use search)`;
    items.push(more);
  }
  ul.replaceChildren(...items);
}

async function openNode(li) {
  const path = li.dataset.path;
  const level = await getJson(treeUrl(path));
  updateNodeItem(li, level.node);
  fillChildren(li, level);
  state.open.add(path);
  li.classList.add('open');
  li.querySelector(':scope > .node-line > .toggle').textContent = '▾';
}

async function toggleNode(li) {
  if (state.open.has(li.dataset.path)) {
    state.open.delete(li.dataset.path);
    li.classList.remove('open');
    li.querySelector(':scope > ul').replaceChildren();
    li.querySelector(':scope > .node-line > .toggle').textContent = '▸';
    return;
  }
  try {
    await openNode(li);
  } catch (error) {
    showResult('error', `tree: ${error.message}`);
  }
}

async function loadTree() {
  const level = await getJson(treeUrl(undefined));
  const root = nodeItem(level.node);
  $('tree').replaceChildren(root);
  fillChildren(root, level);
  state.open = new Set([level.node.path]);
  root.classList.add('open');
  root.querySelector(':scope > .node-line > .toggle').textContent = '▾';
}

/** Fetches every opened level again (counts change as the mesh runs); closed ones cost nothing. */
async function refreshTree() {
  if (state.treeBusy) return; // one refresh at a time: a slow walk of 30k actors is not queued up
  state.treeBusy = true;
  state.lastTreeRefresh = Date.now();
  try {
    await refreshOpenLevels();
  } finally {
    state.treeBusy = false;
  }
}

async function refreshOpenLevels() {
  for (const path of [...state.open]) {
    const li = findNode(path);
    if (li === null) {
      state.open.delete(path);
      continue;
    }
    try {
      const level = await getJson(treeUrl(path));
      updateNodeItem(li, level.node);
      fillChildren(li, level);
    } catch {
      state.open.delete(path); // the actor is gone
    }
  }
}

function findNode(path) {
  for (const li of document.querySelectorAll('#tree li.node')) if (li.dataset.path === path) return li;
  return null;
}

/** Opens every ancestor of `path` in turn so that it shows in the tree, and marks it. */
async function reveal(path) {
  const rootLi = document.querySelector('#tree > li.node');
  if (rootLi === null) return;
  const rootPath = rootLi.dataset.path;
  const under = rootPath === '/' ? '/' : `${rootPath}/`;
  if (!(path === rootPath || path.startsWith(under))) return;
  const parts = path.slice(under.length).split('/').filter((p) => p !== '');
  let current = rootPath;
  for (const part of parts) {
    const li = findNode(current);
    if (li === null) return;
    if (!state.open.has(current)) await openNode(li);
    current = current === '/' ? `/${part}` : `${current}/${part}`;
  }
  for (const el of document.querySelectorAll('#tree .node.found')) el.classList.remove('found');
  const target = findNode(path);
  if (target !== null) {
    target.classList.add('found');
    target.scrollIntoView({ block: 'nearest' });
  }
}

async function search(query) {
  const list = $('search-results');
  if (query.trim() === '') {
    list.replaceChildren();
    return;
  }
  try {
    const result = await getJson(`/api/search?q=${encodeURIComponent(query.trim())}`);
    const items = result.paths.map((path) => {
      const li = document.createElement('li');
      li.setAttribute('data-testid', 'search-result');
      li.textContent = path;
      li.title = 'click: show in the tree and pick for an action';
      li.addEventListener('click', () => {
        pickPath(path);
        void reveal(path);
      });
      return li;
    });
    if (items.length === 0) {
      const li = document.createElement('li');
      li.className = 'dim';
      li.textContent = 'no path matches';
      items.push(li);
    }
    if (result.truncated) {
      const li = document.createElement('li');
      li.className = 'dim';
      li.textContent = `first ${result.paths.length} shown: narrow the search`;
      items.push(li);
    }
    list.replaceChildren(...items);
  } catch (error) {
    list.textContent = `search failed: ${error.message}`;
  }
}

function pickPath(path) {
  $('action-path').value = path;
}

// ------------------------------------------------------------------ log

function logMatches(entry) {
  const type = $('log-type').value;
  const path = $('log-path').value.trim();
  return (type === '' || entry.type === type) && (path === '' || entry.path.includes(path));
}

function logRow(entry) {
  const tr = document.createElement('tr');
  tr.dataset.type = entry.type;
  tr.dataset.seq = String(entry.seq);
  tr.setAttribute('data-testid', 'log-row');
  const time = new Date(entry.timestamp);
  for (const text of [`${time.toLocaleTimeString()}.${String(time.getMilliseconds()).padStart(3, '0')}`, entry.type, entry.path, entry.text]) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.append(td);
  }
  return tr;
}

function addLogTypes(entries) {
  const select = $('log-type');
  let added = false;
  for (const e of entries) {
    if (state.logTypes.has(e.type)) continue;
    state.logTypes.add(e.type);
    added = true;
  }
  if (!added) return;
  const current = select.value;
  const options = [...state.logTypes].sort().map((type) => new Option(type, type));
  select.replaceChildren(new Option('every type', ''), ...options);
  select.value = current;
}

function onLog(entries) {
  if (entries.length === 0) return;
  state.log.push(...entries);
  if (state.log.length > LOG_LIMIT) state.log.splice(0, state.log.length - LOG_LIMIT);
  addLogTypes(entries);
  if (entries.some((e) => TREE_CHANGING.has(e.type)) && Date.now() - state.lastTreeRefresh >= TREE_EAGER_MS && !document.hidden) void refreshTree();
  if ($('log-pause').checked) return;
  // Newest first; only the rows that pass the filters, at most LOG_LIMIT in the DOM.
  const body = $('log').tBodies[0];
  const rows = entries.filter(logMatches).reverse().map(logRow);
  body.prepend(...rows);
  while (body.rows.length > LOG_LIMIT) body.lastElementChild.remove();
  $('log-count').textContent = `${fmt(body.rows.length)} shown of the last ${fmt(state.log.length)}`;
}

function rerenderLog() {
  const body = $('log').tBodies[0];
  body.replaceChildren(...state.log.filter(logMatches).reverse().map(logRow));
  $('log-count').textContent = `${fmt(body.rows.length)} shown of the last ${fmt(state.log.length)}`;
}

// ------------------------------------------------------------------ snapshots, wiring

function onSnapshot(s) {
  state.snapshot = s;
  document.body.dataset.snapshotAt = String(s.timestamp);
  renderHeader(s);
  renderHeatmap(s.heatmap);
  renderBreakers(s.breakers);
  renderKpis(s.kpis);
  renderPlots(s.series);
  renderActionsEnabled(s.actionsEnabled);
  if (Date.now() - state.lastTreeRefresh >= TREE_REFRESH_MS && !document.hidden) void refreshTree();
}

function connect() {
  const conn = $('connection');
  const source = new EventSource('/events');
  source.addEventListener('open', () => {
    conn.textContent = 'live';
    conn.className = 'conn conn-on';
  });
  source.addEventListener('error', () => {
    // EventSource reconnects on its own; say so meanwhile.
    conn.textContent = 'reconnecting';
    conn.className = 'conn conn-off';
  });
  source.addEventListener('snapshot', (event) => onSnapshot(JSON.parse(event.data)));
  source.addEventListener('log', (event) => onLog(JSON.parse(event.data)));
}

function tokenFromFragment() {
  const m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (m === null) return;
  $('token').value = decodeURIComponent(m[1]);
  // The token must not stay in the address bar (history, screenshots, shoulder surfing).
  history.replaceState(null, '', location.pathname + location.search);
}

function wire() {
  tokenFromFragment();
  for (const radio of document.querySelectorAll('input[name="heat-metric"]')) {
    radio.addEventListener('change', () => {
      state.heatMetric = radio.value;
      if (state.snapshot !== null) renderHeatmap(state.snapshot.heatmap);
    });
  }
  $('heatmap').addEventListener('mouseover', heatDetail);
  $('heatmap').addEventListener('click', (event) => {
    const el = event.target.closest('.heat-cell');
    if (el !== null && el.dataset.path !== undefined) pickPath(el.dataset.path);
  });
  $('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void search($('search').value);
  });
  for (const b of document.querySelectorAll('#action-form button')) b.addEventListener('click', () => void act(b.dataset.action));
  $('action-form').addEventListener('submit', (event) => event.preventDefault());
  $('log-type').addEventListener('change', rerenderLog);
  $('log-path').addEventListener('input', rerenderLog);
  $('log-pause').addEventListener('change', () => {
    if (!$('log-pause').checked) rerenderLog();
  });
}

async function start() {
  wire();
  try {
    onSnapshot(await getJson('/api/snapshot'));
  } catch (error) {
    showResult('error', `snapshot: ${error.message}`);
  }
  try {
    await loadTree();
    state.lastTreeRefresh = Date.now();
  } catch (error) {
    $('tree').textContent = `tree: ${error.message}`;
  }
  connect();
  document.body.dataset.ready = 'true';
}

void start();
