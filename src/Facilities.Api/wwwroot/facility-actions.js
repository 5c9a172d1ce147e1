// Moving a facility and closing or reopening it, loaded the first time a contributor opens one of them from
// "Suggest an edit" (contrib.js). Each is a proposal like an edit (kind move, close or reopen, at the facility's
// version), decided by the same votes; a temporary closure carries the day the facility reopens.
// Operators' claims too, opened from the details' "Claim this facility" and "You manage this facility" (details.js):
// the claim form, the form of the attributes the operator owns (its edits of them apply at once), and the moderators'
// queue of claims in the review page.

const words = {
  en: {
    moveTitle: 'Move: {name}',
    moveHint: 'Drag the pin to where the facility really is. Farther than the limit, propose a closure and a new facility instead.',
    movePin: 'The facility’s new place: drag to move',
    moveBy: 'Moves {m} m',
    moveNothing: 'Drag the pin to the new place first.',
    closureTitle: 'Closed or open: {name}',
    closureNow: 'Now: {state}',
    stateOpen: 'open',
    stateTemporary: 'temporarily closed until {date}',
    stateTemporaryOpenEnded: 'temporarily closed',
    stateRemoved: 'gone',
    closureWhat: 'What is true now',
    closureReopen: 'It is open again',
    closureTemporary: 'It is closed for a while (works, a season)',
    closureRemoved: 'It is gone for good',
    closureUntil: 'It reopens on',
    closureUntilHint: 'The closure ends at the start of that day.',
    closureUntilNeeded: 'Choose the day it reopens.',
    claimHint: 'You run this place? Claim it: once a moderator checks who you are, your changes to what you manage apply at once.',
    claimTitle: 'Claim: {name}',
    claimEvidence: 'Who you are and why this facility is yours',
    claimEvidenceHint: 'Your business or institution, and what shows it runs this place (a registration, the sign at the door). Only moderators read it.',
    claimContact: 'How a moderator reaches you',
    claimContactHint: 'An e-mail address or a phone number. Never shown publicly.',
    claimAttributes: 'What you manage',
    claimGroups: { status: 'Open or closed, temporary closures', opening_hours: 'Opening hours', access: 'Who may use it', fee: 'Fee and charge', wheelchair: 'Wheelchair access' },
    claimSend: 'Send the claim',
    claimSent: 'Sent: a moderator checks your claim.',
    operateTitle: 'You manage: {name}',
    operateHint: 'Your changes to these apply at once.',
    operateClosure: 'Open or closed',
    operateSave: 'Save',
    operateSaved: 'Saved: everyone sees it now.',
    claimQueueTitle: 'Claims waiting for review',
    claimQueueEmpty: 'No claim is waiting for review.',
    claimBy: '{name} · {date}',
    claimWants: 'Wants to manage: {what}',
    claimApprove: 'Approve',
    claimReject: 'Reject',
    claimRejectReason: 'Why not (the operator reads this)',
    claimReasonNeeded: 'Say why.',
    claimDecided: { approved: 'Approved: the operator manages it now.', rejected: 'Rejected.', revoked: 'Revoked: the operator no longer manages it.' },
    claimApprovedTitle: 'Approved claims',
    claimApprovedEmpty: 'No approved claim.',
    claimRevoke: 'Revoke',
    claimRevokeReason: 'Why (the operator reads this)',
    claimRevokeConfirm: 'The operator no longer manages this facility from now on. Tap again to revoke.'
  },
  'zh-Hans': {
    moveTitle: '移动位置：{name}',
    moveHint: '把图钉拖到设施的实际位置。超出限制的距离请改为提议关闭并新增设施。',
    movePin: '设施的新位置：拖动以移动',
    moveBy: '移动 {m} 米',
    moveNothing: '请先把图钉拖到新位置。',
    closureTitle: '关闭或开放：{name}',
    closureNow: '现在：{state}',
    stateOpen: '开放',
    stateTemporary: '暂停开放至 {date}',
    stateTemporaryOpenEnded: '暂停开放',
    stateRemoved: '已不存在',
    closureWhat: '现在的情况',
    closureReopen: '已重新开放',
    closureTemporary: '暂时关闭（施工、季节性）',
    closureRemoved: '已永久关闭',
    closureUntil: '重新开放日期',
    closureUntilHint: '关闭在当天开始时结束。',
    closureUntilNeeded: '请选择重新开放的日期。',
    claimHint: '这里由你管理？认领它：管理员核实你的身份后，你对所管理内容的修改会立即生效。',
    claimTitle: '认领：{name}',
    claimEvidence: '你是谁，为什么此设施由你管理',
    claimEvidenceHint: '你的企业或机构，以及能证明由你管理此处的信息（登记信息、门口的标牌）。只有管理员能看到。',
    claimContact: '管理员如何联系你',
    claimContactHint: '电子邮件地址或电话号码。不会公开显示。',
    claimAttributes: '你管理的内容',
    claimGroups: { status: '开放或关闭、暂停开放', opening_hours: '开放时间', access: '谁可以使用', fee: '收费及费用', wheelchair: '无障碍通行' },
    claimSend: '提交认领',
    claimSent: '已提交：管理员会核实你的认领。',
    operateTitle: '由你管理：{name}',
    operateHint: '你对这些内容的修改会立即生效。',
    operateClosure: '开放或关闭',
    operateSave: '保存',
    operateSaved: '已保存：所有人现在都能看到。',
    claimQueueTitle: '等待审核的认领',
    claimQueueEmpty: '没有等待审核的认领。',
    claimBy: '{name} · {date}',
    claimWants: '申请管理：{what}',
    claimApprove: '批准',
    claimReject: '拒绝',
    claimRejectReason: '拒绝理由（管理方会看到）',
    claimReasonNeeded: '请说明理由。',
    claimDecided: { approved: '已批准：现在由该管理方管理。', rejected: '已拒绝。', revoked: '已撤销：该管理方不再管理此设施。' },
    claimApprovedTitle: '已批准的认领',
    claimApprovedEmpty: '没有已批准的认领。',
    claimRevoke: '撤销',
    claimRevokeReason: '理由（管理方会看到）',
    claimRevokeConfirm: '从现在起该管理方不再管理此设施。再点一次以撤销。'
  }
};

