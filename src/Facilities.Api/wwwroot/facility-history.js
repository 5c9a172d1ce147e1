// A facility's history in the contributor panel, loaded the first time someone opens it (from the details or from
// "Suggest an edit"): every accepted version, newest first, with who made it or which source it came from, when,
// what changed from what ({attribute: {from, to}}, as GET /api/v1/facilities/{id}/history answers it), why, and the
// votes that decided it.

const words = {
  en: {
    historyTitle: 'History: {name}',
    historyVersion: 'Version {n} · {date}',
    historyBy: 'By {name}',
    historyFrom: 'From {source}',
    historyNobody: 'By the service',
    historyCreated: 'Added to the map',
    historyVotes: 'Decided by {n} vote(s): for {s} · against {o}',
    historyNone: 'No versions yet.',
    historyEdit: 'Suggest an edit',
    historyBefore: 'Before',
    historyAfter: 'After'
  },
  'zh-Hans': {
    historyTitle: '历史记录：{name}',
    historyVersion: '第 {n} 版 · {date}',
    historyBy: '{name} 修改',
    historyFrom: '来自 {source}',
    historyNobody: '由系统修改',
    historyCreated: '添加到地图',
    historyVotes: '由 {n} 票决定：支持 {s} · 反对 {o}',
    historyNone: '还没有版本。',
    historyEdit: '建议修改',
    historyBefore: '之前',
    historyAfter: '之后'
  }
};

let extended = false;

export async function history(body, title, id, c) {
  if (!extended) { c.I.extend(words); extended = true; }
  const t = c.t, make = c.make, I = c.I;
  title.textContent = c.t('historyOpen');
  if (!id) { body.appendChild(make('p', 'empty', t('noFacility'))); return; }
  body.setAttribute('aria-busy', 'true');
  let facility, answer;
  try {
    [facility, answer] = await Promise.all([c.api('GET', 'api/v1/facilities/' + encodeURIComponent(id)),
      c.api('GET', 'api/v1/facilities/' + encodeURIComponent(id) + '/history'), c.P.labelled]);
  } catch (e) {
    body.setAttribute('aria-busy', 'false');
    body.appendChild(make('p', 'action-message error', t('failed', { reason: e.message })));
    return;
  }
  const p = facility.properties;
  title.textContent = t('historyTitle', { name: p.name || c.P.categoryName(p.category) });

  const cards = answer.versions.map(function (v) { return versionCard(v, p.category, c); });
  const list = make('ol', 'history-list');
  list.id = 'history-list';
  cards.reverse().forEach(function (card) { list.appendChild(card); });
  body.appendChild(list);
  if (!cards.length) { body.appendChild(make('p', 'empty', t('historyNone'))); }
  c.linkButton(body, t('historyEdit'), function () { c.edit(id); }).id = 'history-edit';
  body.setAttribute('aria-busy', 'false');
}

function versionCard(v, category, c) {
  const t = c.t, make = c.make, I = c.I;
  const li = make('li', 'history-version');
  li.dataset.version = String(v.version);
  li.appendChild(make('h3', null, t('historyVersion', { n: I.number(v.version), date: I.date(v.created_at) })));
  // A contribution names its author; an import its dataset (the community's own dataset stands behind every proposal).
  const who = v.author_name ? t('historyBy', { name: v.author_name }) : v.source_dataset ? t('historyFrom', { source: v.source_dataset }) : t('historyNobody');
  const meta = make('p', 'row-meta history-who', v.version === 1 ? t('historyCreated') + ' · ' + who : who);
  li.appendChild(meta);
  if (v.reason) { li.appendChild(make('blockquote', 'comment history-why', v.reason)); }

  const table = make('table', 'diff');
  const head = make('tr');
  [t('attribute'), v.version === 1 ? null : t('historyBefore'), t('historyAfter')].forEach(function (h) {
    if (h === null) { return; }
    const th = make('th', null, h);
    th.scope = 'col';
    head.appendChild(th);
  });
  const thead = make('thead');
  thead.appendChild(head);
  table.appendChild(thead);
  const tbody = make('tbody');
  Object.keys(v.changes || {}).forEach(function (name) {
    if (name === 'category' && v.version === 1) { return; }
    const tr = make('tr');
    tr.dataset.attribute = name;
    const th = make('th', null, c.attributeName(name, category));
    th.scope = 'row';
    tr.appendChild(th);
    const change = v.changes[name] || {};
    if (v.version !== 1) { tr.appendChild(make('td', 'before', c.shown(name, change.from, category))); }
    tr.appendChild(make('td', 'after changed', c.shown(name, change.to, category)));
    tbody.appendChild(tr);
  });
  table.appendChild(tbody);
  li.appendChild(table);

  const votes = v.votes || [];
  if (votes.length) {
    const sum = function (d) { return votes.filter(function (x) { return x.vote === d; }).reduce(function (a, x) { return a + x.weight; }, 0); };
    li.appendChild(make('p', 'tally', t('historyVotes', { n: I.number(votes.length), s: I.number(sum('up'), 1), o: I.number(sum('down'), 1) })));
  }
  return li;
}
