// A facility's photos, loaded with its details: thumbnails with their credit ("Photo: <name> · CC BY-SA 4.0"), the
// display size on a tap, adding a photo from the camera or the gallery, reporting one; and, in the review page, the
// moderators' photo queues. Adding and reporting are offered to everyone: signed out, they open the sign-in saying why,
// which comes back to the facility, and the form asked for opens there.
// Photos in review are private (a 404 to others, no-store to their author and moderators): those are fetched with
// the bearer token and shown from a blob, since an <img> cannot send one.
import * as auth from './auth.js';

const LICENSES = { 'CC-BY-SA-4.0': { name: 'CC BY-SA 4.0', url: 'https://creativecommons.org/licenses/by-sa/4.0/' } };
const REASONS = ['not_this_place', 'offensive', 'personal_data'];

const words = {
  en: {
    photosTitle: 'Photos',
    photoBy: 'Photo: {name}',
    photoOpen: 'Photo {n} of {count}, by {name}: show it larger',
    photoStates: { pending: 'Waiting for review: only you and moderators see it.', hidden: 'Hidden by a moderator.', rejected: 'Not accepted by a moderator.' },
    photoAdd: 'Add a photo',
    photoSignInToAdd: 'Sign in to add a photo',
    photoSignInToReport: 'Sign in to report a photo',
    photoTake: 'Take a photo',
    photoChoose: 'Choose a photo',
    photoLicenseNote: 'Published under CC BY-SA 4.0 as “Photo: {name}”: anyone may share and adapt it, crediting you and sharing alike. Leave people’s faces and number plates out.',
    photoChosen: 'Chosen: {name} ({size})',
    photoChooseFirst: 'Choose a photo first.',
    photoSend: 'Send the photo',
    photoSending: 'Sending the photo…',
    photoPublished: 'Published: everyone sees it now.',
    photoWaiting: 'Sent: it is waiting for review before others see it.',
    photoReport: 'Report this photo',
    photoReportReason: 'What is wrong with it?',
    photoReasons: { not_this_place: 'It is not this place', offensive: 'It is offensive', personal_data: 'It shows personal data' },
    photoReportComment: 'Comment (optional)',
    photoReportSend: 'Send the report',
    photoReported: 'Thank you: moderators will look at it.',
    photoAlreadyReported: 'You had already reported it for this: it counts once.',
    photoViewer: 'Photo',
    photoClose: 'Close',
    photoQueueTitle: 'Photos waiting for review',
    photoReportedTitle: 'Reported photos',
    photoQueueEmpty: 'No photo is waiting for review.',
    photoReportedEmpty: 'No photo is reported.',
    photoFacility: 'Show the facility',
    photoMeta: '{facility} · {date}',
    photoOpenReports: 'Reports: {n}',
    photoDecisions: { approve: 'Approve', reject: 'Reject', hide: 'Hide', keep: 'Keep it shown' },
    photoDecided: { approved: 'Approved: everyone sees it.', rejected: 'Rejected: it is never shown.', hidden: 'Hidden: only its author and moderators see it.' }
  },
  'zh-Hans': {
    photosTitle: '照片',
    photoBy: '照片：{name}',
    photoOpen: '第 {n} 张照片（共 {count} 张），{name} 拍摄：放大查看',
    photoStates: { pending: '等待审核：只有你和管理员能看到。', hidden: '已被管理员隐藏。', rejected: '未通过管理员审核。' },
    photoAdd: '添加照片',
    photoSignInToAdd: '登录后即可添加照片',
    photoSignInToReport: '登录后即可举报照片',
    photoTake: '拍照',
    photoChoose: '选择照片',
    photoLicenseNote: '以 CC BY-SA 4.0 许可发布，署名“照片：{name}”：任何人都可以在署名并以相同方式共享的前提下分享和改编。请勿拍到他人面孔和车牌。',
    photoChosen: '已选择：{name}（{size}）',
    photoChooseFirst: '请先选择照片。',
    photoSend: '上传照片',
    photoSending: '正在上传照片…',
    photoPublished: '已发布：所有人现在都能看到。',
    photoWaiting: '已上传：审核通过后其他人才能看到。',
    photoReport: '举报此照片',
    photoReportReason: '有什么问题？',
    photoReasons: { not_this_place: '不是这个地方', offensive: '内容令人不适', personal_data: '含个人信息（人脸、车牌）' },
    photoReportComment: '说明（可选）',
    photoReportSend: '提交举报',
    photoReported: '谢谢：管理员会查看。',
    photoAlreadyReported: '你之前已因此举报过：只计一次。',
    photoViewer: '照片',
    photoClose: '关闭',
    photoQueueTitle: '等待审核的照片',
    photoReportedTitle: '被举报的照片',
    photoQueueEmpty: '没有等待审核的照片。',
    photoReportedEmpty: '没有被举报的照片。',
    photoFacility: '查看设施',
    photoMeta: '{facility} · {date}',
    photoOpenReports: '举报：{n} 次',
    photoDecisions: { approve: '通过', reject: '拒绝', hide: '隐藏', keep: '继续显示' },
    photoDecided: { approved: '已通过：所有人都能看到。', rejected: '已拒绝：不会显示。', hidden: '已隐藏：只有作者和管理员能看到。' }
  }
};