// The claimable attributes as the claim form offers them: each group is owned whole (the API adds the companions).
const CLAIM_GROUPS = ['status', 'opening_hours', 'access', 'fee', 'wheelchair'];

const TWO_YEARS_DAYS = 729; // the API takes a closure's end within two years

let extended = false;

function withWords(c) {
  if (!extended) { c.I.extend(words); extended = true; }
}

/** The facility as the API has it now (the contributor's own reads go to the primary: read-your-writes). */
async function facilityOf(body, c, id) {
  withWords(c);
  if (!id) { body.appendChild(c.make('p', 'empty', c.t('noFacility'))); return null; }
  body.setAttribute('aria-busy', 'true');
  try {
    await c.P.labelled;
    return await c.api('GET', 'api/v1/facilities/' + encodeURIComponent(id));
  } catch (e) {
    body.appendChild(c.make('p', 'action-message error', c.t('failed', { reason: e.message })));
    return null;
  } finally {
    body.setAttribute('aria-busy', 'false');
  }
}

function nameOf(c, p) { return p.name || c.P.categoryName(p.category); }

function round(v) { return Math.round(v * 1e7) / 1e7; }

// ---- Move: a pin at the facility to drag to its real place ---------------------------------------------------------

export async function move(body, title, id, c) {
  const facility = await facilityOf(body, c, id);
  if (!facility) { title.textContent = c.t('moveOpen'); return; }
  const t = c.t, make = c.make, P = c.P;
  const p = facility.properties;
  title.textContent = t('moveTitle', { name: nameOf(c, p) });
  body.appendChild(make('p', 'hint', t('moveHint')));
  const at = make('p', 'pin-at');
  at.id = 'move-at';
  body.appendChild(at);

  const from = L.latLng(facility.geometry.coordinates[1], facility.geometry.coordinates[0]);
  const marker = L.marker(from, {
    draggable: true, autoPan: true, keyboard: true, title: t('movePin'), zIndexOffset: 1000,
    icon: L.divIcon({ className: 'new-pin move-pin', html: '<span></span>', iconSize: [34, 44], iconAnchor: [17, 42] })
  }).addTo(P.map);
  c.onLeave(function () { P.map.removeLayer(marker); });
  // Close in, so the pin goes to a few metres (a pixel is about half a metre at zoom 18).
  P.map.setView(from, Math.max(P.map.getZoom(), 18), { animate: false });
  const moved = function () {
    const to = marker.getLatLng();
    at.textContent = t('moveBy', { m: c.I.number(Math.round(from.distanceTo(to))) });
    at.dataset.lat = String(to.lat);
    at.dataset.lon = String(to.lng);
  };
  marker.on('drag', moved);
  marker.on('dragend', moved);
  moved();

  const f = c.form(body, async function () {
    const to = marker.getLatLng().wrap();
    c.clearErrors(f);
    if (from.distanceTo(to) < 1) { c.say(f, t('moveNothing'), 'error'); return; }
    await c.sent(await c.api('POST', 'api/v1/proposals', {
      kind: 'move', facility_id: id, base_version: p.version, location: { lat: round(to.lat), lon: round(to.lng) }, comment: f.elements.comment.value
    }));
  });
  f.dataset.version = String(p.version);
  const error = make('p', 'field-error');
  error.dataset.errorFor = 'location';
  f.appendChild(error);
  c.commentField(f);
  c.submitRow(f, t('send'));
}

