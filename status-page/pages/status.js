// The compliance status page: polls one page of /status/data, renders with DOM calls only (text
// is never parsed as HTML, so alert titles cannot inject markup), counts clocks down every second
// against the gateway's clock, and sends approve/reject and reclassifications as the signed-in
// person. The filters and
// the page number live in the URL's query, so a link shows the same selection to someone else.
const root = document.getElementById('cockpit');
const csrf = root.dataset.csrf;
const refreshMs = Number(root.dataset.refreshMs) || 5000;
const filters = document.getElementById('filters');
let overview;
let skewMs = 0; // gateway time minus browser time

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function duration(ms) {
  const s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n) => String(n).padStart(2, '0');
  return (d ? `${d}d ` : '') + (d || h ? `${h}h ` : '') + `${pad(m)}m ${pad(sec)}s`;
}
const utc = (iso) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '');
const now = () => Date.now() + skewMs;

function clockCell(clock) {
  if (clock.state === 'met')
    return el(
      'span',
      { class: 'badge good', 'data-state': 'met' },
      'met',
      clock.lateByMs > 0 ? ` (${duration(clock.lateByMs)} late)` : '',
    );
  if (clock.state === 'missed') return el('span', { class: 'badge bad', 'data-state': 'missed' }, 'MISSED');
  if (clock.state === 'running' && clock.deadline)
    return el(
      'span',
      { class: 'countdown', 'data-deadline': clock.deadline, 'data-testid': 'countdown' },
      '…',
    );
  return el('span', { class: 'muted' }, clock.state);
}

function tick() {
  for (const node of document.querySelectorAll('.countdown')) {
    const left = Date.parse(node.dataset.deadline) - now();
    node.textContent = left >= 0 ? `${duration(left)} left` : `overdue by ${duration(left)}`;
    node.className = `countdown ${left < 0 ? 'bad' : left < 15 * 60_000 ? 'warn' : ''}`;
  }
}

function flash(text, tone) {
  const node = document.getElementById('flash');
  node.textContent = text;
  node.className = tone;
}

async function decide(incident, approval, decision, reasonInput) {
  const reason = reasonInput?.value.trim();
  if (decision === 'reject' && !reason) {
    flash('Say why you reject (the reason goes into the report).', 'bad');
    reasonInput?.focus();
    return;
  }
  const response = await fetch('/status/decide', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    credentials: 'same-origin',
    body: JSON.stringify({
      incidentId: incident.id,
      step: approval.step,
      decision,
      actionHash: approval.actionHash,
      ...(reason ? { reason } : {}),
    }),
  });
  const answer = await response.json().catch(() => ({ message: `HTTP ${response.status}` }));
  const text = answer.message ?? answer.error ?? `HTTP ${response.status}`;
  flash(
    `${incident.id} / ${approval.step}: ${answer.outcome === 'refused' ? 'refused: ' : ''}${text}`,
    response.ok ? 'good' : 'bad',
  );
  await refresh();
}

/** The post-incident review's action items: add, assign, close, as the signed-in person. */
async function reviewAction(incident, body) {
  const response = await fetch('/status/review', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    credentials: 'same-origin',
    body: JSON.stringify({ incidentId: incident.id, ...body }),
  });
  const answer = await response.json().catch(() => ({ message: `HTTP ${response.status}` }));
  const text = answer.message ?? answer.error ?? `HTTP ${response.status}`;
  flash(
    `${incident.id} / review: ${answer.outcome === 'refused' ? 'refused: ' : ''}${text}`,
    response.ok ? 'good' : 'bad',
  );
  await refresh();
}

function reviewSection(incident) {
  const review = incident.review;
  const input = (name, placeholder) =>
    el('input', {
      type: 'text',
      name,
      placeholder,
      'aria-label': placeholder,
      'data-testid': `review-${name}`,
    });
  const title = input('title', 'action item');
  const owner = input('owner', 'owner (person id)');
  const due = input('due', 'due, e.g. 2026-12-07T09:00:00Z');
  const value = (node) => node.value.trim() || undefined;
  return el(
    'div',
    { class: 'card review', 'data-testid': `review-${incident.id}` },
    el('h4', {}, `Post-incident review (${review.state}), due ${utc(review.due)}`),
    review.items.length
      ? el(
          'ul',
          {},
          review.items.map((i) =>
            el(
              'li',
              { 'data-testid': `review-item-${i.id}` },
              `${i.id} [${i.state}] ${i.title}${i.owner ? ` (owner ${i.owner}${i.due ? `, due ${utc(i.due)}` : ''})` : ''} `,
              i.state === 'open'
                ? el(
                    'button',
                    {
                      type: 'button',
                      onclick: () => reviewAction(incident, { action: 'close', item: i.id }),
                    },
                    'close',
                  )
                : '',
              i.state === 'open' && value(owner)
                ? el(
                    'button',
                    {
                      type: 'button',
                      onclick: () =>
                        reviewAction(incident, {
                          action: 'assign',
                          item: i.id,
                          owner: value(owner),
                          due: value(due),
                        }),
                    },
                    'assign to the owner below',
                  )
                : '',
            ),
          ),
        )
      : el('p', { class: 'muted' }, 'No action items yet.'),
    title,
    owner,
    due,
    el(
      'button',
      {
        type: 'button',
        'data-testid': 'review-add',
        onclick: () =>
          reviewAction(incident, {
            action: 'add',
            title: value(title),
            owner: value(owner),
            due: value(due),
          }),
      },
      'add action item',
    ),
  );
}