let P = null, t = null, I = null;
const blobs = {};               // private image URL -> object URL, so a redraw does not fetch it again
let resume = null;              // { facility, action: 'add' | 'report', photo }: what a signed-out tap asked for

function $(id) { return document.getElementById(id); }
function enc(v) { return encodeURIComponent(v); }
function make(tag, className, text) { return P.make(tag, className, text); }

function setup(page) {
  if (P) { return; }
  P = page; t = page.t; I = page.I;
  I.extend(words);
  const css = document.createElement('link');
  css.rel = 'stylesheet';
  css.href = new URL('photos.css', import.meta.url).href;
  document.head.appendChild(css);
}

async function api(method, url, body) {
  const r = await auth.send(method, url, body);
  const answer = r.status === 204 ? null : await r.json().catch(function () { return {}; });
  if (r.ok) { return answer; }
  const e = new Error((answer && (answer.detail || answer.title)) || r.statusText || String(r.status));
  e.status = r.status;
  e.problem = answer || {};
  throw e;
}

function licenseOf(photo) { return LICENSES[photo.license] || { name: photo.license, url: photo.license_url || null }; }

/** "Photo: <name> · CC BY-SA 4.0", the licence linked to its deed. */
function credit(photo, className) {
  const p = make('p', className || 'photo-credit');
  p.appendChild(document.createTextNode(t('photoBy', { name: photo.attribution }) + ' · '));
  const license = licenseOf(photo);
  if (license.url) {
    const a = make('a', null, license.name);
    a.href = license.url;
    a.target = '_blank';
    a.rel = 'license noopener';
    p.appendChild(a);
  } else {
    p.appendChild(document.createTextNode(license.name));
  }
  return p;
}

/** Sets the image's source: the public URL of an approved photo, else its bytes fetched with the token. */
function source(img, photo, url) {
  if (!photo.state || photo.state === 'approved') { img.src = url; return; }
  if (blobs[url]) { img.src = blobs[url]; return; }
  auth.send('GET', url).then(function (r) { return r.ok ? r.blob() : null; }).then(function (blob) {
    if (blob) { blobs[url] = URL.createObjectURL(blob); img.src = blobs[url]; }
  }, function () { /* shown without its image */ });
}

// ---- In the details -------------------------------------------------------------------------------------------------

/** The facility's photos in its details, from its answer (the approved ones); signed in, with one's own in review. */
export function render(page, f) {
  setup(page);
  const id = f.properties.id;
  let section = $('detail-photos');
  if (!section) {
    section = make('section', 'detail-photos');
    section.id = 'detail-photos';
    section.setAttribute('aria-labelledby', 'detail-photos-title');
    $('detail-attributes').previousElementSibling.before(section);
  }
  if (section.dataset.facilityId !== id) { section.textContent = ''; }
  section.dataset.facilityId = id;
  frame(section);
  list(section, f, f.properties.photos || []);
  if (auth.load()) { refresh(section, f); }
  resumed(section, f);
}

// Signed out, "Add a photo" and "Report this photo" open the sign-in with a line saying why; the sign-in returns to the
// facility's details (contrib.js), and their next drawing here opens what was asked for.
function askSignIn(then, why) {
  resume = then;
  return import('./contrib.js').then(function (m) { return m.signInForFacility(P, why); }, function (e) {
    resume = null;
    say(t('failed', { reason: e.message }), 'error');
  });
}

