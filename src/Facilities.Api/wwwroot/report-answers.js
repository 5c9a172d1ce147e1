// A partner's answer to a resident's report, in one line: "Fixed by Camden Council · New cistern". Loaded with the
// details (details.js), the account's reports (contrib.js) and the partner's reports (partner.js).

const words = {
  en: {
    answerBy: {
      acknowledged: 'Acknowledged by {partner}',
      in_progress: 'Being fixed by {partner}',
      fixed: 'Fixed by {partner}',
      not_a_problem: 'Not a problem, says {partner}'
    },
    answersTitle: 'Answers to reports'
  },
  'zh-Hans': {
    answerBy: {
      acknowledged: '{partner} 已受理',
      in_progress: '{partner} 正在处理',
      fixed: '已由 {partner} 修复',
      not_a_problem: '{partner} 认为没有问题'
    },
    answersTitle: '报告的答复'
  }
};

let I = null;

export function setup(page) {
  if (I) { return; }
  I = page.I;
  I.extend(words);
}

/** "Fixed by <partner>" and the notes, for an answer {status, notes, partner}; the reason and date when asked. */
export function answerLine(t, answer, reason) {
  const by = (t('answerBy')[answer.status] || answer.status).replace('{partner}', answer.partner);
  return [reason ? t('reasons')[reason] || reason : null, by, answer.notes].filter(Boolean).join(' · ');
}

/** The facility's answered reports under its details, newest answer first; nothing when none was answered. */
export function renderFacilityAnswers(P, responses, after) {
  const t = P.t;
  let box = document.getElementById('detail-answers');
  if (!box) {
    box = P.make('div', 'answers');
    box.id = 'detail-answers';
    after.after(box);
  }
  box.textContent = '';
  box.hidden = !responses || responses.length === 0;
  if (box.hidden) { return; }
  box.appendChild(P.make('h3', null, t('answersTitle')));
  const list = P.make('ul', 'sources answer-list');
  responses.forEach(function (r) {
    const li = P.make('li', 'answer ' + r.status, answerLine(t, r, r.reason));
    li.dataset.reportId = r.report_id;
    li.dataset.status = r.status;
    li.title = I.date(r.responded_at);
    list.appendChild(li);
  });
  box.appendChild(list);
}
