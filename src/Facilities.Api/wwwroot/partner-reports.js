// The reports on the partner's facilities, in the partner page (partner.js loads it): each with what is wrong, when,
// the resident's words, who filed it (an Open311 app and the resident as the app gave them, for the partner only) and
// the partner's answer, and a form to answer it: status and notes, sent to PUT /api/v1/partner/reports/{id}/response.
// The resident who reported sees the answer on the facility and in their contributions ("Fixed by <partner>").
import * as answers from './report-answers.js';

const STATUSES = ['acknowledged', 'in_progress', 'fixed', 'not_a_problem'];

const words = {
  en: {
    reportsTitle: 'Reports on your facilities', reportsNone: 'No reports on your facilities in the last 90 days.',
    reportUnanswered: 'Not answered yet', reportFiledBy: 'Filed through {app}', reportStatus: 'Answer',
    reportNotes: 'Notes (shown to the public)', reportSend: 'Send answer', reportSent: 'Answer sent.',
    reportReopened: 'Answer sent; the facility is open again.', reportFailed: 'Not loaded: {e}',
    statusNames: { acknowledged: 'Acknowledged', in_progress: 'In progress', fixed: 'Fixed', not_a_problem: 'Not a problem' }
  },
  'zh-Hans': {
    reportsTitle: '关于你的设施的报告', reportsNone: '最近 90 天没有关于你的设施的报告。',
    reportUnanswered: '尚未答复', reportFiledBy: '通过 {app} 提交', reportStatus: '答复',
    reportNotes: '说明（公开显示）', reportSend: '发送答复', reportSent: '答复已发送。',
    reportReopened: '答复已发送；此设施已重新开放。', reportFailed: '未能加载：{e}',
    statusNames: { acknowledged: '已受理', in_progress: '处理中', fixed: '已修复', not_a_problem: '不是问题' }
  }
};

let H = null;
let apiKey = null;

async function api(method, url, body) {
  const headers = { Accept: 'application/json', 'X-Api-Key': apiKey() || '' };
  if (body !== undefined) { headers['Content-Type'] = 'application/json'; }
  const r = await fetch(url, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.ok) { return r.json(); }
  const p = await r.json().catch(function () { return {}; });
  const e = new Error(p.detail || p.title || String(r.status));
  e.status = r.status;
  e.problem = p;
  throw e;
}

/** Adds "Reports on your facilities" to the partner page, before its last link (forget the key). */
export function attach(body, helpers, key) {
  H = helpers;
  apiKey = key;
  H.I.extend(words);
  answers.setup(H.P);
  const last = body.querySelector('.sign-out');
  const holder = document.createDocumentFragment();
  H.linkButton(holder, H.t('reportsTitle'), function () { show(list); }).id = 'show-reports';
  const list = H.make('div', 'partner-reports');
  list.id = 'partner-reports';
  holder.appendChild(list);
  body.insertBefore(holder, last);
}

async function show(container) {
  const t = H.t;
  container.textContent = '';
  container.setAttribute('aria-busy', 'true');
  try {
    const page = await api('GET', 'api/v1/partner/reports');
    if (!page.reports.length) { container.appendChild(H.make('p', 'empty', t('reportsNone'))); }
    const list = H.make('ul', 'proposal-list');
    page.reports.forEach(function (r) { list.appendChild(row(r)); });
    container.appendChild(list);
  } catch (e) {
    container.appendChild(H.make('p', 'action-message error', t('reportFailed', { e: e.message })));
  }
  container.setAttribute('aria-busy', 'false');
}

function row(r) {
  const t = H.t, I = H.I;
  const li = H.make('li', 'proposal-row partner-report');
  li.dataset.reportId = r.id;
  li.dataset.status = r.response ? r.response.status : 'unanswered';
  li.appendChild(H.make('strong', null, r.facility_name || r.facility_id));
  li.appendChild(H.make('span', 'row-meta', [t('reasons')[r.reason] || r.reason, I.date(r.created_at), r.comment].filter(Boolean).join(' · ')));
  if (r.filed_by) {
    const who = [r.filed_by.first_name, r.filed_by.last_name].filter(Boolean).join(' ');
    li.appendChild(H.make('span', 'row-meta', [t('reportFiledBy', { app: r.filed_by.app }), who, r.filed_by.email].filter(Boolean).join(' · ')));
  }
  const answer = H.make('span', 'row-meta report-answer', r.response ? answers.answerLine(t, r.response) : t('reportUnanswered'));
  li.appendChild(answer);

  const f = H.form(li, async function () {
    H.clearErrors(f);
    const sent = await api('PUT', 'api/v1/partner/reports/' + encodeURIComponent(r.id) + '/response',
      { status: f.elements.status.value, notes: f.elements.notes.value.trim() || undefined });
    li.dataset.status = sent.response;
    answer.textContent = answers.answerLine(t, { status: sent.response, notes: sent.notes, partner: sent.responded_by });
    H.say(f, t(sent.facility_reopened ? 'reportReopened' : 'reportSent'), 'done');
  });
  f.dataset.auth = 'true';
  const select = H.make('select');
  select.name = 'status';
  STATUSES.forEach(function (s) { select.appendChild(new Option(t('statusNames')[s], s)); });
  select.value = r.response ? r.response.status : 'acknowledged';
  H.field(f, 'status', t('reportStatus'), select);
  const notes = H.make('textarea');
  notes.name = 'notes';
  notes.rows = 2;
  notes.maxLength = 2000;
  notes.value = (r.response && r.response.notes) || '';
  H.field(f, 'notes', t('reportNotes'), notes);
  H.submitRow(f, t('reportSend'));
  return li;
}