/** Back from the sign-in a tap here asked for: the photo form, or the photo's report form, of the same facility. */
function resumed(section, f) {
  const next = resume;
  if (!next) { return; }
  // Another facility's details: what was asked for is forgotten. Still signed out (the sign-in not done yet): kept.
  if (next.facility !== f.properties.id) { resume = null; return; }
  if (!auth.load()) { return; }
  resume = null;
  if (next.action === 'add') {
    if (!$('photo-form')) { toggleForm(section); }
    $('photo-form').scrollIntoView({ block: 'nearest' });
    return;
  }
  const photo = (f.properties.photos || []).filter(function (p) { return p.id === next.photo; })[0];
  if (!photo) { return; }
  view(photo, f.properties.name || P.categoryName(f.properties.category));
  $('photo-report').click();
}

function current(section, f) { return section.isConnected && section.dataset.facilityId === f.properties.id && P.state.detail && P.state.detail.properties.id === f.properties.id; }

function refresh(section, f) {
  section.setAttribute('aria-busy', 'true');
  return api('GET', 'api/v1/facilities/' + enc(f.properties.id) + '/photos').then(function (photos) {
    if (current(section, f)) { list(section, f, photos); }
  }, function () { /* the answer's photos stay */ }).then(function () { section.setAttribute('aria-busy', 'false'); });
}

/** The heading, the list and the "add a photo" button; kept while the same facility is redrawn. */
function frame(section) {
  let title = $('detail-photos-title');
  if (!title) {
    title = make('h3');
    title.id = 'detail-photos-title';
    section.appendChild(title);
    const ul = make('ul', 'photo-strip');
    ul.id = 'photo-list';
    section.appendChild(ul);
    const message = make('p', 'action-message');
    message.id = 'photo-message';
    message.setAttribute('role', 'status');
    section.appendChild(message);
  }
  title.textContent = t('photosTitle');
  let add = $('photo-add');
  if (!add) {
    add = make('button', 'photo-add');
    add.type = 'button';
    add.id = 'photo-add';
    add.setAttribute('aria-expanded', 'false');
    add.setAttribute('aria-controls', 'photo-form');
    add.addEventListener('click', function () {
      if (auth.load()) { toggleForm(section); } else { askSignIn({ facility: section.dataset.facilityId, action: 'add' }, 'photoSignInToAdd'); }
    });
    $('photo-message').before(add);
  }
  // Signed out since the form was opened: the form goes (sending it would be refused); the button stays.
  if (!auth.load() && $('photo-form')) {
    $('photo-form').remove();
    add.setAttribute('aria-expanded', 'false');
  }
  add.textContent = t('photoAdd');
}

function list(section, f, photos) {
  const ul = $('photo-list');
  ul.textContent = '';
  const name = f.properties.name || P.categoryName(f.properties.category);
  photos.forEach(function (photo, i) {
    const li = make('li', 'photo');
    li.dataset.photoId = photo.id;
    li.dataset.state = photo.state || 'approved';
    const button = make('button', 'photo-thumb');
    button.type = 'button';
    button.setAttribute('aria-label', t('photoOpen', { n: I.number(i + 1), count: I.number(photos.length), name: photo.attribution }));
    const img = make('img');
    img.alt = '';
    img.loading = 'lazy';
    img.decoding = 'async';
    source(img, photo, photo.thumb_url);
    button.appendChild(img);
    button.addEventListener('click', function () { view(photo, name); });
    li.appendChild(button);
    li.appendChild(credit(photo));
    if (photo.state && photo.state !== 'approved') { li.appendChild(make('p', 'photo-state', t('photoStates')[photo.state] || photo.state)); }
    ul.appendChild(li);
  });
  ul.hidden = !photos.length;
}

function say(text, kind) {
  const m = $('photo-message');
  if (!m) { return; }
  m.textContent = text;
  m.className = 'action-message' + (kind ? ' ' + kind : '');
}