function approvalRow(incident, approval) {
  const reasonInput = el('input', {
    type: 'text',
    placeholder: 'reason (required to reject)',
    maxlength: 1000,
    'aria-label': 'reason',
  });
  const id = `${incident.id}-${approval.step}`;
  const action = approval.action
    ? `${approval.action.activity} ${JSON.stringify(approval.action.args)}`
    : 'the next runbook step';
  return el(
    'div',
    { class: 'card approval', 'data-testid': `approval-${id}` },
    el('strong', {}, approval.title),
    ' ',
    el('code', {}, approval.step),
    el('div', {}, 'Action: ', el('code', {}, action)),
    el(
      'div',
      { class: 'muted' },
      `requested ${utc(approval.requestedAt)}${approval.requestedBy ? ` by ${approval.requestedBy}` : ''}; `,
      `${approval.approvals} of ${approval.quorum} approval(s)${approval.twoPersonRule ? ', two-person rule' : ''}; `,
      approval.deadline
        ? ['decide within ', el('span', { class: 'countdown', 'data-deadline': approval.deadline }, '…')]
        : '',
    ),
    approval.mayDecide
      ? el(
          'div',
          { class: 'decide' },
          el(
            'button',
            {
              class: 'approve',
              type: 'button',
              'data-testid': `approve-${id}`,
              onclick: () => decide(incident, approval, 'approve'),
            },
            'Approve',
          ),
          reasonInput,
          el(
            'button',
            {
              class: 'reject',
              type: 'button',
              'data-testid': `reject-${id}`,
              onclick: () => decide(incident, approval, 'reject', reasonInput),
            },
            'Reject',
          ),
        )
      : el('div', { class: 'muted' }, approval.why),
  );
}

/** The crisis budget: spent of the envelope, and what waits for a spend decision. */
function budgetLine(b) {
  const money = (n) => `${n.toFixed(2)} ${b.currency}`;
  const tone = b.state === 'over' ? 'bad' : b.state === 'warning' ? 'warn' : '';
  return el(
    'p',
    { 'data-testid': 'budget' },
    'Crisis budget: ',
    el(
      'strong',
      { class: tone },
      `${money(b.total)} of ${money(b.envelope)} (${Math.round(b.used * 100)} %)`,
    ),
    b.state === 'over' ? ' · over the envelope' : b.state === 'warning' ? ' · nearing the envelope' : '',
    b.pending.length
      ? ` · ${b.pending.length} spend request(s) pending (${money(b.totalIfApproved - b.total)})` +
          (b.pendingGoesOver ? ': approving would go over, finance or an executive decides' : '')
      : '',
  );
}

// The patterns a person may choose (from the page itself), and what each card's choice is, so a
// refresh while someone is choosing keeps the choice.
const patternChoices = [...document.getElementById('pattern-choices').options].map((o) => ({
  value: o.value,
  label: o.textContent,
}));
const chosenPattern = new Map();

async function reclassify(incident, select, reasonInput) {
  const reason = reasonInput.value.trim();
  if (!select.value) {
    flash('Choose the pattern it really is.', 'bad');
    select.focus();
    return;
  }
  if (!reason) {
    flash('Say why you reclassify (the reason goes into the timeline).', 'bad');
    reasonInput.focus();
    return;
  }
  flash(`${incident.id}: moving to ${select.value}…`, '');
  const response = await fetch('/status/reclassify', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    credentials: 'same-origin',
    body: JSON.stringify({ incidentId: incident.id, pattern: select.value, reason }),
  });
  const answer = await response.json().catch(() => ({ message: `HTTP ${response.status}` }));
  const text = answer.message ?? answer.error ?? `HTTP ${response.status}`;
  const problems = answer.problems ? `: ${answer.problems.join('; ')}` : '';
  flash(
    `${incident.id}: ${answer.outcome === 'refused' ? 'refused: ' : ''}${text}${problems}`,
    response.ok ? 'good' : 'bad',
  );
  chosenPattern.delete(incident.id);
  await refresh();
}