// ---- Closed for a while, gone, or open again -----------------------------------------------------------------------

function isoDay(date) {
  return date.getFullYear() + '-' + String(date.getMonth() + 1).padStart(2, '0') + '-' + String(date.getDate()).padStart(2, '0');
}

export async function closure(body, title, id, c) {
  const facility = await facilityOf(body, c, id);
  if (!facility) { title.textContent = c.t('closureOpen'); return; }
  const t = c.t, make = c.make, I = c.I;
  const p = facility.properties;
  title.textContent = t('closureTitle', { name: nameOf(c, p) });
  const now = p.status === 'open' ? t('stateOpen') : p.status === 'removed' ? t('stateRemoved')
    : p.status_until ? t('stateTemporary', { date: I.date(p.status_until) }) : t('stateTemporaryOpenEnded');
  const state = make('p', 'closure-now', t('closureNow', { state: now }));
  state.id = 'closure-now';
  state.dataset.status = p.status;
  body.appendChild(state);

  const f = c.form(body, async function () {
    c.clearErrors(f);
    const choice = f.querySelector('input[name="closure"]:checked').value;
    const request = { kind: choice === 'open' ? 'reopen' : 'close', facility_id: id, base_version: p.version, comment: f.elements.comment.value };
    if (choice === 'temporarily_closed') {
      if (!until.value) {
        f.querySelector('[data-error-for="status_until"]').textContent = t('closureUntilNeeded');
        until.setAttribute('aria-invalid', 'true');
        until.focus();
        return;
      }
      // The start of the chosen day where the contributor is, which is where they saw the notice.
      request.status_until = new Date(until.value + 'T00:00:00').toISOString();
    }
    await c.sent(await c.api('POST', 'api/v1/proposals', request));
  });
  f.dataset.version = String(p.version);

  const choices = make('fieldset', 'cfield closure-choices');
  choices.dataset.field = 'kind';
  choices.appendChild(make('legend', null, t('closureWhat')));
  const options = p.status === 'removed' ? ['open'] : p.status === 'open' ? ['temporarily_closed', 'removed'] : ['open', 'temporarily_closed', 'removed'];
  const labels = { open: 'closureReopen', temporarily_closed: 'closureTemporary', removed: 'closureRemoved' };
  options.forEach(function (value, i) {
    const label = make('label', 'check');
    const radio = c.input('radio', 'closure');
    radio.value = value;
    radio.checked = i === 0;
    radio.dataset.choice = value;
    label.appendChild(radio);
    label.appendChild(document.createTextNode(' ' + t(labels[value])));
    choices.appendChild(label);
  });
  const kindError = make('p', 'field-error');
  kindError.dataset.errorFor = 'kind';
  choices.appendChild(kindError);
  f.appendChild(choices);

  const until = c.input('date', 'status_until');
  const tomorrow = new Date();
  tomorrow.setDate(tomorrow.getDate() + 1);
  const last = new Date();
  last.setDate(last.getDate() + TWO_YEARS_DAYS);
  until.min = isoDay(tomorrow);
  until.max = isoDay(last);
  c.field(f, 'status_until', t('closureUntil'), until, t('closureUntilHint'));
  const untilField = until.closest('.cfield');
  const chosen = function () {
    untilField.hidden = f.querySelector('input[name="closure"]:checked').value !== 'temporarily_closed';
  };
  choices.addEventListener('change', chosen);
  chosen();
  c.commentField(f);
  c.submitRow(f, t('send'));
}

// ---- Operators: claiming a facility, managing what one owns, the moderators' queue -------------------------------

/** The caller's open claim (pending or approved) on the facility, or null. */
async function claimOn(c, id) {
  const mine = await c.api('GET', 'api/v1/me/claims');
  return (mine.claims || []).find(function (x) { return x.facility_id === id && (x.state === 'approved' || x.state === 'pending'); }) || null;
}

function groupsOf(c, attributes) {
  return CLAIM_GROUPS.filter(function (g) { return attributes.indexOf(g) >= 0; }).map(function (g) { return c.t('claimGroups')[g]; })
    .join(c.I.lang === 'zh-Hans' ? '、' : ', ');
}

