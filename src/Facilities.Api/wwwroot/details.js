// The details' hand-offs, loaded with the first facility opened: directions in a maps app, sharing the facility, and
// whether it is open in the words map apps use ("Open · closes 23:00"). The rest of the page works without it.
import * as answers from './report-answers.js';

const words = {
  en: {
    directions: 'Directions · {app}',
    apps: { apple: 'Apple Maps', google: 'Google Maps', geo: 'Maps app', amap: 'Amap', baidu: 'Baidu Maps' },
    linkCopied: 'Link copied.',
    linkToCopy: 'Copy this link: {url}',
    openClosesAt: 'Open · closes {when}',
    closedOpensAt: 'Closed · opens {when}',
    openUntil: 'Open until {when}',
    closedUntilAt: 'Closed until {when}',
    open24: 'Open 24 hours',
    tomorrowAt: 'tomorrow {time}',
    dayAt: '{day} {time}',
    signIn: 'Sign in',
    confirmedVerified: 'The facility is marked as checked today.',
    confirmedNeeds: 'It counts when {n} more people confirm.',
    confirmedWeightless: 'Your confirmation counts from reputation {n}; it counts when {m} more people confirm.',
    alreadyConfirmed: 'You had already confirmed it: it counts once.',
    reportedNeeds: 'It is marked out of order when {n} more people report it.',
    reportedClosed: 'It is now marked temporarily closed.',
    alreadyReported: 'You had already reported this: it counts once.',
    historyLink: 'History: who changed what, and why',
    queuedOffline: 'Saved — will be sent when you’re back online.',
    sourceOf: 'Source: {s}',
    confidence: 'Confidence {p}',
    lastVerified: 'Last verified {date}',
    neverVerified: 'Not verified yet',
    freeValue: 'Free',
    paidValue: 'Paid',
    reasonRequired: 'Choose what is wrong.',
    signInToConfirm: 'Sign in to confirm that this facility is still here.',
    signInToReport: 'Sign in to report a problem.',
    confirmed: 'Thank you: your confirmation was recorded.',
    reported: 'Thank you: your report was sent.',
    claimOpen: 'Claim this facility',
    claimPending: 'Your claim on this facility is waiting for a moderator.',
    managed: 'You manage this facility: {what}.',
    operateOpen: 'Edit what you manage'
  },
  'zh-Hans': {
    directions: '导航 · {app}',
    apps: { apple: 'Apple 地图', google: 'Google 地图', geo: '地图应用', amap: '高德地图', baidu: '百度地图' },
    linkCopied: '链接已复制。',
    linkToCopy: '请复制此链接：{url}',
    openClosesAt: '开放中 · {when} 关闭',
    closedOpensAt: '已关闭 · {when} 开放',
    openUntil: '开放至 {when}',
    closedUntilAt: '关闭至 {when}',
    open24: '24 小时开放',
    tomorrowAt: '明天 {time}',
    dayAt: '{day} {time}',
    signIn: '登录',
    confirmedVerified: '此设施已标为今天核实。',
    confirmedNeeds: '再有 {n} 人确认后生效。',
    confirmedWeightless: '你的确认在信誉达到 {n} 后才计入；再有 {m} 人确认后生效。',
    alreadyConfirmed: '你之前已确认过：只计一次。',
    reportedNeeds: '再有 {n} 人报告后会标为故障。',
    reportedClosed: '此设施现已标为暂时关闭。',
    alreadyReported: '你之前已报告过：只计一次。',
    historyLink: '历史记录：谁改了什么，为什么',
    queuedOffline: '已保存——恢复联网后会发送。',
    sourceOf: '来源：{s}',
    confidence: '可信度 {p}',
    lastVerified: '最近核实：{date}',
    neverVerified: '尚未核实',
    freeValue: '免费',
    paidValue: '收费',
    reasonRequired: '请选择问题类型。',
    signInToConfirm: '登录后才能确认此设施仍在。',
    signInToReport: '登录后才能报告问题。',
    confirmed: '谢谢：已记录你的确认。',
    reported: '谢谢：你的报告已提交。',
    claimOpen: '我是管理方：认领此设施',
    claimPending: '你对此设施的认领正在等待管理员审核。',
    managed: '此设施由你管理：{what}。',
    operateOpen: '修改你管理的内容'
  }
};