// The form to add a photo: the camera on a phone, or a file; the licence and the credit said before sending.
async function toggleForm(section) {
  const add = $('photo-add');
  let form = $('photo-form');
  if (form) {
    form.remove();
    add.setAttribute('aria-expanded', 'false');
    return;
  }
  add.setAttribute('aria-expanded', 'true');
  say('', null);
  form = make('form', 'photo-form');
  form.id = 'photo-form';
  form.noValidate = true;
  const note = make('p', 'hint photo-license', t('photoLicenseNote', { name: '…' }));
  note.id = 'photo-license';
  form.appendChild(note);
  const picks = make('div', 'actions photo-picks');
  let chosen = null;
  const chosenLine = make('p', 'hint photo-chosen');
  chosenLine.id = 'photo-chosen';
  const error = make('p', 'field-error');
  error.id = 'photo-file-error';
  const pick = function (id, text, capture) {
    const label = make('label', 'photo-pick');
    const input = make('input', 'photo-input');
    input.type = 'file';
    input.id = id;
    input.accept = 'image/*';
    if (capture) { input.setAttribute('capture', 'environment'); }
    input.setAttribute('aria-describedby', 'photo-license photo-file-error');
    input.addEventListener('change', function () {
      chosen = input.files && input.files[0] || null;
      chosenLine.textContent = chosen ? t('photoChosen', { name: chosen.name, size: size(chosen.size) }) : '';
      error.textContent = '';
    });
    label.appendChild(input);
    label.appendChild(make('span', null, text));
    picks.appendChild(label);
  };
  // A phone opens its camera straight away for "take"; "choose" offers the gallery (and the camera) as usual.
  if (window.matchMedia && window.matchMedia('(pointer: coarse)').matches) { pick('photo-camera', t('photoTake'), true); }
  pick('photo-file', t('photoChoose'), false);
  form.appendChild(picks);
  form.appendChild(chosenLine);
  form.appendChild(error);
  const buttons = make('div', 'filter-actions');
  const cancel = make('button', null, t('cancel'));
  cancel.type = 'button';
  cancel.addEventListener('click', function () { toggleForm(section); add.focus(); });
  const send = make('button', 'primary', t('photoSend'));
  send.type = 'submit';
  buttons.appendChild(cancel);
  buttons.appendChild(send);
  form.appendChild(buttons);
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    if (!chosen) { error.textContent = t('photoChooseFirst'); return; }
    upload(section, form, chosen, send, error);
  });
  add.after(form);
  // The credit is the account's name, as the API writes it on the photo.
  api('GET', 'api/v1/me').then(function (me) { note.textContent = t('photoLicenseNote', { name: me.name }); }, function (e) {
    if (e.status === 401) { signedOut(); }
  });
}

function size(bytes) {
  return bytes >= 1048576 ? I.number(bytes / 1048576, 1) + ' MB' : I.number(Math.max(1, Math.round(bytes / 1024))) + ' KB';
}

// The session ended: sign in again, and come back to this facility's photo form.
function signedOut() {
  const f = P.state.detail;
  return askSignIn(f ? { facility: f.properties.id, action: 'add' } : null, 'sessionEnded');
}

function upload(section, form, file, send, error) {
  const f = P.state.detail;
  if (!f) { return; }
  const body = new FormData();
  body.append('file', file, file.name || 'photo');
  send.disabled = true;
  say(t('photoSending'), null);
  api('POST', 'api/v1/facilities/' + enc(f.properties.id) + '/photos', body).then(function (photo) {
    form.remove();
    $('photo-add').setAttribute('aria-expanded', 'false');
    say(t(photo.state === 'approved' ? 'photoPublished' : 'photoWaiting'), 'done');
    // An approved photo changes the facility's answer (its photos); one in review shows only in the signed-in list.
    return photo.state === 'approved' ? P.openDetail(f.properties.id, P.state.detailDistance) : refresh(section, f);
  }, function (e) {
    send.disabled = false;
    if (e.status === 401) { signedOut(); return; }
    say('', null);
    // The API's words, in the page's language: a file too large, of another type, not only an image...
    const errors = (e.problem && e.problem.errors) || {};
    error.textContent = errors.file ? errors.file.join(' ') : e.message;
  });
}

// ---- The display size, and reporting a photo -----------------------------------------------------------------------