/** The claim form: evidence, a contact, what the operator manages. */
export async function claim(body, title, id, c) {
  const facility = await facilityOf(body, c, id);
  if (!facility) { title.textContent = c.t('claimOpen'); return; }
  const t = c.t, make = c.make;
  const p = facility.properties;
  title.textContent = t('claimTitle', { name: nameOf(c, p) });
  body.appendChild(make('p', 'hint', t('claimHint')));
  const f = c.form(body, async function () {
    c.clearErrors(f);
    await c.api('POST', 'api/v1/facilities/' + encodeURIComponent(id) + '/claims', claimed());
    await c.show('account');
    c.note(t('claimSent'));
  });
  const claimed = claimFields(f, c);
  c.submitRow(f, t('claimSend'));
}

/** A claim's fields into a form (the claim form's, and "share a toilet" in the add form): evidence, a contact and what
 * the operator manages, opening hours ticked; answers a function that reads them as the API takes them. */
export function claimFields(f, c) {
  withWords(c);
  const t = c.t, make = c.make;
  const evidence = make('textarea');
  evidence.name = 'evidence';
  evidence.rows = 3;
  evidence.maxLength = 2000;
  c.field(f, 'evidence', t('claimEvidence'), evidence, t('claimEvidenceHint'));
  const contact = c.input('text', 'contact');
  contact.autocomplete = 'email';
  c.field(f, 'contact', t('claimContact'), contact, t('claimContactHint'));
  const set = make('fieldset', 'cfield checks claim-attributes');
  set.dataset.field = 'attributes';
  set.appendChild(make('legend', null, t('claimAttributes')));
  CLAIM_GROUPS.forEach(function (g) {
    const label = make('label', 'check');
    const box = c.input('checkbox', 'attributes');
    box.value = g;
    box.checked = g === 'opening_hours';
    label.appendChild(box);
    label.appendChild(document.createTextNode(' ' + t('claimGroups')[g]));
    set.appendChild(label);
  });
  const error = make('p', 'field-error');
  error.dataset.errorFor = 'attributes';
  set.appendChild(error);
  f.appendChild(set);
  return function () {
    const attributes = Array.prototype.filter.call(set.querySelectorAll('input[name="attributes"]'), function (b) { return b.checked; })
      .map(function (b) { return b.value; });
    return { evidence: evidence.value, contact: contact.value, attributes: attributes };
  };
}

/** "You manage this facility": the attributes the operator owns, to change at once. */
export async function operate(body, title, id, c) {
  const facility = await facilityOf(body, c, id);
  if (!facility) { title.textContent = c.t('operateOpen'); return; }
  const t = c.t, make = c.make;
  const p = facility.properties;
  let owned;
  try { owned = await claimOn(c, id); } catch (e) { body.appendChild(make('p', 'action-message error', t('failed', { reason: e.message }))); return; }
  title.textContent = t('operateTitle', { name: nameOf(c, p) });
  if (!owned || owned.state !== 'approved') { body.appendChild(make('p', 'empty', owned ? t('claimPending') : t('claimHint'))); return; }
  body.appendChild(make('p', 'hint', t('operateHint')));
  if (owned.attributes.indexOf('status') >= 0) {
    const more = make('div', 'actions facility-actions');
    c.linkButton(more, t('operateClosure'), function () { c.show('closure', id); }).id = 'operate-closure';
    body.appendChild(more);
  }
  const f = c.form(body, async function () {
    const changed = changes();
    c.clearErrors(f);
    if (!Object.keys(changed).length) { c.say(f, t('nothingChanged'), 'error'); return; }
    const proposal = await c.api('POST', 'api/v1/proposals', {
      kind: 'update', facility_id: id, base_version: p.version, changes: changed, comment: t('operateTitle', { name: nameOf(c, p) })
    });
    if (proposal.state !== 'accepted') { await c.sent(proposal); return; }
    // Applied: the details show the new values now, where the operator looks.
    await c.openFacility(id);
    c.P.el.message.textContent = t('operateSaved');
    c.P.el.message.className = 'action-message done';
  });
  f.dataset.version = String(p.version);
  const fields = make('div', 'attribute-fields');
  f.appendChild(fields);
  const changes = c.attributeFields(fields, p.category, p, owned.attributes);
  c.submitRow(f, t('operateSave'));
}

