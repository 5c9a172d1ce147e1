// The contributor's part of the map page, loaded the first time someone taps "Contribute" or "Suggest an edit":
// sign up and sign in, add a facility by dragging a pin (possible duplicates shown before sending), edit a facility's
// attributes, one's reputation, privileges and pending proposals, and the review queue of the map's view with votes.
// The panel takes the place of the nearest list, so the map stays in sight. Every write goes through auth.js.
import * as auth from './auth.js';
import words from './contrib-i18n.js';
import * as answers from './report-answers.js';

const DUPLICATE_RADIUS_M = 50;   // the API's DuplicateRadiusMetres: a create this close to its category waits for votes
const ADD_ZOOM = 18;

let P = null, t = null, I = null;
let panel = null;
let view = null;                 // { name, arg }: what the panel shows, redrawn when the language changes
let pin = null;                  // the draggable pin of "add a facility"
let reviewLayer = null;          // the pending proposals' places while the review queue is open
let rules = null;                // GET /api/v1/reputation/rules, for the thresholds the account view names
let checkController = null;

function $(id) { return document.getElementById(id); }
function enc(v) { return encodeURIComponent(v); }
function make(tag, className, text) { return P.make(tag, className, text); }

function setup(page) {
  if (P) { return; }
  P = page; t = page.t; I = page.I;
  I.extend(words);
  answers.setup(page);
  const css = document.createElement('link');
  css.rel = 'stylesheet';
  css.href = new URL('contrib.css', import.meta.url).href;
  document.head.appendChild(css);
  panel = make('section', 'contrib');
  panel.id = 'contrib';
  panel.hidden = true;
  panel.setAttribute('aria-labelledby', 'contrib-title');
  $('sheet').after(panel);
  // Forms grow as they fill (a file's columns, a report): the map follows the panel's height, keeping its centre.
  new ResizeObserver(function () { if (!panel.hidden) { resized(); } }).observe(panel);
  document.addEventListener('facilities:language', function () { if (!panel.hidden && view) { show(view.name, view.arg, true); } });
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape' && !panel.hidden && $('filters').hidden) { close(); } });
  document.addEventListener('facilities:sheet', function () { close(false); });
  P.map.on('moveend', function () { if (view && view.name === 'add') { checkDuplicates(); } });
}

export function open(page) {
  setup(page);
  return show(auth.load() ? 'account' : 'signin');
}

export function edit(page) {
  setup(page);
  const facility = P.state.detail;
  if (!facility) { return show('account'); }
  return show(auth.load() ? 'edit' : 'signin', facility.properties.id, false, auth.load() ? null : { name: 'edit', arg: facility.properties.id });
}

/** Sign-in asked for from a facility's details ("Still here", "Report a problem", "Add a photo"): back to that facility
 * after it. <why>, the key of a word the asking part has added, is said above the form ("Sign in to add a photo"). */
export function signInForFacility(page, why) {
  setup(page);
  const facility = P.state.detail;
  return show('signin', why ? { why: why } : null, false, facility ? { name: 'facility', arg: facility.properties.id } : null);
}

/** A facility's history (who or which source, when, what changed, why), signed in or not. */
export function history(page) {
  setup(page);
  const facility = P.state.detail;
  return show('history', facility ? facility.properties.id : null);
}

/** The facility's claim form ("I run this place") and, for its approved operator, what it manages (facility-actions.js). */
export function claim(page) { return facilityView(page, 'claim'); }

export function operate(page) { return facilityView(page, 'operate'); }

function facilityView(page, name) {
  setup(page);
  const facility = P.state.detail;
  const id = facility ? facility.properties.id : null;
  return show(auth.load() ? name : 'signin', id, false, auth.load() ? null : { name: name, arg: id });
}

/** The partner's part (partner.js, loaded on first use) in the same panel, with the same form helpers. */
export function partner(page) {
  setup(page);
  return import('./partner.js').then(function (m) {
    VIEWS.partner = function (body, title) {
      return m.render(body, title, { P: P, t: t, I: I, make: make, field: field, input: input, form: form, submitRow: submitRow,
        linkButton: linkButton, showErrors: showErrors, clearErrors: clearErrors, say: say });
    };
    return show('partner');
  });
}

// ---- The panel -----------------------------------------------------------------------------------------------------

let afterSignIn = null;
let leave = null;                // what a view loaded on demand undoes when the panel shows another (a pin it placed)

function left() {
  const undo = leave;
  leave = null;
  if (undo) { undo(); }
}

function show(name, arg, redraw, then) {
  if (then !== undefined) { afterSignIn = then; }
  if (!redraw) { left(); }
  if (!redraw && view && view.name === 'add' && name !== 'add') { removePin(); }
  if (!redraw && view && view.name === 'review' && name !== 'review') { clearReviewLayer(); }
  // Switching the language redraws the panel: what was typed survives it (a chosen file cannot).
  const typed = {};
  if (redraw) {
    panel.querySelectorAll('input[data-field]:not([type="file"]), select[data-field], textarea[data-field]').forEach(function (n) { typed[n.dataset.field] = n.value; });
  }
  view = { name: name, arg: arg };
  panel.hidden = false;
  panel.className = 'contrib ' + name;
  $('sheet').hidden = true;
  panel.textContent = '';
  const head = make('div', 'contrib-head');
  const title = make('h2', null, '');
  title.id = 'contrib-title';
  title.tabIndex = -1;
  const x = make('button', 'icon-button');
  x.type = 'button';
  x.id = 'contrib-close';
  x.setAttribute('aria-label', t('close'));
  x.title = t('close');
  x.innerHTML = '<span aria-hidden="true">×</span>';
  x.addEventListener('click', function () { close(); });
  head.appendChild(title);
  head.appendChild(x);
  panel.appendChild(head);
  const body = make('div', 'contrib-body');
  panel.appendChild(body);
  resized();
  const done = Promise.resolve(VIEWS[name](body, title, arg)).then(function (x) {
    Object.keys(typed).forEach(function (key) {
      const n = panel.querySelector('[data-field="' + CSS.escape(key) + '"]');
      if (n && n.type !== 'file') { n.value = typed[key]; }
    });
    resized();
    return x;
  });
  resized();
  if (!redraw) { title.focus({ preventScroll: true }); }
  return done;
}

function close(refocus) {
  if (!panel || panel.hidden) { return; }
  left();
  removePin();
  clearReviewLayer();
  view = null;
  panel.hidden = true;
  $('sheet').hidden = false;
  resized();
  if (refocus !== false) { $('contribute').focus({ preventScroll: true }); }
}

// The panel changes the map's height: the map keeps its centre (where the resident looked, where the pin goes).
function resized() { P.map.invalidateSize({ animate: false }); }

const VIEWS = { signin: signIn, signup: signUp, account: account, add: add, edit: editForm, review: review, quests: quests, team: team,
  history: later('facility-history.js', 'history'), partners: later('admin-partners.js', 'partners'), move: later('facility-actions.js', 'move'), closure: later('facility-actions.js', 'closure'),
  claim: later('facility-actions.js', 'claim'), operate: later('facility-actions.js', 'operate') };

// A facility's history, moving it and closing or reopening it: their scripts load the first time one is opened, and
// get the panel's helpers.
function later(file, name) {
  return function (body, title, arg) {
    left(); // a redraw (the language switched) draws the view afresh, its pin included
    return import('./' + file).then(function (m) { return m[name](body, title, arg, helpers()); },
      function (e) { body.appendChild(make('p', 'action-message error', t('failed', { reason: e.message }))); });
  };
}

/** The panel's helpers, as the scripts loaded on first use get them. */
function helpers() {
  return { P: P, t: t, I: I, make: make, api: api, show: show, field: field, input: input, form: form,
    submitRow: submitRow, linkButton: linkButton, showErrors: showErrors, clearErrors: clearErrors, say: say, commentField: commentField,
    sent: sent, shown: shown, attributeName: attributeName, onLeave: function (undo) { leave = undo; },
    attributeFields: attributeFields, note: note, twice: twice, openFacility: function (id) { close(false); return P.openDetail(id, null); },
    edit: function (id) { return auth.load() ? show('edit', id) : show('signin', null, false, { name: 'edit', arg: id }); } };
}