function reclassifyRow(incident) {
  const select = el(
    'select',
    {
      'aria-label': 'pattern',
      'data-testid': `reclassify-pattern-${incident.id}`,
      onchange: (event) => chosenPattern.set(incident.id, event.target.value),
    },
    el('option', { value: '' }, 'choose…'),
    patternChoices
      .filter((c) => c.value !== incident.pattern)
      .map((c) => el('option', { value: c.value }, c.label)),
  );
  select.value = chosenPattern.get(incident.id) ?? '';
  const reasonInput = el('input', {
    type: 'text',
    placeholder: 'why (required)',
    maxlength: 2000,
    'aria-label': 'reason',
    'data-testid': `reclassify-reason-${incident.id}`,
  });
  return el(
    'div',
    { class: 'decide reclassify' },
    incident.pattern === 'unclassified'
      ? el('strong', { class: 'warn' }, 'Unclassified: what is it? ')
      : 'Reclassify: ',
    select,
    reasonInput,
    el(
      'button',
      {
        type: 'button',
        'data-testid': `reclassify-${incident.id}`,
        onclick: () => reclassify(incident, select, reasonInput),
      },
      'Move to its runbook',
    ),
  );
}

function alertsResolvedLine(incident) {
  const a = incident.alertsResolved;
  if (!a) return '';
  const next =
    a.policy === 'resolve-after'
      ? `resolves by itself at ${utc(a.resolvesAt)} unless an alert fires again`
      : a.policy === 'propose'
        ? 'resolve it if the lockout is over'
        : 'the runbook does nothing more';
  return el(
    'p',
    { class: 'good', 'data-testid': 'alerts-resolved' },
    `All alerts resolved at the source since ${utc(a.at)}: ${next}.`,
  );
}

function incidentCard(incident) {
  return el(
    'article',
    { class: 'card incident', 'data-testid': `incident-${incident.id}`, 'data-incident': incident.id },
    el('h3', {}, el('span', { class: `sev ${incident.severity}` }, incident.severity), ' ', incident.title),
    el(
      'p',
      {},
      el('span', { 'data-testid': 'pattern' }, incident.pattern),
      ' · region ',
      incident.region,
      incident.euPersonalData ? ' · EU personal data' : '',
      ' · phase ',
      el('strong', { 'data-testid': 'phase' }, incident.phase),
      ` · escalation level ${incident.escalationLevel} of ${incident.escalationLevels}`,
      incident.acknowledgedBy ? ` · owned by ${incident.acknowledgedBy}` : ' · not acknowledged',
      ` · ${incident.alertCount} alert(s) since ${utc(incident.detectedAt)} · runbook `,
      el('code', { 'data-testid': 'runbook' }, incident.runbook),
      ' · ',
      el(
        'a',
        { href: incident.webUi, target: '_blank', rel: 'noreferrer' },
        'Temporal Web UI ',
        el('code', {}, incident.id),
      ),
    ),
    incident.clocks.length
      ? el(
          'table',
          {},
          el('tr', {}, el('th', {}, 'Clock'), el('th', {}, 'Deadline'), el('th', {}, 'State')),
          incident.clocks.map((c) =>
            el(
              'tr',
              { 'data-testid': `clock-${c.id}` },
              el('td', {}, c.title, c.legal ? ' (legal)' : ''),
              el('td', {}, utc(c.deadline) || '—'),
              el('td', {}, clockCell(c)),
            ),
          ),
        )
      : el('p', { class: 'muted' }, 'No clocks in this runbook.'),
    alertsResolvedLine(incident),
    reclassifyRow(incident),
    incident.approvals.length
      ? [el('h4', {}, 'Waiting for approval'), incident.approvals.map((a) => approvalRow(incident, a))]
      : '',
    incident.review ? reviewSection(incident) : '',
    incident.budget ? budgetLine(incident.budget) : '',
    incident.refusals.length
      ? el(
          'details',
          {},
          el('summary', {}, `Refused actions (${incident.refusals.length})`),
          el(
            'ul',
            {},
            incident.refusals.map((r) => el('li', {}, `${utc(r.at)} ${r.summary}`)),
          ),
        )
      : '',
  );
}

function countsBar(counts) {
  const item = (id, n, label, tone) =>
    el('li', { 'data-testid': `count-${id}` }, el('strong', { class: n ? tone : '' }, n), ' ', label);
  return [
    item('open', counts.open, 'open'),
    item('unacknowledged', counts.unacknowledged, 'not acknowledged', 'bad'),
    item('approvals', counts.approvalsWaiting, 'approvals waiting', 'warn'),
    item('deadlines', counts.deadlinesWithinHour, 'deadlines within the hour', 'bad'),
  ];
}