let P = null, t = null, I = null, el = null;

function $(id) { return document.getElementById(id); }
function enc(v) { return encodeURIComponent(v); }

export function setup(page) {
  if (P) { return; }
  P = page; t = page.t; I = page.I; el = page.el;
  I.extend(words);
  answers.setup(page);
  el.stillHere.addEventListener('click', confirmStillHere);
  el.report.addEventListener('click', toggleReport);
  $('report-cancel').addEventListener('click', () => { el.reportForm.hidden = true; el.report.setAttribute('aria-expanded', 'false'); el.report.focus(); });
  el.reportForm.addEventListener('submit', sendReport);
}

/**
 * Whether a facility is open and until when. The server's next_change_at carries the facility's own UTC offset: its
 * wall-clock digits are what the sign on the door says, whatever the reader's time zone, and the offset tells which
 * day "today" is there. Null when the hours are unknown.
 */
export function openState(p, nowMs) {
  if (p.open_now !== true && p.open_now !== false) { return null; }
  if (!p.next_change_at) { return p.open_now ? t('open24') : t('openState').closed; }
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|([+-])(\d{2}):(\d{2}))$/.exec(p.next_change_at);
  if (!m) { return t('openState')[p.open_now ? 'open' : 'closed']; }
  const offsetMin = m[6] === 'Z' ? 0 : (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
  const there = new Date((nowMs === undefined ? Date.now() : nowMs) + offsetMin * 60000); // its UTC fields: the time there
  const changeDay = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const days = Math.round((changeDay - Date.UTC(there.getUTCFullYear(), there.getUTCMonth(), there.getUTCDate())) / 86400000);
  const time = m[4] + ':' + m[5];
  const weekday = ['Su', 'Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa'][new Date(changeDay).getUTCDay()];
  // Closing: the time alone up to a day ahead (open past midnight "closes 02:00"); opening: today's time, tomorrow's,
  // or the weekday's.
  const soon = p.open_now ? days <= 1 : days === 0;
  const when = soon ? time : days === 1 ? t('tomorrowAt', { time }) : t('dayAt', { day: t('days')[weekday], time });
  if (p.open_now) { return t(p.open_after_change === false ? 'openClosesAt' : 'openUntil', { when }); }
  return t(p.open_after_change === true ? 'closedOpensAt' : 'closedUntilAt', { when });
}

// The server gives a link for each app with the position already in that app's coordinate system (GCJ-02 for Amap,
// BD-09 for Baidu in China); the page only chooses the order. In China, or in Chinese, Amap and Baidu come first
// (Google's maps are poorly served there); then the phone's own maps: Apple Maps on iOS, the app chooser of a geo:
// link on Android, Google Maps on the web elsewhere.
function directionsOrder(f) {
  const ua = navigator.userAgent || '';
  const ios = /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
  const android = /Android/.test(ua);
  const own = ios ? ['apple', 'google', 'geo'] : android ? ['geo', 'google', 'apple'] : ['google', 'apple', 'geo'];
  const amap = (f.links || []).find((l) => l.app === 'amap');
  const china = I.lang === 'zh-Hans' || (amap && amap.crs !== 'wgs84');
  return china ? ['amap', 'baidu', ...own] : [...own, 'amap', 'baidu'];
}

function linkTo(anchor, link) {
  anchor.href = link.href;
  anchor.dataset.app = link.app;
  anchor.dataset.crs = link.crs;
  // Web pages open beside the map; an app's own scheme (geo:, baidumap:) opens the app, not an empty tab.
  if (/^https:/.test(link.href)) { anchor.target = '_blank'; } else { anchor.removeAttribute('target'); }
}