function view(photo, placeName) {
  let dialog = $('photo-viewer');
  if (dialog) { dialog.remove(); }
  dialog = make('dialog', 'photo-viewer');
  dialog.id = 'photo-viewer';
  dialog.dataset.photoId = photo.id;
  dialog.setAttribute('aria-label', t('photoViewer') + ' · ' + placeName);
  // Escape closes the photo, not the details under it.
  dialog.addEventListener('keydown', function (e) { if (e.key === 'Escape') { e.stopPropagation(); } });
  dialog.addEventListener('close', function () { dialog.remove(); });
  const figure = make('figure');
  const img = make('img');
  img.alt = t('photoViewer') + ' · ' + placeName;
  source(img, photo, photo.display_url);
  figure.appendChild(img);
  const caption = make('figcaption');
  caption.appendChild(credit(photo, 'photo-credit large'));
  figure.appendChild(caption);
  dialog.appendChild(figure);
  const message = make('p', 'action-message');
  message.id = 'photo-report-message';
  message.setAttribute('role', 'status');
  const actions = make('div', 'actions');
  if (!photo.state || photo.state === 'approved') {
    const report = make('button', null, t('photoReport'));
    report.type = 'button';
    report.id = 'photo-report';
    report.setAttribute('aria-expanded', 'false');
    report.addEventListener('click', function () {
      if (auth.load()) { reportForm(dialog, photo, report, message); } else { signInToReport(dialog, photo, 'photoSignInToReport'); }
    });
    actions.appendChild(report);
  }
  const close = make('button', 'primary', t('photoClose'));
  close.type = 'button';
  close.id = 'photo-viewer-close';
  close.addEventListener('click', function () { dialog.close(); });
  actions.appendChild(close);
  dialog.appendChild(actions);
  dialog.appendChild(message);
  document.body.appendChild(dialog);
  dialog.showModal();
  close.focus();
}

/** The sign-in over the details, back to this photo's report form after it (a queue's photo names its facility). */
function signInToReport(dialog, photo, why) {
  dialog.close();
  const facility = photo.facility_id || (P.state.detail && P.state.detail.properties.id);
  askSignIn(facility ? { facility: facility, action: 'report', photo: photo.id } : null, why);
}

function reportForm(dialog, photo, button, message) {
  let form = $('photo-report-form');
  if (form) { form.remove(); button.setAttribute('aria-expanded', 'false'); return; }
  button.setAttribute('aria-expanded', 'true');
  form = make('form', 'report-form photo-report-form');
  form.id = 'photo-report-form';
  form.noValidate = true;
  const reasonLabel = make('label', 'field');
  reasonLabel.appendChild(make('span', null, t('photoReportReason')));
  const reason = make('select');
  reason.id = 'photo-report-reason';
  reason.appendChild(new Option(t('chooseReason'), ''));
  REASONS.forEach(function (r) { reason.appendChild(new Option(t('photoReasons')[r], r)); });
  reasonLabel.appendChild(reason);
  form.appendChild(reasonLabel);
  reason.addEventListener('change', function () { reasonError.textContent = ''; });
  const reasonError = make('p', 'field-error');
  reasonError.id = 'photo-report-reason-error';
  reason.setAttribute('aria-describedby', reasonError.id);
  form.appendChild(reasonError);
  const commentLabel = make('label', 'field');
  commentLabel.appendChild(make('span', null, t('photoReportComment')));
  const comment = make('textarea');
  comment.id = 'photo-report-comment';
  comment.rows = 2;
  comment.maxLength = 2000;
  commentLabel.appendChild(comment);
  form.appendChild(commentLabel);
  const commentError = make('p', 'field-error');
  commentError.id = 'photo-report-comment-error';
  comment.setAttribute('aria-describedby', commentError.id);
  form.appendChild(commentError);
  const send = make('button', 'primary', t('photoReportSend'));
  send.type = 'submit';
  const row = make('div', 'filter-actions');
  row.appendChild(send);
  form.appendChild(row);
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    reasonError.textContent = commentError.textContent = '';
    if (!reason.value) { reasonError.textContent = t('reasonRequired'); reason.focus(); return; }
    const body = { reason: reason.value };
    if (comment.value.trim()) { body.comment = comment.value.trim(); }
    send.disabled = true;
    api('POST', 'api/v1/photos/' + enc(photo.id) + '/reports', body).then(function (r) {
      form.remove();
      button.remove();
      message.textContent = t(r.already_reported ? 'photoAlreadyReported' : 'photoReported');
      message.className = 'action-message done';
    }, function (e) {
      send.disabled = false;
      if (e.status === 401) { signInToReport(dialog, photo, 'sessionEnded'); return; }
      const errors = (e.problem && e.problem.errors) || {};
      if (errors.reason || errors.comment) {
        reasonError.textContent = (errors.reason || []).join(' ');
        commentError.textContent = (errors.comment || []).join(' ');
        return;
      }
      message.textContent = t('failed', { reason: e.message });
      message.className = 'action-message error';
    });
  });
  dialog.querySelector('.actions').after(form);
  reason.focus();
}

