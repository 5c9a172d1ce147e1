// Moving a facility and closing or reopening it, loaded the first time a contributor opens one of them from
// "Suggest an edit" (contrib.js). Each is a proposal like an edit (kind move, close or reopen, at the facility's
// version), decided by the same votes; a temporary closure carries the day the facility reopens.

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
    closureUntilNeeded: 'Choose the day it reopens.'
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
    closureUntilNeeded: '请选择重新开放的日期。'
  }
};

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