/** The moderators' queue of pending claims, in the review page, each with approve and reject (with a reason). */
export async function claimQueue(body, c) {
  withWords(c);
  const t = c.t, make = c.make;
  const queue = await c.api('GET', 'api/v1/claims?status=pending');
  const section = make('section', 'claim-queue-part');
  section.appendChild(make('h3', null, t('claimQueueTitle')));
  const ol = make('ol', 'claim-queue');
  ol.id = 'claim-queue';
  (queue.claims || []).forEach(function (x) {
    const li = claimCard(c, x);
    const reason = reasonInput(c, t('claimRejectReason'));
    const message = make('p', 'action-message');
    message.setAttribute('role', 'status');
    const row = make('div', 'actions');
    const decide = function (action) {
      if (action === 'reject' && !reason.value.trim()) { message.textContent = t('claimReasonNeeded'); message.className = 'action-message error'; reason.focus(); return; }
      row.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
      c.api('POST', 'api/v1/claims/' + encodeURIComponent(x.id) + '/' + action, action === 'reject' ? { reason: reason.value.trim() } : {}).then(function (done) {
        li.dataset.state = done.state;
        message.textContent = t('claimDecided')[done.state] || done.state;
        message.className = 'action-message done';
      }, function (e) {
        row.querySelectorAll('button').forEach(function (b) { b.disabled = false; });
        message.textContent = t('failed', { reason: e.message });
        message.className = 'action-message error';
      });
    };
    c.linkButton(row, t('claimApprove'), function () { decide('approve'); }, 'primary').dataset.decision = 'approve';
    c.linkButton(row, t('claimReject'), function () { decide('reject'); }).dataset.decision = 'reject';
    li.appendChild(reason);
    li.appendChild(row);
    li.appendChild(message);
    ol.appendChild(li);
  });
  section.appendChild(ol);
  if (!(queue.claims || []).length) { section.appendChild(make('p', 'empty', t('claimQueueEmpty'))); }
  body.appendChild(section);
  await approvedClaims(body, c);
}

// The approved claims, each revocable with a reason (the claim turned out false, the operator left): ownership ends at
// once, so it takes a second tap.
async function approvedClaims(body, c) {
  const t = c.t, make = c.make;
  const approved = await c.api('GET', 'api/v1/claims?status=approved');
  const section = make('section', 'claim-queue-part');
  section.appendChild(make('h3', null, t('claimApprovedTitle')));
  const ol = make('ol', 'claim-queue');
  ol.id = 'claims-approved';
  (approved.claims || []).forEach(function (x) {
    const li = claimCard(c, x);
    const reason = reasonInput(c, t('claimRevokeReason'));
    const message = make('p', 'action-message');
    message.setAttribute('role', 'status');
    const row = make('div', 'actions');
    c.twice(row, message, t('claimRevoke'), t('claimRevokeConfirm'), function () {
      if (!reason.value.trim()) { message.textContent = t('claimReasonNeeded'); message.className = 'action-message error'; reason.focus(); return null; }
      return c.api('POST', 'api/v1/claims/' + encodeURIComponent(x.id) + '/revoke', { reason: reason.value.trim() }).then(function (done) {
        li.dataset.state = done.state;
        row.remove();
        reason.remove();
        message.textContent = t('claimDecided')[done.state] || done.state;
        message.className = 'action-message done';
      }, function (e) {
        message.textContent = t('failed', { reason: e.message });
        message.className = 'action-message error';
      });
    }).dataset.decision = 'revoke';
    li.appendChild(reason);
    li.appendChild(row);
    li.appendChild(message);
    ol.appendChild(li);
  });
  section.appendChild(ol);
  if (!(approved.claims || []).length) { section.appendChild(make('p', 'empty', t('claimApprovedEmpty'))); }
  body.appendChild(section);
}

/** What a moderator reads of a claim: the facility, who claims it and when, what it manages, the evidence, the contact. */
function claimCard(c, x) {
  const make = c.make, t = c.t;
  const li = make('li', 'claim-card');
  li.dataset.claimId = x.id;
  li.dataset.state = x.state;
  li.appendChild(make('strong', null, x.facility_name || ''));
  li.appendChild(make('span', 'row-meta', t('claimBy', { name: x.account_name, date: c.I.date(x.created_at) })));
  li.appendChild(make('p', 'claim-wants', t('claimWants', { what: groupsOf(c, x.attributes) })));
  li.appendChild(make('p', 'claim-evidence', x.evidence));
  li.appendChild(make('p', 'row-meta claim-contact', x.contact));
  return li;
}

function reasonInput(c, label) {
  const reason = c.input('text', 'reason');
  reason.placeholder = label;
  reason.setAttribute('aria-label', label);
  reason.maxLength = 2000;
  return reason;
}