// ---- The moderators' queues, in the review page -------------------------------------------------------------------

/**
 * The photos waiting for a first decision and those with open reports, oldest first, each with approve / reject
 * (waiting) or keep / hide (reported). c: the contributor panel's helpers.
 */
export async function queues(body, c) {
  setup(c.P);
  const [pending, reported] = await Promise.all([api('GET', 'api/v1/photos?state=pending'), api('GET', 'api/v1/photos?state=reported')]);
  const ids = pending.concat(reported).map(function (p) { return p.facility_id; }).filter(function (id, i, all) { return all.indexOf(id) === i; });
  const names = {};
  await Promise.all(ids.map(function (id) {
    return P.getJson('api/v1/facilities/' + enc(id)).then(function (f) {
      names[id] = f.properties.name || P.categoryName(f.properties.category);
    }, function () { /* removed meanwhile: named by nothing */ });
  }));
  [['photo-queue', 'photoQueueTitle', 'photoQueueEmpty', pending], ['photo-reports', 'photoReportedTitle', 'photoReportedEmpty', reported]]
    .forEach(function (part) {
      const section = make('section', 'photo-queue-part');
      const title = make('h3', null, t(part[1]));
      section.appendChild(title);
      const ol = make('ol', 'photo-queue');
      ol.id = part[0];
      part[3].forEach(function (photo) { ol.appendChild(queueCard(photo, names[photo.facility_id] || '', c)); });
      section.appendChild(ol);
      if (!part[3].length) { section.appendChild(make('p', 'empty', t(part[2]))); }
      body.appendChild(section);
    });
}

function queueCard(photo, facilityName, c) {
  const li = make('li', 'photo-card');
  li.dataset.photoId = photo.id;
  li.dataset.state = photo.state;
  const thumb = make('button', 'photo-thumb');
  thumb.type = 'button';
  thumb.setAttribute('aria-label', t('photoOpen', { n: 1, count: 1, name: photo.attribution }));
  const img = make('img');
  img.alt = '';
  img.loading = 'lazy';
  source(img, photo, photo.thumb_url);
  thumb.appendChild(img);
  thumb.addEventListener('click', function () { view(photo, facilityName); });
  li.appendChild(thumb);
  const facts = make('div', 'photo-card-facts');
  facts.appendChild(credit(photo));
  facts.appendChild(make('p', 'row-meta', t('photoMeta', { facility: facilityName, date: I.date(photo.created_at) })));
  if (photo.open_reports) { facts.appendChild(make('p', 'photo-reports-count', t('photoOpenReports', { n: I.number(photo.open_reports) }))); }
  // What each open report says (the reporter's words, not who they are).
  (photo.reports || []).forEach(function (r) {
    facts.appendChild(make('p', 'photo-report-said', (t('photoReasons')[r.reason] || r.reason) + (r.comment ? ' · “' + r.comment + '”' : '')));
  });
  li.appendChild(facts);
  const actions = make('div', 'actions');
  const message = make('p', 'action-message');
  message.setAttribute('role', 'status');
  const decide = function (decision) {
    actions.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
    api('POST', 'api/v1/photos/' + enc(photo.id) + '/' + decision, {}).then(function (decided) {
      li.dataset.state = decided.state;
      actions.remove();
      message.textContent = t('photoDecided')[decided.state] || decided.state;
      message.className = 'action-message done';
    }, function (e) {
      actions.querySelectorAll('button').forEach(function (b) { b.disabled = false; });
      message.textContent = t('failed', { reason: e.message });
      message.className = 'action-message error';
    });
  };
  // A photo waiting: approve or reject. A reported one shown: keep it (approve, which answers the reports) or hide it.
  const choices = photo.state === 'pending' ? ['approve', 'reject', 'hide'] : ['keep', 'hide'];
  choices.forEach(function (choice) {
    const decision = choice === 'keep' ? 'approve' : choice;
    c.linkButton(actions, t('photoDecisions')[choice], function () { decide(decision); },
      'link-button' + (choice === 'hide' || choice === 'reject' ? ' danger' : '')).dataset.decision = choice;
  });
  c.linkButton(actions, t('photoFacility'), function () { P.openDetail(photo.facility_id); }).dataset.action = 'facility';
  li.appendChild(actions);
  li.appendChild(message);
  return li;
}