function unreadableCard(row) {
  return el(
    'article',
    { class: 'card incident unreadable', 'data-testid': `incident-${row.id}`, 'data-incident': row.id },
    el(
      'h3',
      {},
      el('span', { class: `sev ${row.severity}` }, row.severity ?? '?'),
      ' ',
      el('code', {}, row.id),
    ),
    el(
      'p',
      { class: 'warn' },
      `Open, but its status cannot be read right now (${row.reason}). `,
      `Pattern ${row.pattern ?? '?'} · region ${row.region ?? '?'} · phase ${row.phase ?? '?'} · running since ${utc(row.startedAt)} · `,
      el('a', { href: row.webUi, target: '_blank', rel: 'noreferrer' }, 'Temporal Web UI'),
    ),
  );
}

function render() {
  document.getElementById('as-of').textContent = utc(overview.asOf).replace(' UTC', '') + ' UTC';
  document.getElementById('counts').replaceChildren(...countsBar(overview.counts));
  document.getElementById('page-summary').textContent =
    `page ${overview.page} of ${overview.pages} · ${overview.totalOpen} open · ${overview.matching} match`;
  document.getElementById('page-prev').disabled = overview.page <= 1;
  document.getElementById('page-next').disabled = overview.page >= overview.pages;
  const incidents = document.getElementById('incidents');
  // Keep what the person is typing in a reason box across refreshes.
  const typing = ['reason', 'pattern'].includes(document.activeElement?.getAttribute('aria-label'));
  if (!typing) {
    const empty = overview.totalOpen ? 'No open incident matches the filters.' : 'No open incidents.';
    incidents.replaceChildren(
      ...(overview.incidents.length || overview.unreadable.length
        ? [...overview.incidents.map(incidentCard), ...overview.unreadable.map(unreadableCard)]
        : [el('p', { class: 'muted', 'data-testid': 'no-incidents' }, empty)]),
    );
  }
  document
    .getElementById('health')
    .replaceChildren(
      ...overview.health.map((h) =>
        el(
          'li',
          { 'data-testid': `health-${h.name}` },
          el(
            'span',
            { class: `badge ${h.ok ? (h.note ? 'warn' : 'good') : 'bad'}` },
            h.ok ? (h.note === 'not-configured' ? 'not set up' : h.note ? 'check' : 'ok') : 'FAILING',
          ),
          ' ',
          el('strong', {}, h.name),
          ': ',
          h.detail,
        ),
      ),
    );
  tick();
}

/** The selection shown: filters and page, as in the address bar. */
function selection() {
  return new URLSearchParams(location.search);
}

function select(changes) {
  const params = selection();
  for (const [key, value] of Object.entries(changes)) {
    if (value === '' || value === null || value === undefined) params.delete(key);
    else params.set(key, String(value));
  }
  if (params.get('page') === '1') params.delete('page');
  const query = params.toString();
  history.pushState(null, '', query ? `?${query}` : location.pathname);
  showSelection();
  void refresh();
}

function showSelection() {
  const params = selection();
  for (const control of filters.elements) {
    if (control.type === 'checkbox') control.checked = params.get(control.name) === '1';
    else control.value = params.get(control.name) ?? '';
  }
}

let asked = 0;
async function refresh() {
  const ask = ++asked;
  try {
    const response = await fetch(`/status/data${location.search}`, {
      headers: { accept: 'application/json' },
      credentials: 'same-origin',
    });
    if (response.status === 401) {
      document.getElementById('connection').textContent = 'Signed out: reload to sign in again.';
      return;
    }
    if (response.status === 400) {
      const answer = await response.json().catch(() => ({}));
      document.getElementById('connection').textContent =
        `This address asks for something the page cannot show: ${(answer.problems ?? []).join('; ')}`;
      return;
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const answer = await response.json();
    if (ask !== asked) return; // the selection changed meanwhile: a newer answer is coming
    overview = answer;
    skewMs = Date.parse(overview.asOf) - Date.now();
    document.getElementById('connection').textContent = '';
    render();
  } catch (err) {
    document.getElementById('connection').textContent = `(not updating: ${err.message}; retrying)`;
  }
}

filters.addEventListener('change', (event) => {
  const control = event.target;
  select({
    [control.name]: control.type === 'checkbox' ? (control.checked ? '1' : '') : control.value,
    page: '',
  });
});
document
  .getElementById('page-prev')
  .addEventListener('click', () => overview && select({ page: overview.page - 1 }));
document
  .getElementById('page-next')
  .addEventListener('click', () => overview && select({ page: overview.page + 1 }));
window.addEventListener('popstate', () => {
  showSelection();
  void refresh();
});

showSelection();
setInterval(tick, 1000);
setInterval(refresh, refreshMs);
refresh();