export function renderDirections(f) {
  const byApp = {};
  (f.links || []).filter((l) => l.rel === 'directions').forEach((l) => { byApp[l.app] = l; });
  const order = directionsOrder(f).filter((app) => byApp[app]);
  const primary = $('directions');
  const others = $('directions-others');
  others.textContent = '';
  primary.hidden = order.length === 0;
  $('directions-more').hidden = order.length < 2;
  if (!order.length) { return; }
  linkTo(primary, byApp[order[0]]);
  primary.textContent = t('directions', { app: t('apps')[order[0]] });
  order.slice(1).forEach((app) => {
    const a = P.make('a', null, t('apps')[app]);
    linkTo(a, byApp[app]);
    const li = P.make('li');
    li.appendChild(a);
    others.appendChild(li);
  });
}

export function toggleOtherApps() {
  const list = $('directions-others');
  list.hidden = !list.hidden;
  $('directions-more').setAttribute('aria-expanded', String(!list.hidden));
}

// The system's share sheet where the browser has one (phones); elsewhere the link goes to the clipboard, and where
// that is refused too (an insecure origin, a denied permission) the link is shown to copy by hand.
export function share(f) {
  const url = P.facilityLink(f);
  const p = f.properties;
  const data = { title: p.name || P.categoryName(p.category), text: [p.name, P.categoryName(p.category)].filter(Boolean).join(' · '), url };
  if (navigator.share) {
    navigator.share(data).then(() => said('', null), (e) => {
      if (e && e.name === 'AbortError') { return; } // the resident closed the share sheet
      copyLink(url);
    });
    return;
  }
  copyLink(url);
}

function copyLink(url) {
  const shown = () => said(t('linkToCopy', { url }), null);
  if (!navigator.clipboard || !navigator.clipboard.writeText) { shown(); return; }
  navigator.clipboard.writeText(url).then(() => said(t('linkCopied'), 'done'), shown);
}

export function said(text, kind) {
  const m = $('share-message');
  m.textContent = text;
  m.className = 'action-message' + (kind ? ' ' + kind : '');
}

function sourceKindName(kind) { return t(kind) || kind; }

function valueText(name, value, def, p) {
  if (name === 'fee') { return value ? t('paidValue') + (p.charge ? ' · ' + p.charge : '') : t('freeValue'); }
  if (name === 'opening_hours') { return I.hours(value); }
  var type = def && def.type;
  var valueLabel = function (v) { return def && def.value_labels && def.value_labels[v] ? I.label(def.value_labels[v], v) : v; };
  if (Array.isArray(value)) { return value.map(valueLabel).join(I.lang === 'zh-Hans' ? '、' : ', '); }
  if (typeof value === 'boolean') { return t(value ? 'yes' : 'no'); }
  if (type === 'enum') { return valueLabel(value); }
  if (typeof value === 'number') { return I.number(value); }
  return String(value);
}