/** After a proposal is sent: the account view, with what became of it on top. */
async function sent(proposal) {
  if (proposal.state === 'accepted') { P.refresh(); }
  await show('account');
  note(proposal.state === 'accepted' ? t('sentAccepted') : t('sentPending'));
}

/** What became of the last thing sent, on top of the panel. */
function note(text) {
  const line = make('p', 'action-message done', text);
  line.id = 'sent-message';
  line.setAttribute('role', 'status');
  panel.querySelector('.contrib-body').prepend(line);
}

// ---- Talking to the API --------------------------------------------------------------------------------------------

async function api(method, url, body) {
  const r = await auth.send(method, url, body);
  if (r.ok) { return r.status === 204 ? null : r.json(); }
  const p = await r.json().catch(function () { return {}; });
  const e = new Error(p.detail || p.title || r.statusText || String(r.status));
  e.status = r.status;
  e.problem = p;
  e.retryAfter = r.headers.get('Retry-After');
  throw e;
}

// A form's inputs are named by the API's field names (email, changes.wheelchair, comment...): each problem detail
// error lands next to the field it names; what names no field is said under the form.
function showErrors(form, e) {
  clearErrors(form);
  if (e.status === 401 && form.dataset.auth !== 'true') {
    afterSignIn = view ? { name: view.name, arg: view.arg } : null;
    return show('signin', null, false).then(function () { say(panel.querySelector('form'), t('sessionEnded'), 'error'); });
  }
  const errors = (e.problem && e.problem.errors) || {};
  const rest = [];
  Object.keys(errors).forEach(function (key) {
    const target = form.querySelector('[data-error-for="' + CSS.escape(key) + '"]');
    if (target) {
      target.textContent = errors[key].join(' ');
      const input = form.querySelector('[data-field="' + CSS.escape(key) + '"]');
      if (input) { input.setAttribute('aria-invalid', 'true'); }
    } else {
      rest.push(key + ': ' + errors[key].join(' '));
    }
  });
  const first = form.querySelector('[aria-invalid="true"]');
  if (first) { first.focus(); }
  if (rest.length || !Object.keys(errors).length) {
    say(form, e.status === 429 ? t('tooMany', { s: e.retryAfter || '60' }) : rest.length ? rest.join(' ') : t('failed', { reason: e.message }), 'error');
  }
  return Promise.resolve();
}