/** What the facility is like, attribute by attribute with the source of each, how sure the service is, and the sources. */
export function renderFacts(f) {
  // A facility (re)drawn starts without the last one's sign-in button or progress line.
  const signIn = $('sign-in-here');
  if (signIn) { signIn.remove(); }
  progress('');
  const p = f.properties;
  const sources = p.sources || [];
  const state = P.state;
  const cat = state.categories[p.category];
  const make = P.make;
  var dl = $('detail-attributes');
  dl.textContent = '';
  // The core attributes the API marks shown_in_details, in its order; category attributes follow in their schema's order.
  var rows = Object.keys(state.core).filter(function (name) { return state.core[name].shown_in_details; })
    .map(function (name) { return { name: name, value: p[name], def: state.core[name] }; });
  var schema = (cat && cat.attributes) || {};
  Object.keys(p.attributes || {}).sort(function (a, b) {
    return Object.keys(schema).indexOf(a) - Object.keys(schema).indexOf(b);
  }).forEach(function (name) { rows.push({ name: name, value: p.attributes[name], def: schema[name] }); });
  rows.forEach(function (row) {
    if (row.value === null || row.value === undefined || (Array.isArray(row.value) && row.value.length === 0)) { return; }
    var item = make('div', 'attribute');
    item.dataset.attribute = row.name;
    item.appendChild(make('dt', null, row.def ? I.label(row.def.labels, row.name) : row.name));
    var dd = make('dd');
    dd.appendChild(make('span', 'value', valueText(row.name, row.value, row.def, p)));
    var prov = p.provenance && p.provenance[row.name];
    var source = prov && sources[prov.source];
    if (source) {
      var tag = make('span', 'src ' + source.kind, sourceKindName(source.kind) + (sources.length > 1 ? ' ' + (prov.source + 1) : ''));
      tag.title = t('sourceOf', { s: source.dataset }) + ' · ' + t('updated', { date: I.date(prov.updated_at) });
      dd.appendChild(tag);
    }
    item.appendChild(dd);
    dl.appendChild(item);
  });

  $('detail-trust').textContent = t('confidence', {
    p: new Intl.NumberFormat(I.lang === 'zh-Hans' ? 'zh-CN' : 'en-GB', { style: 'percent' }).format(p.confidence || 0)
  }) + ' · ' + (p.last_verified_at ? t('lastVerified', { date: I.date(p.last_verified_at) }) : t('neverVerified'));
  // The partners' answers to reports on it: a resident who reported sees "Fixed by <partner>" where they reported.
  answers.renderFacilityAnswers(P, p.report_responses, $('detail-trust'));

  var list = $('detail-sources');
  list.textContent = '';
  sources.forEach(function (s) {
    var li = make('li', 'source');
    li.appendChild(make('span', 'badge ' + s.kind, sourceKindName(s.kind)));
    li.appendChild(make('strong', 'source-name', s.dataset));
    li.appendChild(make('span', 'source-meta', [s.license, s.record_id, s.updated_at ? t('updated', { date: I.date(s.updated_at) }) : null]
      .filter(Boolean).join(' · ')));
    if (s.attribution) { li.appendChild(make('span', 'source-meta', s.attribution)); }
    list.appendChild(li);
  });
  historyButton(list);
  photos(f);
  claimLine(f);
}

// Who runs the facility, for anyone signed in: "Claim this facility", the claim waiting, or for its approved operator
// "You manage this facility" with the way to edit what it manages. The forms are facility-actions.js's, loaded when
// opened. Under the actions; nothing when signed out or offline.
function claimLine(f) {
  let line = $('detail-claim');
  if (!P.accessToken()) { if (line) { line.remove(); } return; }
  if (!line) {
    if (!document.getElementById('claims-css')) {
      const css = P.make('link');
      css.id = 'claims-css';
      css.rel = 'stylesheet';
      css.href = new URL('claims.css', import.meta.url).href;
      document.head.appendChild(css);
    }
    line = P.make('div', 'claim-line');
    line.id = 'detail-claim';
    $('detail-attributes').previousElementSibling.insertAdjacentElement('beforebegin', line);
  }
  line.hidden = true;
  const id = f.properties.id;
  import('./auth.js').then(function (auth) { return auth.send('GET', 'api/v1/me/claims'); })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (mine) {
      if (!mine || P.state.detail !== f) { return; }
      const claim = (mine.claims || []).find(function (x) { return x.facility_id === id && (x.state === 'approved' || x.state === 'pending'); });
      line.textContent = '';
      line.hidden = false;
      line.dataset.claim = claim ? claim.state : 'none';
      if (claim && claim.state === 'approved') {
        const what = claim.attributes.filter(function (a) { return P.state.core[a] && a !== 'status_until' && a !== 'charge'; })
          .map(function (a) { return I.label(P.state.core[a].labels, a); }).join(I.lang === 'zh-Hans' ? '、' : ', ');
        line.appendChild(P.make('p', 'claim-state managed', t('managed', { what: what }))).id = 'claim-managed';
        claimButton(line, 'operateOpen', 'operate-open', 'operate');
      } else if (claim) {
        line.appendChild(P.make('p', 'claim-state', t('claimPending'))).id = 'claim-pending';
      } else {
        claimButton(line, 'claimOpen', 'claim-open', 'claim');
      }
    }, function () { /* offline: the details without it */ });
}