function clearErrors(form) {
  form.querySelectorAll('[data-error-for]').forEach(function (n) { n.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach(function (n) { n.removeAttribute('aria-invalid'); });
  say(form, '', null);
}

function say(form, text, kind) {
  const m = form.querySelector('.form-message');
  if (!m) { return; }
  m.textContent = text;
  m.className = 'form-message action-message' + (kind ? ' ' + kind : '');
}

// ---- Building forms ------------------------------------------------------------------------------------------------

let fieldSeq = 0;

/** A labelled control with its error line: field(form, 'changes.name', 'Name', input). */
function field(container, key, labelText, input, hint) {
  const id = 'cf-' + (++fieldSeq);
  const wrap = make('div', 'cfield');
  const label = make('label', null, labelText);
  label.htmlFor = id;
  input.id = id;
  input.dataset.field = key;
  const error = make('p', 'field-error');
  error.id = id + '-error';
  error.dataset.errorFor = key;
  input.setAttribute('aria-describedby', error.id + (hint ? ' ' + id + '-hint' : ''));
  wrap.appendChild(label);
  wrap.appendChild(input);
  if (hint) { const h = make('p', 'hint', hint); h.id = id + '-hint'; wrap.appendChild(h); }
  wrap.appendChild(error);
  container.appendChild(wrap);
  return input;
}

function input(type, name, value) {
  const i = make('input');
  i.type = type;
  i.name = name;
  if (value !== undefined && value !== null) { i.value = value; }
  return i;
}

function form(container, onSubmit) {
  const f = make('form', 'contrib-form');
  f.noValidate = true;
  f.addEventListener('submit', function (e) {
    e.preventDefault();
    const button = f.querySelector('button[type="submit"]');
    button.disabled = true;
    Promise.resolve().then(function () { return onSubmit(f); })
      .catch(function (err) { return showErrors(f, err); })
      .then(function () { button.disabled = false; });
  });
  container.appendChild(f);
  return f;
}

function submitRow(f, text) {
  const b = make('button', 'primary', text);
  b.type = 'submit';
  const row = make('div', 'filter-actions');
  row.appendChild(b);
  f.appendChild(row);
  const m = make('p', 'form-message action-message');
  m.setAttribute('role', 'status');
  m.setAttribute('aria-live', 'polite');
  f.appendChild(m);
  return b;
}

export function linkButton(container, text, onClick, className) {
  const b = make('button', className || 'link-button', text);
  b.type = 'button';
  b.addEventListener('click', onClick);
  container.appendChild(b);
  return b;
}

// ---- Sign in and sign up -------------------------------------------------------------------------------------------

function signIn(body, title, arg) {
  title.textContent = t('signInTitle');
  if (arg && arg.why) {
    const why = make('p', 'sign-in-why', t(arg.why));
    why.id = 'sign-in-why';
    body.appendChild(why);
  }
  const f = form(body, async function () {
    let answer;
    try {
      answer = await api('POST', 'api/v1/auth/login', { email: f.elements.email.value.trim(), password: f.elements.password.value });
    } catch (e) {
      if (e.status === 401 && !(e.problem && e.problem.errors)) { clearErrors(f); say(f, e.problem.title === 'Locked out' ? e.message : t('badCredentials'), 'error'); return; }
      throw e;
    }
    auth.save(answer);
    signedIn();
  });
  f.dataset.auth = 'true';
  field(f, 'email', t('email'), input('email', 'email')).autocomplete = 'username';
  field(f, 'password', t('password'), input('password', 'password')).autocomplete = 'current-password';
  submitRow(f, t('signIn'));
  linkButton(body, t('toSignUp'), function () { show('signup'); });
  linkButton(body, t('toPartner'), function () { partner(P); }).id = 'to-partner';
  return Promise.resolve();
}

function signUp(body, title) {
  title.textContent = t('signUpTitle');
  const f = form(body, async function () {
    const request = { email: f.elements.email.value.trim(), password: f.elements.password.value };
    if (f.elements.name.value.trim()) { request.name = f.elements.name.value.trim(); }
    auth.save(await api('POST', 'api/v1/auth/register', request));
    signedIn();
  });
  f.dataset.auth = 'true';
  field(f, 'name', t('displayName'), input('text', 'name')).autocomplete = 'nickname';
  field(f, 'email', t('email'), input('email', 'email')).autocomplete = 'username';
  field(f, 'password', t('password'), input('password', 'password'), t('passwordHint')).autocomplete = 'new-password';
  submitRow(f, t('signUp'));
  linkButton(body, t('toSignIn'), function () { show('signin'); });
  return Promise.resolve();
}

function signedIn() {
  const next = afterSignIn;
  afterSignIn = null;
  if (next && next.name === 'facility') { close(false); return P.openDetail(next.arg); }
  return next ? show(next.name, next.arg) : show('account');
}

// ---- The account: reputation, privileges, budgets, pending proposals ----------------------------------------------

async function account(body, title) {
  title.textContent = t('accountTitle');
  body.setAttribute('aria-busy', 'true');
  let me, pending, reports, claims;
  try {
    [me, pending, reports, claims] = await Promise.all([api('GET', 'api/v1/me'), api('GET', 'api/v1/proposals?state=pending&limit=200'),
      api('GET', 'api/v1/me/reports'), api('GET', 'api/v1/me/claims'), loadRules()]);
  } catch (e) {
    body.setAttribute('aria-busy', 'false');
    if (e.status === 401) { return show('signin', null, false).then(function () { say(panel.querySelector('form'), t('sessionEnded'), 'error'); }); }
    body.appendChild(make('p', 'action-message error', t('failed', { reason: e.message })));
    return undefined;
  }
  if (!view || view.name !== 'account') { return undefined; }
  const r = (rules && rules.rules) || {};
  const summary = make('div', 'account-summary');
  summary.appendChild(make('p', 'account-name', me.name));
  const rep = make('p', 'reputation', t('reputation', { n: I.number(me.reputation) }));
  rep.id = 'reputation';
  summary.appendChild(rep);
  summary.appendChild(make('p', 'counts', t('counts', { a: I.number(me.accepted), r: I.number(me.rejected), p: I.number(me.pending) })));
  body.appendChild(summary);

  const actions = make('div', 'actions');
  linkButton(actions, t('addFacility'), function () { show('add'); }, 'primary').id = 'add-facility';
  linkButton(actions, t('reviewNearby'), function () { show('review'); }).id = 'review-nearby';
  linkButton(actions, t('questsNearby'), function () { show('quests'); }).id = 'quests-nearby';
  if ((me.roles || []).indexOf('admin') >= 0) {
    linkButton(actions, t('teamOpen'), function () { show('team'); }).id = 'team-open';
    linkButton(actions, t('partnersOpen'), function () { show('partners'); }).id = 'partners-open';
  }
  body.appendChild(actions);

  body.appendChild(make('h3', null, t('privileges')));
  const privileges = make('ul', 'privileges');
  privileges.id = 'privileges';
  const p = me.privileges;
  [
    p.votes_count ? t('votesCount', { w: I.number(p.vote_weight, 2) }) : t('votesRecorded', { n: r.vote || 15 }),
    p.updates_apply_at_once ? t('updatesAtOnce') : t('updatesWait', { n: r.apply_updates_at_once || 100 }),
    p.creates_apply_at_once ? t('createsAtOnce') : t('createsWait', { n: r.apply_creates_at_once || 500 }),
    p.moderate ? t('moderate') : null
  ].filter(Boolean).forEach(function (text) { privileges.appendChild(make('li', null, text)); });
  Object.keys(me.rate_limits || {}).forEach(function (action) {
    const b = me.rate_limits[action];
    const what = t('budgetWhat')[action];
    if (what) { privileges.appendChild(make('li', 'budget', t('budget', { left: I.number(b.remaining), limit: I.number(b.limit), what: what }))); }
  });
  body.appendChild(privileges);

  body.appendChild(make('h3', null, t('myPending')));
  const mine = (pending.proposals || []).filter(function (x) { return x.author_id === me.id; });
  const list = make('ul', 'proposal-list');
  list.id = 'my-proposals';
  mine.forEach(function (x) {
    const li = make('li', 'proposal-row');
    li.dataset.proposalId = x.id;
    li.dataset.state = x.state;
    li.appendChild(make('strong', null, proposalTitle(x, null)));
    li.appendChild(make('span', 'row-meta', [t('states')[x.state], t('tally', { s: I.number(x.support, 1), o: I.number(x.opposition, 1) }),
      I.date(x.created_at)].join(' · ')));
    linkButton(li, t('showOnMap'), function () { P.map.setView([x.location.lat, x.location.lon], Math.max(P.map.getZoom(), 17)); });
    list.appendChild(li);
  });
  body.appendChild(list);
  if (!mine.length) { body.appendChild(make('p', 'empty', t('noPending'))); }

  // The reports made, each with the partner's answer once it comes: "Fixed by <partner> · notes".
  body.appendChild(make('h3', null, t('myReports')));
  const reportList = make('ul', 'proposal-list');
  reportList.id = 'my-reports';
  (reports.reports || []).forEach(function (r) {
    const li = make('li', 'proposal-row');
    li.dataset.reportId = r.id;
    li.dataset.status = r.response ? r.response.status : 'unanswered';
    li.appendChild(make('strong', null, r.facility_name || P.categoryName(r.category)));
    li.appendChild(make('span', 'row-meta', [t('reasons')[r.reason] || r.reason, I.date(r.created_at)].join(' · ')));
    li.appendChild(make('span', 'row-meta report-answer', r.response ? answers.answerLine(t, r.response) : t('notAnswered')));
    linkButton(li, t('showOnMap'), function () { close(false); P.openDetail(r.facility_id, null); });
    reportList.appendChild(li);
  });
  body.appendChild(reportList);
  if (!(reports.reports || []).length) { body.appendChild(make('p', 'empty', t('noReports'))); }

  // The facilities the account claimed as their operator, each with where its claim is.
  body.appendChild(make('h3', null, t('myClaims')));
  const claimList = make('ul', 'proposal-list');
  claimList.id = 'my-claims';
  (claims.claims || []).forEach(function (x) {
    const li = make('li', 'proposal-row');
    li.dataset.claimId = x.id;
    li.dataset.state = x.state;
    li.appendChild(make('strong', null, x.facility_name || t('claimNoFacilityYet')));
    li.appendChild(make('span', 'row-meta claim-state', [t('claimStates')[x.state] || x.state, I.date(x.created_at)].join(' · ')));
    if (!x.facility_id && x.proposal_id) {
      li.appendChild(make('span', 'row-meta claim-proposal', t('claimProposal', { state: t('states')[x.proposal_state] || x.proposal_state })));
    }
    if (x.decision_note && x.state !== 'approved') { li.appendChild(make('span', 'row-meta', x.decision_note)); }
    if (x.facility_id) { linkButton(li, t('showOnMap'), function () { close(false); P.openDetail(x.facility_id, null); }); }
    if (x.state === 'approved') { linkButton(li, t('claimReportsOpen'), function () { claimReports(li, x, this); }).dataset.claimReports = x.id; }
    if (x.state === 'approved' || x.state === 'pending') { claimEnd(li, x); }
    claimList.appendChild(li);
  });
  body.appendChild(claimList);
  if (!(claims.claims || []).length) { body.appendChild(make('p', 'empty', t('noClaims'))); }

  linkButton(body, t('signOut'), function () { auth.forget(); show('signin'); }, 'link-button sign-out').id = 'sign-out';
  body.setAttribute('aria-busy', 'false');
  return undefined;
}

// The operator ends its claim: withdraws a pending one or stops managing an approved one. Ownership ends at once, so it
// takes a second tap; the reason the moderators read says which of the two it was.
function claimEnd(row, claim) {
  const approved = claim.state === 'approved';
  const message = make('p', 'action-message');
  message.setAttribute('role', 'status');
  const actions = make('div', 'actions');
  twice(actions, message, t(approved ? 'claimStop' : 'claimWithdraw'), t(approved ? 'claimStopConfirm' : 'claimWithdrawConfirm'), function () {
    return api('POST', 'api/v1/claims/' + enc(claim.id) + '/revoke', { reason: t(approved ? 'claimStopReason' : 'claimWithdrawReason') }).then(function (done) {
      row.dataset.state = done.state;
      row.querySelector('.claim-state').textContent = [t('claimStates')[done.state] || done.state, I.date(done.decided_at)].join(' · ');
      row.querySelectorAll('[data-claim-reports], .claim-reports').forEach(function (n) { n.remove(); });
      actions.remove();
      message.textContent = t('claimEnded');
      message.className = 'action-message done';
    }, function (e) {
      message.textContent = t('failed', { reason: e.message });
      message.className = 'action-message error';
    });
  }).dataset.claimEnd = claim.id;
  row.appendChild(actions);
  row.appendChild(message);
}

/**
 * A destructive button: the first tap says what it will do and arms it, the second runs it; Cancel disarms it. With
 * an action name the two buttons carry it as data-action (name and name-cancel), as the admin screens' tests find them.
 */
function twice(actions, message, text, warning, run, action) {
  const button = linkButton(actions, text, function () {
    if (button.dataset.armed !== 'true') {
      button.dataset.armed = 'true';
      button.classList.add('danger');
      message.textContent = warning;
      message.className = 'action-message';
      cancel.hidden = false;
      return;
    }
    button.disabled = true;
    cancel.hidden = true;
    Promise.resolve(run()).then(function () { button.disabled = false; disarm(); });
  });
  const disarm = function () { button.dataset.armed = 'false'; button.classList.remove('danger'); cancel.hidden = true; };
  const cancel = linkButton(actions, t('cancel'), function () { disarm(); message.textContent = ''; });
  cancel.hidden = true;
  if (action) {
    button.dataset.action = action;
    cancel.dataset.action = action + '-cancel';
  }
  cancel.dataset.cancel = 'true';
  return button;
}

// What residents report about a facility the account manages, with a partner's answer if one gave it.
async function claimReports(row, claim, button) {
  button.disabled = true;
  let answer;
  try {
    answer = await api('GET', 'api/v1/me/claims/' + enc(claim.id) + '/reports');
  } catch (e) {
    row.appendChild(make('p', 'action-message error', t('failed', { reason: e.message })));
    button.disabled = false;
    return;
  }
  button.remove();
  const list = make('ul', 'claim-reports');
  (answer.reports || []).forEach(function (r) {
    const li = make('li', 'row-meta');
    li.dataset.reportId = r.id;
    li.textContent = [t('reasons')[r.reason] || r.reason, I.date(r.created_at), r.comment, r.response ? answers.answerLine(t, r.response) : null]
      .filter(Boolean).join(' · ');
    list.appendChild(li);
  });
  row.appendChild(list);
  if (!(answer.reports || []).length) { row.appendChild(make('p', 'empty', t('claimNoReports'))); }
}

function loadRules() {
  if (rules) { return Promise.resolve(rules); }
  return P.getJson('api/v1/reputation/rules').then(function (r) { rules = r; return r; }, function () { return null; });
}

// ---- Attribute fields from the categories endpoint's schemas --------------------------------------------------------

/** The editable attributes of a category: the core ones the API marks editable, then the category's own, each with its definition. */
function attributesOf(category) {
  const core = Object.keys(P.state.core).filter(function (n) { return P.state.core[n].editable; })
    .map(function (n) { return { name: n, def: P.state.core[n], core: true }; });
  const schema = (P.state.categories[category] && P.state.categories[category].attributes) || {};
  return core.concat(Object.keys(schema).map(function (n) { return { name: n, def: schema[n], core: false }; }));
}

function currentValue(properties, attr) {
  if (!properties) { return null; }
  const v = attr.core ? properties[attr.name] : (properties.attributes || {})[attr.name];
  return v === undefined ? null : v;
}

function valueLabel(def, v) {
  return def && def.value_labels && def.value_labels[v] ? I.label(def.value_labels[v], v) : v;
}

/** One control for an attribute, its current value shown; read back with readControl. */
function attributeControl(container, attr, value) {
  const def = attr.def;
  const key = 'changes.' + attr.name;
  const label = I.label(def.labels, attr.name);
  if (def.type === 'enum_list') {
    const set = make('fieldset', 'cfield checks');
    set.appendChild(make('legend', null, label));
    set.dataset.field = key;
    set.dataset.attribute = attr.name;
    (def.values || []).forEach(function (v) {
      const l = make('label', 'check');
      const box = input('checkbox', attr.name);
      box.value = v;
      box.checked = Array.isArray(value) && value.indexOf(v) >= 0;
      l.appendChild(box);
      l.appendChild(document.createTextNode(' ' + valueLabel(def, v)));
      set.appendChild(l);
    });
    const error = make('p', 'field-error');
    error.dataset.errorFor = key;
    set.appendChild(error);
    container.appendChild(set);
    return set;
  }
  let control;
  if (def.type === 'boolean' || def.type === 'enum') {
    control = make('select');
    const values = def.type === 'boolean' ? ['true', 'false'] : def.values || [];
    if (def.type === 'boolean' || values.indexOf('unknown') < 0) { control.appendChild(new Option(t('unknown'), '')); }
    values.forEach(function (v) {
      control.appendChild(new Option(def.type === 'boolean' ? t(v === 'true' ? 'yes' : 'no') : valueLabel(def, v), v));
    });
    control.value = value === null ? (values.indexOf('unknown') >= 0 ? 'unknown' : '') : String(value);
  } else if (def.type === 'integer') {
    control = input('number', attr.name, value);
    control.inputMode = 'numeric';
    if (def.min !== undefined) { control.min = def.min; }
    if (def.max !== undefined) { control.max = def.max; }
  } else {
    control = input('text', attr.name, value);
    if (def.max_length) { control.maxLength = def.max_length; }
  }
  control.name = attr.name;
  field(container, key, label, control);
  control.dataset.attribute = attr.name;
  if (attr.name === 'opening_hours') { hoursTools(container, control); }
  return control;
}

// The structured hours editor and the week preview (hours-editor.js) load the first time the contributor opens the
// editor or types hours; until then the field is plain text. The preview reads the hours where the facility is (the
// pin's place for a new one): its public holidays and sun times.
let hoursEditor = null;
function hoursTools(container, control) {
  const box = make('div', 'hours-tools');
  const load = function () {
    hoursEditor = hoursEditor || import('./hours-editor.js').then(function (m) { m.setup(P); return m; }, function (e) { hoursEditor = null; throw e; });
    return hoursEditor;
  };
  const failed = function (e) { box.appendChild(make('p', 'action-message error', t('failed', { reason: e.message }))); };
  linkButton(box, t('hoursEditorOpen'), function () { load().then(function (m) { return m.open(control, box, hoursPlace); }).catch(failed); }).id = 'hours-editor-open';
  control.addEventListener('input', function () { load().then(function (m) { m.watch(control, box, hoursPlace); }, failed); }, { once: true });
  container.appendChild(box);
}

function hoursPlace() {
  if (pin) { const at = pin.getLatLng().wrap(); return { lat: at.lat, lon: at.lng }; }
  const f = P.state.detail;
  return f && view && view.arg === f.properties.id ? { lat: f.geometry.coordinates[1], lon: f.geometry.coordinates[0] } : null;
}

function readControl(control, def) {
  if (def.type === 'enum_list') {
    return Array.prototype.filter.call(control.querySelectorAll('input'), function (b) { return b.checked; }).map(function (b) { return b.value; });
  }
  const v = control.value;
  if (def.type === 'boolean') { return v === '' ? null : v === 'true'; }
  if (def.type === 'integer') { return v.trim() === '' ? null : Number(v); }
  if (def.type === 'enum') { return v === '' ? null : v; }
  return v.trim() === '' ? null : v.trim();
}

function same(a, b) {
  const norm = function (v) { return Array.isArray(v) ? v.slice().sort() : v === undefined ? null : v; };
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

/** The attribute controls of a category into a container; answers a function that reads the changed values. */
function attributeFields(container, category, properties, only) {
  container.textContent = '';
  const controls = attributesOf(category).filter(function (attr) { return !only || only.indexOf(attr.name) >= 0; }).map(function (attr) {
    return { attr: attr, control: attributeControl(container, attr, currentValue(properties, attr)) };
  });
  return function changes() {
    const out = {};
    controls.forEach(function (c) {
      const next = readControl(c.control, c.attr.def);
      const before = currentValue(properties, c.attr);
      const empty = next === null || (Array.isArray(next) && next.length === 0) || next === 'unknown';
      // A create sends what was filled in; an edit what differs from the facility now.
      if (properties ? !same(next, before) : !empty) { out[c.attr.name] = next; }
    });
    return out;
  };
}

function commentField(f) {
  const c = make('textarea');
  c.name = 'comment';
  c.rows = 2;
  c.maxLength = 2000;
  return field(f, 'comment', t('comment'), c);
}

// ---- Adding a facility: a pin to drag, the possible duplicates within 50 m, the form ------------------------------

function add(body, title) {
  title.textContent = t('addTitle');
  if (!P.state.categoryOrder.length) { return P.labelled.then(function () { return view && view.name === 'add' ? show('add', null, true) : undefined; }); }
  body.appendChild(make('p', 'hint', t('dragPin')));
  const where = make('p', 'pin-at');
  where.id = 'pin-at';
  body.appendChild(where);
  linkButton(body, t('pinHere'), function () { placePin(P.map.getCenter()); }).id = 'pin-here';

  const dup = make('div', 'duplicates');
  dup.id = 'duplicates';
  dup.setAttribute('role', 'status');
  dup.setAttribute('aria-live', 'polite');
  body.appendChild(dup);

  let changes = null;
  let claimed = null;
  const f = form(body, async function () {
    clearErrors(f);
    const at = pin.getLatLng().wrap();
    const create = {
      location: { lat: round(at.lat), lon: round(at.lng) },
      changes: Object.assign({ category: f.elements.category.value }, changes()),
      comment: f.elements.comment.value
    };
    // Shared with the public: the same create, with the operator's claim on the facility it makes.
    const proposal = share.checked
      ? (await api('POST', 'api/v1/shared-facilities', Object.assign(create, (await claimed)()))).proposal
      : await api('POST', 'api/v1/proposals', Object.assign({ kind: 'create' }, create));
    const message = proposal.state === 'accepted' ? t('sentAccepted')
      : proposal.possible_duplicates && proposal.possible_duplicates.length ? t('sentDuplicates', { n: proposal.possible_duplicates.length })
        : t(share.checked ? 'shareSent' : 'sentPending');
    if (proposal.state === 'accepted') { P.refresh(); }
    await show('account');
    const note = make('p', 'action-message done', message);
    note.id = 'sent-message';
    note.setAttribute('role', 'status');
    panel.querySelector('.contrib-body').prepend(note);
  });
  const category = make('select');
  category.name = 'category';
  P.state.categoryOrder.forEach(function (id) { category.appendChild(new Option(P.categoryName(id), id)); });
  category.value = (view.arg && view.arg.category) || P.state.categoryOrder[0];
  field(f, 'changes.category', t('category'), category);
  const attributes = make('div', 'attribute-fields');
  f.appendChild(attributes);
  changes = attributeFields(attributes, category.value, null);
  category.addEventListener('change', function () {
    view.arg = { category: category.value };
    changes = attributeFields(attributes, category.value, null);
    checkDuplicates();
  });
  commentField(f);

  // "Share a toilet" (共享公厕): the operator of the place opens it to the public and claims it in the same step; the
  // claim's fields are facility-actions.js's, loaded when the box is ticked.
  const sharing = make('div', 'cfield share-choice');
  const shareLabel = make('label', 'check');
  const share = input('checkbox', 'share');
  share.id = 'add-share';
  shareLabel.appendChild(share);
  shareLabel.appendChild(document.createTextNode(' ' + t('shareOption')));
  sharing.appendChild(shareLabel);
  const shareFields = make('div', 'share-fields');
  shareFields.hidden = true;
  shareFields.appendChild(make('p', 'hint', t('shareHint')));
  sharing.appendChild(shareFields);
  f.appendChild(sharing);
  share.addEventListener('change', function () {
    shareFields.hidden = !share.checked;
    if (share.checked && !claimed) {
      claimed = import('./facility-actions.js').then(function (m) { return m.claimFields(shareFields, helpers()); });
      claimed.catch(function (e) { say(f, t('failed', { reason: e.message }), 'error'); claimed = null; });
    }
  });
  submitRow(f, t('send'));

  // Close enough in to place the pin to a few metres (a pixel is about half a metre at zoom 18).
  if (!pin) {
    resized();
    if (P.map.getZoom() < ADD_ZOOM) { P.map.setView(P.map.getCenter(), ADD_ZOOM, { animate: false }); }
    placePin(P.map.getCenter());
  } else { pinMoved(); }
  return Promise.resolve();
}

function round(v) { return Math.round(v * 1e7) / 1e7; }

function placePin(at) {
  if (!pin) {
    pin = L.marker(at, {
      draggable: true, autoPan: true, keyboard: true, title: t('pin'), zIndexOffset: 1000,
      icon: L.divIcon({ className: 'new-pin', html: '<span></span>', iconSize: [34, 44], iconAnchor: [17, 42] })
    }).addTo(P.map);
    pin.on('dragend', pinMoved);
  } else {
    pin.setLatLng(at);
  }
  pinMoved();
}

function removePin() {
  if (pin) { P.map.removeLayer(pin); pin = null; }
  if (checkController) { checkController.abort(); checkController = null; }
}

function pinMoved() {
  const at = pin.getLatLng();
  const where = $('pin-at');
  if (where) { where.textContent = t('pinAt', { lat: at.lat.toFixed(5), lon: at.lng.toFixed(5) }); }
  const node = pin.getElement();
  if (node) { node.dataset.lat = String(at.lat); node.dataset.lon = String(at.lng); }
  checkDuplicates();
}

// The API's create answers possible_duplicates only once the proposal exists; asking /nearby the same question (the
// same category within 50 m, geodesic) shows them while the contributor can still move the pin or give up.
function checkDuplicates() {
  const box = $('duplicates');
  const select = panel && panel.querySelector('select[data-field="changes.category"]');
  if (!pin || !box || !select) { return; }
  if (checkController) { checkController.abort(); }
  const controller = checkController = new AbortController();
  const at = pin.getLatLng().wrap();
  const category = select.value;
  box.setAttribute('aria-busy', 'true');
  box.textContent = t('checking');
  P.getJson('api/v1/facilities/nearby?lat=' + at.lat.toFixed(7) + '&lon=' + at.lng.toFixed(7) + '&radius_m=' + DUPLICATE_RADIUS_M +
    '&limit=10&category=' + enc(category), controller.signal).then(function (answer) {
    if (controller !== checkController) { return; }
    box.textContent = '';
    box.dataset.lat = at.lat.toFixed(7);
    box.dataset.lon = at.lng.toFixed(7);
    if (!answer.features.length) {
      box.className = 'duplicates none';
      box.appendChild(make('p', null, t('noDuplicates', { c: P.categoryName(category), m: DUPLICATE_RADIUS_M })));
    } else {
      box.className = 'duplicates found';
      box.appendChild(make('p', 'duplicates-title', t('duplicatesTitle', { m: DUPLICATE_RADIUS_M })));
      const list = make('ul');
      answer.features.forEach(function (f) {
        const li = make('li', null, (f.properties.name || P.categoryName(f.properties.category)) + ' · ' +
          t('metres', { n: I.number(Math.round(f.properties.distance_m)) }));
        li.dataset.id = f.properties.id;
        list.appendChild(li);
      });
      box.appendChild(list);
    }
    box.setAttribute('aria-busy', 'false');
  }, function (e) {
    if (e.name === 'AbortError' || controller !== checkController) { return; }
    box.textContent = t('failed', { reason: e.message });
    box.setAttribute('aria-busy', 'false');
  });
}

// ---- Editing a facility's attributes --------------------------------------------------------------------------------

async function editForm(body, title, id) {
  if (!id) { title.textContent = t('edit'); body.appendChild(make('p', 'empty', t('noFacility'))); return; }
  body.setAttribute('aria-busy', 'true');
  await P.labelled;
  let facility;
  try {
    facility = await P.getJson('api/v1/facilities/' + enc(id));
  } catch (e) {
    body.setAttribute('aria-busy', 'false');
    body.appendChild(make('p', 'action-message error', t('failed', { reason: e.message })));
    return;
  }
  if (!view || view.name !== 'edit' || view.arg !== id) { return; }
  const p = facility.properties;
  title.textContent = t('editTitle', { name: p.name || P.categoryName(p.category) });
  const more = make('div', 'actions facility-actions');
  linkButton(more, t('moveOpen'), function () { show('move', id); }).id = 'move-open';
  linkButton(more, t(p.status === 'open' ? 'closureOpen' : 'reopenOpen'), function () { show('closure', id); }).id = 'closure-open';
  linkButton(more, t('historyOpen'), function () { show('history', id); }).id = 'edit-history';
  body.appendChild(more);
  const f = form(body, async function () {
    const changed = changes();
    clearErrors(f);
    if (!Object.keys(changed).length) { say(f, t('nothingChanged'), 'error'); return; }
    let proposal;
    try {
      proposal = await api('POST', 'api/v1/proposals', { kind: 'update', facility_id: id, base_version: p.version, changes: changed, comment: f.elements.comment.value });
    } catch (e) {
      if (e.status === 409 && e.problem && e.problem.current_version) {
        await show('edit', id, true);
        say(panel.querySelector('form'), t('stale'), 'error');
        return;
      }
      throw e;
    }
    await sent(proposal);
  });
  f.dataset.version = String(p.version);
  const attributes = make('div', 'attribute-fields');
  f.appendChild(attributes);
  const changes = attributeFields(attributes, p.category, p);
  commentField(f);
  submitRow(f, t('send'));
  body.setAttribute('aria-busy', 'false');
}

// ---- The review queue: pending proposals in the map's view, the diff against now, votes -----------------------------

function viewBbox() {
  const b = P.map.getBounds();
  const clamp = function (v, lo, hi) { return Math.max(lo, Math.min(hi, v)); };
  const w = clamp(b.getWest(), -180, 180), e = clamp(b.getEast(), -180, 180);
  return [w, clamp(b.getSouth(), -85, 85), e > w ? e : 180, clamp(b.getNorth(), -85, 85)].map(function (v) { return v.toFixed(6); }).join(',');
}

function clearReviewLayer() {
  if (reviewLayer) { P.map.removeLayer(reviewLayer); reviewLayer = null; }
}

async function review(body, title) {
  title.textContent = t('reviewTitle');
  body.setAttribute('aria-busy', 'true');
  linkButton(body, t('refreshList'), function () { show('review', null, true); }).id = 'review-refresh';
  let me, page;
  try {
    [me, page] = await Promise.all([api('GET', 'api/v1/me'), api('GET', 'api/v1/proposals?state=pending&limit=50&bbox=' + viewBbox()), loadRules(), P.labelled]);
  } catch (e) {
    body.setAttribute('aria-busy', 'false');
    if (e.status === 401) { afterSignIn = { name: 'review' }; return show('signin'); }
    body.appendChild(make('p', 'action-message error', t('failed', { reason: e.message })));
    return undefined;
  }
  if (!view || view.name !== 'review') { return undefined; }
  const reviewer = me.privileges.votes_count || me.privileges.moderate;
  if (!reviewer) { body.appendChild(make('p', 'hint', t('reviewOwnOnly', { n: (rules && rules.rules && rules.rules.vote) || 15 }))); }
  const proposals = page.proposals || [];
  clearReviewLayer();
  reviewLayer = L.layerGroup(proposals.map(function (x) {
    return L.circleMarker([x.location.lat, x.location.lon], { radius: 12, weight: 3, dashArray: '4 3', color: '#ff8f00', fill: false, interactive: false });
  })).addTo(P.map);
  if (!proposals.length) { body.appendChild(make('p', 'empty', t('reviewEmpty'))); }

  // The current state of the facilities the proposals change, one request each (a queue page holds at most 50).
  const ids = proposals.map(function (x) { return x.facility_id; }).filter(function (id, i, all) { return id && all.indexOf(id) === i; });
  const current = {};
  await Promise.all(ids.map(function (id) {
    return P.getJson('api/v1/facilities/' + enc(id)).then(function (f) { current[id] = f; }, function () { /* removed meanwhile: no diff */ });
  }));
  const list = make('ol', 'review-list');
  list.id = 'review-list';
  proposals.forEach(function (x) { list.appendChild(reviewCard(x, current[x.facility_id] || null, me)); });
  body.appendChild(list);
  // Moderators also decide photos: those waiting and those reported, from everywhere (photos.js, loaded then).
  if (me.privileges.moderate) {
    await import('./photos.js').then(function (m) { return m.queues(body, { P: P, linkButton: linkButton }); }).catch(function (e) {
      body.appendChild(make('p', 'action-message error', t('failed', { reason: e.message })));
    });
    // And operators' claims, from everywhere (facility-actions.js).
    await import('./facility-actions.js').then(function (m) {
      return m.claimQueue(body, { P: P, t: t, I: I, make: make, api: api, input: input, linkButton: linkButton, twice: twice });
    }).catch(function (e) { body.appendChild(make('p', 'action-message error', t('failed', { reason: e.message }))); });
  }
  body.setAttribute('aria-busy', 'false');
  return undefined;
}

function proposalTitle(x, facility) {
  const c = x.changes || {};
  const category = c.category || (facility && facility.properties.category);
  const name = c.name || (facility && facility.properties.name) || (category ? P.categoryName(category) : '');
  return name ? t('kindOf', { kind: t('kinds')[x.kind], name: name }) : t('kinds')[x.kind];
}

function definitionOf(name, category) {
  if (P.state.core[name]) { return P.state.core[name]; }
  const schema = P.state.categories[category] && P.state.categories[category].attributes;
  return schema && schema[name];
}

function shown(name, value, category) {
  if (value === null || value === undefined || (Array.isArray(value) && !value.length)) { return '—'; }
  if (name === 'location' && Array.isArray(value)) { return value[1].toFixed(5) + ', ' + value[0].toFixed(5); }
  if (name === 'category') { return P.categoryName(value); }
  if (name === 'status_until') { return I.date(value); }
  const def = definitionOf(name, category);
  if (Array.isArray(value)) { return value.map(function (v) { return valueLabel(def, v); }).join(I.lang === 'zh-Hans' ? '、' : ', '); }
  if (typeof value === 'boolean') { return t(value ? 'yes' : 'no'); }
  if (name === 'opening_hours') { return I.hours(value); }
  return String(valueLabel(def, value));
}

function attributeName(name, category) {
  if (name === 'location') { return t('location'); }
  if (name === 'status') { return t('status'); }
  if (name === 'status_until') { return t('statusUntil'); }
  if (name === 'category') { return t('category'); }
  const def = definitionOf(name, category);
  return def ? I.label(def.labels, name) : name;
}

// ---- The team (admins): find accounts, see their record, grant roles, set reputation, block -------------------------

async function team(body, title, query) {
  title.textContent = t('teamTitle');
  const f = form(body, function () { return show('team', f.querySelector('[data-field="q"]').value.trim(), true); });
  const box = input('search', 'q');
  box.value = query || '';
  field(f, 'q', t('teamSearch'), box);
  submitRow(f, t('teamFind'));
  body.setAttribute('aria-busy', 'true');
  let page;
  try {
    page = await api('GET', 'api/v1/admin/users?limit=50' + (query ? '&q=' + enc(query) : ''));
  } catch (e) {
    body.setAttribute('aria-busy', 'false');
    if (e.status === 401) { afterSignIn = { name: 'team', arg: query }; return show('signin'); }
    body.appendChild(make('p', 'action-message error', t('failed', { reason: e.message })));
    return undefined;
  }
  body.setAttribute('aria-busy', 'false');
  if (!page.users.length) { body.appendChild(make('p', 'empty', t('teamNone'))); return undefined; }
  const list = make('ol', 'team-list');
  list.id = 'team-list';
  page.users.forEach(function (u) { list.appendChild(memberCard(u, query)); });
  body.appendChild(list);
  return undefined;
}

function memberCard(u, query) {
  const li = make('li', 'member');
  li.dataset.userId = u.id;
  li.appendChild(make('h3', null, u.name + (u.email ? ' · ' + u.email : '')));
  const roles = u.roles.length ? u.roles.map(function (r) { return t('roleNames')[r] || r; }).join(', ') : t('roleNames').contributor;
  li.appendChild(make('p', 'row-meta member-facts', t('reputation', { n: I.number(u.reputation) }) + ' · ' + roles +
    (u.blocked ? ' · ' + t('teamBlocked') : '')));
  li.appendChild(make('p', 'counts', t('counts', { a: I.number(u.accepted), r: I.number(u.rejected), p: I.number(u.pending) })));
  if (u.recent.length) {
    const recent = make('ul', 'member-recent');
    u.recent.slice(0, 5).forEach(function (a) {
      recent.appendChild(make('li', null, I.date(a.at) + ' · ' + (a.kind === 'proposal'
        ? t('kinds')[a.what] + ' (' + t('states')[a.state] + ')'
        : t('teamReputationChange', { why: a.what.replace(/_/g, ' '), from: I.number(a.from), to: I.number(a.to) }))));
    });
    li.appendChild(recent);
  }
  const message = make('p', 'action-message');
  message.setAttribute('role', 'status');
  const after = function (text) { return function () { return show('team', query, true).then(function () { const m = panel.querySelector('#team-list li[data-user-id="' + u.id + '"] .action-message'); if (m) { m.textContent = text; m.className = 'action-message done'; } }); }; };
  const failed = function (e) { message.textContent = t('failed', { reason: e.message }); message.className = 'action-message error'; };
  const actions = make('div', 'actions');
  const has = function (r) { return u.roles.indexOf(r) >= 0; };
  const setRoles = function (roles, text) { api('PUT', 'api/v1/admin/users/' + enc(u.id) + '/roles', { roles: roles }).then(after(text), failed); };
  linkButton(actions, t(has('moderator') ? 'teamRevokeModerator' : 'teamGrantModerator'), function () {
    setRoles(has('moderator') ? u.roles.filter(function (r) { return r !== 'moderator'; }) : u.roles.concat(['moderator']), t('teamSaved'));
  }).dataset.action = 'moderator';
  linkButton(actions, t(has('admin') ? 'teamRevokeAdmin' : 'teamGrantAdmin'), function () {
    setRoles(has('admin') ? u.roles.filter(function (r) { return r !== 'admin'; }) : u.roles.concat(['admin']), t('teamSaved'));
  }).dataset.action = 'admin';
  linkButton(actions, t(u.blocked ? 'teamUnblock' : 'teamBlock'), function () {
    (u.blocked ? api('DELETE', 'api/v1/users/' + enc(u.id) + '/block') : api('POST', 'api/v1/users/' + enc(u.id) + '/block', { reason: t('teamBlockReason') }))
      .then(after(t('teamSaved')), failed);
  }).dataset.action = 'block';
  li.appendChild(actions);
  const rep = make('div', 'actions member-reputation');
  const number = input('number', 'reputation');
  number.value = String(u.reputation);
  number.min = '1';
  number.setAttribute('aria-label', t('teamReputationLabel', { name: u.name }));
  rep.appendChild(number);
  linkButton(rep, t('teamSetReputation'), function () {
    api('PUT', 'api/v1/admin/users/' + enc(u.id) + '/reputation', { reputation: Number(number.value) }).then(after(t('teamSaved')), failed);
  }).dataset.action = 'reputation';
  li.appendChild(rep);
  li.appendChild(message);
  return li;
}

// ---- Quests: "needs checking near me", answered with one tap ---------------------------------------------------------

// The answers a missing attribute offers; each becomes an update proposal with the facility's version as its base.
const QUEST_ANSWERS = {
  wheelchair: ['yes', 'limited', 'no'],
  fee: [false, true],
  changing_table: [true, false]
};

async function quests(body, title) {
  title.textContent = t('questsTitle');
  body.setAttribute('aria-busy', 'true');
  const at = P.map.getCenter();
  let answer;
  try {
    answer = await P.getJson('api/v1/quests?lat=' + at.lat.toFixed(6) + '&lon=' + at.lng.toFixed(6) + '&limit=20');
    await P.labelled;
  } catch (e) {
    body.setAttribute('aria-busy', 'false');
    body.appendChild(make('p', 'action-message error', t('failed', { reason: e.message })));
    return;
  }
  body.setAttribute('aria-busy', 'false');
  if (!answer.quests.length) { body.appendChild(make('p', 'empty', t('questsEmpty'))); return; }
  const list = make('ol', 'quest-list');
  list.id = 'quest-list';
  answer.quests.forEach(function (q) { list.appendChild(questCard(q)); });
  body.appendChild(list);
}

function questCard(q) {
  const li = make('li', 'quest');
  li.dataset.facilityId = q.facility_id;
  li.appendChild(make('h3', null, (q.name || P.categoryName(q.category)) + ' · ' + I.number(q.distance_m) + ' m'));
  li.appendChild(make('p', 'row-meta', q.reasons.map(function (r) { return t('questReasons')[r]; }).join(' · ')));
  const message = make('p', 'action-message');
  message.setAttribute('role', 'status');
  const done = function (text) { message.textContent = text; message.className = 'action-message done'; };
  const failed = function (e) {
    if (e.status === 401) { show('signin', null, false, { name: 'quests' }); return; }
    const errors = (e.problem && e.problem.errors) || {};
    message.textContent = Object.keys(errors).length ? Object.keys(errors).map(function (k) { return errors[k].join(' '); }).join(' ') : t('failed', { reason: e.message });
    message.className = 'action-message error';
  };
  if (q.reasons.indexOf('stale') >= 0 || q.reasons.indexOf('low_confidence') >= 0) {
    const row = make('div', 'actions');
    linkButton(row, t('questStillHere'), function () {
      api('POST', 'api/v1/facilities/' + enc(q.facility_id) + '/confirmations', {}).then(function (r) {
        done(r.verified ? t('questVerified') : t('questConfirmed', { n: r.people_needed }));
      }, failed);
    }, 'primary').dataset.answer = 'still-here';
    li.appendChild(row);
  }
  q.missing.forEach(function (name) {
    const def = P.state.core[name];
    const row = make('div', 'actions quest-question');
    row.dataset.attribute = name;
    row.appendChild(make('p', 'hint', t('questAsk', { what: def ? I.label(def.labels, name) : name })));
    const values = QUEST_ANSWERS[name];
    if (!values) {
      linkButton(row, t('questEdit'), function () { P.openDetail(q.facility_id).then(function () { show('edit', q.facility_id); }); });
    } else {
      values.forEach(function (value) {
        const b = linkButton(row, typeof value === 'boolean' ? t(value ? 'yes' : 'no') : String(valueLabel(def, value)), function () {
          const changes = {};
          changes[name] = value;
          api('POST', 'api/v1/proposals', { kind: 'update', facility_id: q.facility_id, base_version: q.version, changes: changes,
            comment: t('questComment') }).then(function (proposal) {
            row.querySelectorAll('button').forEach(function (x) { x.disabled = true; });
            done(t(proposal.state === 'accepted' ? 'questApplied' : 'questProposed'));
          }, failed);
        });
        b.dataset.answer = String(value);
      });
    }
    li.appendChild(row);
  });
  li.appendChild(message);
  return li;
}

// A small map of the proposal's place (ringed) and the facilities around it, so a reviewer sees a duplicate or an odd
// move without leaving the card. Not interactive: the card scrolls, the map does not steal the gesture.
function miniMap(x) {
  const box = make('div', 'mini-map');
  box.setAttribute('role', 'img');
  box.setAttribute('aria-label', t('miniMapLabel'));
  requestAnimationFrame(function () {
    const at = L.latLng(x.location.lat, x.location.lon);
    const map = L.map(box, { zoomControl: false, attributionControl: false, dragging: false, scrollWheelZoom: false, doubleClickZoom: false,
      boxZoom: false, keyboard: false, touchZoom: false, tap: false }).setView(at, 18);
    const config = P.state.config || {};
    if (config.tile_url) { L.tileLayer(config.tile_url, { maxNativeZoom: config.tile_max_zoom, maxZoom: 19 }).addTo(map); }
    P.getJson('api/v1/facilities/nearby?lat=' + at.lat.toFixed(7) + '&lon=' + at.lng.toFixed(7) + '&radius_m=100&limit=20').then(function (near) {
      (near.features || []).forEach(function (f) {
        const c = f.geometry.coordinates;
        const marker = L.circleMarker([c[1], c[0]], { radius: 6, weight: 2, color: '#37474f', fillColor: P.colors[f.properties.category] || '#607d8b', fillOpacity: 0.9 });
        marker.bindTooltip(f.properties.name || P.categoryName(f.properties.category));
        marker.addTo(map);
        box.dataset.nearby = String((near.features || []).length);
      });
      if (!(near.features || []).length) { box.dataset.nearby = '0'; }
    }, function () { box.dataset.nearby = 'failed'; });
    L.circleMarker(at, { radius: 10, weight: 3, dashArray: '4 3', color: '#ff8f00', fill: false }).addTo(map);
  });
  return box;
}

// The hours now and proposed as two weeks side by side, as the API reads them (the page parses no hours itself).
function hoursDiff(before, after, location) {
  const box = make('div', 'hours-diff');
  box.appendChild(make('p', 'hint', t('hoursAsWeeks')));
  const where = '&lat=' + location.lat.toFixed(6) + '&lon=' + location.lon.toFixed(6);
  const read = function (value) {
    return value ? P.getJson('api/v1/opening-hours/week?value=' + encodeURIComponent(value) + where).catch(function () { return null; }) : Promise.resolve(null);
  };
  Promise.all([read(before), read(after)]).then(function (weeks) {
    box.appendChild(weekTable(weeks[0], weeks[1]));
  });
  return box;
}

function daySummary(day) {
  if (!day) { return '—'; }
  const spans = day.spans.map(function (s) { return s.from + '–' + s.to + (s.open === null ? ' ?' : ''); });
  if (!spans.length) { return day.rest_unknown ? t('hoursUnknown') : t('hoursClosed'); }
  return spans.join(', ');
}

// Seven rows: weekday, now, proposed; a changed day is marked.
function weekTable(before, after) {
  const table = make('table', 'week diff');
  const head = make('tr');
  [t('day'), t('now'), t('proposed')].forEach(function (h) { const th = make('th', null, h); th.scope = 'col'; head.appendChild(th); });
  const thead = make('thead');
  thead.appendChild(head);
  table.appendChild(thead);
  const tbody = make('tbody');
  for (let i = 0; i < 7; i++) {
    const a = before ? before.days[i] : null;
    const b = after ? after.days[i] : null;
    const tr = make('tr');
    tr.dataset.day = (b || a || { weekday: String(i) }).weekday;
    const th = make('th', null, I.t('days')[['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'][i]] || String(i));
    th.scope = 'row';
    tr.appendChild(th);
    const now = daySummary(a);
    const next = daySummary(b);
    tr.appendChild(make('td', 'before', now));
    tr.appendChild(make('td', 'after' + (now === next ? '' : ' changed'), next));
    tbody.appendChild(tr);
  }
  table.appendChild(tbody);
  return table;
}

// What the vote did, in words: decided it, how much weight is still missing, or that it weighs nothing yet.
function voteMessage(result) {
  if (result.state !== 'pending') { return t('votedDecided', { state: t('states')[result.state] }); }
  if (!(result.weight > 0)) { return t('votedWeightless', { n: (rules && rules.rules && rules.rules.vote) || 15 }); }
  const missing = Math.max(0, result.accept_at - (result.support - result.opposition));
  return t('votedNeeds', { w: I.number(result.weight, 2), n: I.number(missing, 1) });
}

function reviewCard(x, facility, me) {
  const li = make('li', 'review-card');
  li.dataset.proposalId = x.id;
  li.dataset.state = x.state;
  const p = facility && facility.properties;
  const category = (x.changes && x.changes.category) || (p && p.category);
  const heading = proposalTitle(x, facility);
  li.appendChild(make('h3', null, heading));
  li.appendChild(make('p', 'row-meta', t('by', { name: x.author_name, date: I.date(x.created_at) })));
  if (x.comment) { li.appendChild(make('blockquote', 'comment', x.comment)); }

  // The diff: every attribute the proposal sets, its value now (none for a new facility) and the proposed one.
  const table = make('table', 'diff');
  const head = make('tr');
  [t('attribute'), t('now'), t('proposed')].forEach(function (h) { const th = make('th', null, h); th.scope = 'col'; head.appendChild(th); });
  const thead = make('thead');
  thead.appendChild(head);
  table.appendChild(thead);
  const tbody = make('tbody');
  Object.keys(x.changes || {}).forEach(function (name) {
    if (x.kind === 'create' && name === 'category') { return; }
    const before = !p ? null : name === 'location' ? facility.geometry.coordinates : name in p ? p[name] : (p.attributes || {})[name];
    const after = x.changes[name];
    const tr = make('tr');
    tr.dataset.attribute = name;
    const th = make('th', null, attributeName(name, category));
    th.scope = 'row';
    tr.appendChild(th);
    tr.appendChild(make('td', 'before', shown(name, before, category)));
    let text = shown(name, after, category);
    if (name === 'location' && Array.isArray(before) && Array.isArray(after)) {
      text += ' (' + t('movedBy', { m: I.number(L.latLng(before[1], before[0]).distanceTo(L.latLng(after[1], after[0]))) }) + ')';
    }
    tr.appendChild(make('td', 'after' + (same(before, after) ? '' : ' changed'), text));
    tbody.appendChild(tr);
  });
  table.appendChild(tbody);
  li.appendChild(table);
  if (x.changes && typeof x.changes.opening_hours === 'string') {
    const before = p && typeof p.opening_hours === 'string' ? p.opening_hours : null;
    li.appendChild(hoursDiff(before, x.changes.opening_hours, x.location));
  }
  if (x.possible_duplicates && x.possible_duplicates.length) {
    const warning = make('div', 'duplicates review-duplicates');
    warning.appendChild(make('p', 'hint', t('reviewDuplicates', { n: x.possible_duplicates.length })));
    const ul = make('ul', 'duplicate-list');
    x.possible_duplicates.forEach(function (d) {
      const item = make('li', null, (d.name || '—') + ' · ' + I.number(d.distance_m) + ' m');
      item.dataset.facilityId = d.id;
      ul.appendChild(item);
    });
    warning.appendChild(ul);
    li.appendChild(warning);
  }
  if (x.kind === 'create' || x.kind === 'move') { li.appendChild(miniMap(x)); }

  const tally = make('p', 'tally', t('tally', { s: I.number(x.support, 1), o: I.number(x.opposition, 1) }) + ' · ' + t('states')[x.state]);
  li.appendChild(tally);
  const buttons = make('div', 'actions');
  linkButton(buttons, t('showOnMap'), function () { P.map.setView([x.location.lat, x.location.lon], Math.max(P.map.getZoom(), 18)); });
  if (x.author_id === me.id) {
    li.appendChild(buttons);
    li.appendChild(make('p', 'hint', t('yourOwn')));
    return li;
  }
  const message = make('p', 'action-message');
  message.setAttribute('role', 'status');
  message.setAttribute('aria-live', 'polite');
  ['up', 'down'].forEach(function (vote) {
    const b = linkButton(buttons, t(vote === 'up' ? 'approve' : 'reject'), function () {
      Array.prototype.forEach.call(buttons.querySelectorAll('.vote'), function (v) { v.disabled = true; });
      api('POST', 'api/v1/proposals/' + enc(x.id) + '/votes', { vote: vote }).then(function (result) {
        li.dataset.state = result.state;
        tally.textContent = t('tally', { s: I.number(result.support, 1), o: I.number(result.opposition, 1) }) + ' · ' + t('states')[result.state];
        message.textContent = voteMessage(result);
        message.className = 'action-message done';
        if (result.state === 'accepted') { P.refresh(); }
      }, function (e) {
        if (e.status === 401) { afterSignIn = { name: 'review' }; show('signin'); return; }
        message.textContent = e.status === 429 ? t('tooMany', { s: e.retryAfter || '60' }) : t('failed', { reason: e.message });
        message.className = 'action-message error';
      }).then(function () {
        Array.prototype.forEach.call(buttons.querySelectorAll('.vote'), function (v) { v.disabled = li.dataset.state !== 'pending'; });
      });
    }, 'vote ' + (vote === 'up' ? 'primary' : ''));
    b.dataset.vote = vote;
    b.setAttribute('aria-label', t(vote === 'up' ? 'approveLabel' : 'rejectLabel', { what: heading }));
  });
  li.appendChild(buttons);
  li.appendChild(message);
  return li;
}