function claimButton(line, key, id, view) {
  const b = P.make('button', 'link-button', t(key));
  b.type = 'button';
  b.id = id;
  b.addEventListener('click', function () { P.contribute(view); });
  line.appendChild(b);
}

// The facility's photos (photos.js, loaded then), and "Add a photo" for everyone: signed out, it asks to sign in first.
function photos(f) {
  import('./photos.js').then(function (m) { if (P.state.detail === f) { m.render(P, f); } }, function () { /* offline: the details without photos */ });
}

// Who changed the facility, when, what and why: the history opens in the contributor panel (its script loads then).
function historyButton(after) {
  if ($('history-open')) { $('history-open').textContent = t('historyLink'); return; }
  const button = P.make('button', 'link-button', t('historyLink'));
  button.type = 'button';
  button.id = 'history-open';
  button.addEventListener('click', function () { P.contribute('history'); });
  after.insertAdjacentElement('afterend', button);
}

// ---- "Still here" and "report a problem" ---------------------------------------------------------------------

function say(text, kind) {
  el.message.textContent = text;
  el.message.className = 'action-message' + (kind ? ' ' + kind : '');
  progress('');
  // Signed out: a button beside the message opens sign-in and comes back to this facility.
  var button = $('sign-in-here');
  if (kind === 'needs-sign-in' && !button) {
    button = document.createElement('button');
    button.type = 'button';
    button.id = 'sign-in-here';
    button.className = 'link-button';
    button.textContent = t('signIn');
    button.addEventListener('click', function () { button.remove(); P.contribute('signInForFacility'); });
    el.message.insertAdjacentElement('afterend', button);
  } else if (kind !== 'needs-sign-in' && button) {
    button.remove();
  }
}

// How much more a confirmation or report needs, under the message.
function progress(text) {
  var line = $('action-progress');
  if (!line && text) {
    line = document.createElement('p');
    line.id = 'action-progress';
    line.className = 'action-progress';
    line.setAttribute('role', 'status');
    el.message.insertAdjacentElement('afterend', line);
  }
  if (line) { line.textContent = text; line.hidden = !text; }
}

// What a confirmation did, and what is still missing, in words.
function confirmationWords(r) {
  if (r.verified) { return t('confirmedVerified'); }
  if (r.already_confirmed) { return t('alreadyConfirmed'); }
  if (!(r.weight > 0)) { return t('confirmedWeightless', { n: 15, m: r.people_needed }); }
  return t('confirmedNeeds', { n: r.people_needed });
}

function reportWords(r) {
  if (r.already_reported) { return t('alreadyReported'); }
  if (r.effect === 'temporarily_closed') { return t('reportedClosed'); }
  if (r.people_needed > 0) { return t('reportedNeeds', { n: r.people_needed }); }
  return ''; // recorded, nothing more to say than the thanks above
}

function failure(e, signInKey) {
  if (e.status === 401) {
    try { localStorage.removeItem('facilities.auth'); } catch (x) { /* storage disabled */ }
    say(t(signInKey), 'needs-sign-in');
  } else if (e.queued) {
    say(t('queuedOffline'), 'done');
  } else if (e.status === 429) {
    say(t('tooMany', { s: e.retryAfter || '60' }), 'error');
  } else {
    say(t('failed', { reason: e.message }), 'error');
  }
}

// A "still here" or a report, with an Idempotency-Key. One that gets no answer (no connection) is kept (outbox.js) and
// sent when the connection returns (offline.js): it then rejects with { queued: true }.
function contribution(kind, id, body) {
  const url = 'api/v1/facilities/' + enc(id) + '/' + (kind === 'confirmation' ? 'confirmations' : 'reports');
  return import('./auth.js').then(function (auth) {
    const key = auth.newKey();
    return auth.send('POST', url, body, { 'Idempotency-Key': key }).then(function (r) { return r.ok ? r.text() : P.problemOf(r); }, function (e) {
      if (!(e instanceof TypeError)) { throw e; }
      return import('./outbox.js')
        .then(function (outbox) { return outbox.keep({ key: key, kind: kind, url: url, body: body, facility_id: id }); })
        .then(function () { document.dispatchEvent(new Event('facilities:outbox')); throw Object.assign(new Error('kept until online'), { queued: true }); }, function () { throw e; });
    });
  });
}

/** Says what a kept contribution did once sent, as if just made, when its facility's details are open. */
export function sent(a) {
  if (!P.state.detail || P.state.detail.properties.id !== a.entry.facility_id) { return; }
  if (!a.ok) { say(t('failed', { reason: a.detail }), 'error'); return; }
  const confirmation = a.entry.kind === 'confirmation';
  say(t(confirmation ? 'confirmed' : 'reported'), 'done');
  if (a.answer) { progress(confirmation ? confirmationWords(a.answer) : reportWords(a.answer)); }
}

function confirmStillHere() {
  if (!P.state.detail) { return; }
  if (!P.accessToken()) { say(t('signInToConfirm'), 'needs-sign-in'); return; }
  var id = P.state.detail.properties.id;
  el.stillHere.disabled = true;
  contribution('confirmation', id, {}).then(function (r) {
    var text = r ? confirmationWords(JSON.parse(r)) : '';
    var thank = function () { say(t('confirmed'), 'done'); progress(text); };
    // The details are drawn again (verified, confidence) before the thanks, which would otherwise flicker away.
    if (P.state.detail && P.state.detail.properties.id === id) { return P.openDetail(id, P.state.detailDistance).then(thank, thank); }
    thank();
    return undefined;
  }, function (e) { failure(e, 'signInToConfirm'); }).then(function () { el.stillHere.disabled = false; });
}

function toggleReport() {
  if (!P.accessToken()) { say(t('signInToReport'), 'needs-sign-in'); return; }
  var show = el.reportForm.hidden;
  el.reportForm.hidden = !show;
  el.report.setAttribute('aria-expanded', String(show));
  if (show) { el.reportReason.value = ''; fieldError('reason', null); fieldError('comment', null); el.reportReason.focus(); }
}

function fieldError(name, text) {
  var target = $('report-' + name + '-error');
  if (target) { target.textContent = text || ''; }
  var input = $('report-' + name);
  if (input) { if (text) { input.setAttribute('aria-invalid', 'true'); } else { input.removeAttribute('aria-invalid'); } }
}

function sendReport(event) {
  event.preventDefault();
  if (!P.state.detail) { return; }
  fieldError('reason', null);
  fieldError('comment', null);
  if (!el.reportReason.value) { fieldError('reason', t('reasonRequired')); el.reportReason.focus(); return; }
  var body = { reason: el.reportReason.value };
  if (el.reportComment.value.trim()) { body.comment = el.reportComment.value.trim(); }
  const done = function () {
    el.reportForm.hidden = true;
    el.report.setAttribute('aria-expanded', 'false');
    el.reportComment.value = '';
  };
  contribution('report', P.state.detail.properties.id, body).then(function (r) {
    done();
    say(t('reported'), 'done');
    progress(r ? reportWords(JSON.parse(r)) : '');
  }, function (e) {
    if (e.queued) { done(); failure(e, 'signInToReport'); return; }
    // Validation problems name the field: show each next to it, as the API words it.
    var errors = (e.problem && e.problem.errors) || {};
    var shown = false;
    Object.keys(errors).forEach(function (name) {
      if ($('report-' + name + '-error')) { fieldError(name, errors[name].join(' ')); shown = true; }
    });
    if (!shown) { failure(e, 'signInToReport'); } else { say('', null); }
  });
}
