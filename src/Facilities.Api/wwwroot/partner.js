// A government partner's part of the map page (loaded from the contributor panel): with the partner's API key, choose
// a file, map its columns (offered from the file's header) in a new dataset or bring a new version of one of the
// partner's datasets, run a dry run, read the report, import, and read the feedback on the partner's facilities.
// The key stays in sessionStorage: it is a secret, gone with the tab.
const KEY = 'facilities.partnerKey';
const CRSS = ['EPSG:4326', 'EPSG:3857', 'EPSG:27700', 'EPSG:4490', 'GCJ-02', 'BD-09'];
// What a mapping can fill, in the order offered; the API checks each against the category.
const TARGETS = ['id', 'lon', 'lat', 'x', 'y', 'name', 'operator', 'opening_hours', 'access', 'fee', 'wheelchair', 'changing_table', 'gender'];
const POLL_MS = 400;

const words = {
  en: {
    partnerTitle: 'Partner data import', apiKey: 'API key', useKey: 'Use this key', keyRefused: 'This API key is not valid.',
    file: 'File (CSV, GeoJSON, KML, OSM XML, zipped Shapefile)', datasetTitle: 'Dataset', datasetName: 'Name', license: 'Licence (SPDX)',
    attribution: 'Attribution', crs: 'Coordinate system', matchDistance: 'Match distance (m)', mappingTitle: 'Columns',
    mappingHint: 'Which column of the file holds each value (from the file\'s header).', noColumn: '(none)', dryRun: 'Dry run',
    runImport: 'Import', importing: 'Working…', reportTitle: 'Report', dryRunReport: 'Dry run: nothing was written.',
    importedReport: 'Imported.', failedImport: 'The import failed: {e}', rowsRead: 'Rows read', created: 'Created', merged: 'Merged into existing',
    updated: 'Updated', unchanged: 'Unchanged', removedAtSource: 'Removed at source', returnedAtSource: 'Back at source', needingReview: 'Needing review', rejected: 'Rejected',
    rowReason: 'Row {row}: {reason}', feedback: 'Feedback on your facilities', noFeedback: 'No feedback yet.', chooseFile: 'Choose a file first.',
    feedbackKinds: { community_change: 'Community change', dispute: 'Dispute' }, forgetKey: 'Forget the key',
    importInto: 'Import into', newDataset: 'A new dataset', newVersionHint: 'A new version of “{name}”, with its columns as first mapped. Records missing from the file are removed at source; the community votes on closing their facilities.',
    closuresOpened: 'Closures put to the vote', closuresWithdrawn: 'Closure votes withdrawn',
    closureOpened: 'Record {id} is gone from the file: the community votes on closing its facility.',
    closurePending: 'Record {id} is gone from the file: a vote on closing its facility is already open.'
  },
  'zh-Hans': {
    partnerTitle: '合作方数据导入', apiKey: 'API 密钥', useKey: '使用此密钥', keyRefused: '此 API 密钥无效。',
    file: '文件（CSV、GeoJSON、KML、OSM XML、Shapefile 压缩包）', datasetTitle: '数据集', datasetName: '名称', license: '许可（SPDX）',
    attribution: '署名', crs: '坐标系', matchDistance: '匹配距离（米）', mappingTitle: '列',
    mappingHint: '每一项取自文件的哪一列（列名来自文件表头）。', noColumn: '（无）', dryRun: '试运行',
    runImport: '导入', importing: '处理中…', reportTitle: '报告', dryRunReport: '试运行：没有写入任何数据。',
    importedReport: '已导入。', failedImport: '导入失败：{e}', rowsRead: '读取行数', created: '新建', merged: '合并到已有设施',
    updated: '更新', unchanged: '未变', removedAtSource: '源数据中已删除', returnedAtSource: '源数据中重新出现', needingReview: '待人工审核', rejected: '被拒绝',
    rowReason: '第 {row} 行：{reason}', feedback: '关于你的设施的反馈', noFeedback: '暂无反馈。', chooseFile: '请先选择文件。',
    feedbackKinds: { community_change: '社区修改', dispute: '争议' }, forgetKey: '忘记密钥',
    importInto: '导入到', newDataset: '新数据集', newVersionHint: '“{name}”的新版本，沿用首次设定的列。文件中不再出现的记录视为源数据中已删除，由社区投票决定是否关闭对应设施。',
    closuresOpened: '交由投票的关闭', closuresWithdrawn: '撤回的关闭投票',
    closureOpened: '记录 {id} 已不在文件中：由社区投票决定是否关闭其设施。',
    closurePending: '记录 {id} 已不在文件中：关闭其设施的投票已在进行。'
  }
};

let H = null;      // the panel's helpers (contrib.js)
let dataset = null;

function key() { try { return sessionStorage.getItem(KEY); } catch (e) { return null; } }

async function api(method, url, body) {
  const headers = { Accept: 'application/json', 'X-Api-Key': key() || '' };
  if (body !== undefined && !(body instanceof FormData)) { headers['Content-Type'] = 'application/json'; }
  const r = await fetch(url, { method: method, headers: headers, body: body instanceof FormData ? body : body === undefined ? undefined : JSON.stringify(body) });
  if (r.ok) { return r.json(); }
  const p = await r.json().catch(function () { return {}; });
  const e = new Error(p.detail || p.title || String(r.status));
  e.status = r.status;
  e.problem = p;
  throw e;
}

/** The column names of a delimited file's first line: comma, semicolon or tab, quotes allowed, a BOM dropped. */
export function headerOf(text) {
  const line = text.replace(/^\uFEFF/, '').split(/\r?\n/)[0];
  const delimiter = [',', ';', '\t'].map(function (d) { return { d: d, n: line.split(d).length }; }).sort(function (a, b) { return b.n - a.n; })[0].d;
  const names = [];
  let cur = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') { quoted = false; } else { cur += c; }
    } else if (c === '"') { quoted = true; } else if (c === delimiter) { names.push(cur.trim()); cur = ''; } else { cur += c; }
  }
  names.push(cur.trim());
  return names.filter(Boolean);
}

/** A first guess of the column for a target: the same name, or a usual synonym. */
function guess(target, columns) {
  const synonyms = { id: ['id', 'ref', 'fid', 'objectid'], lon: ['lon', 'lng', 'longitude', 'x'], lat: ['lat', 'latitude', 'y'], x: ['easting'], y: ['northing'] };
  const lower = columns.map(function (c) { return c.toLowerCase(); });
  const names = synonyms[target] || [target];
  for (let i = 0; i < names.length; i++) { const at = lower.indexOf(names[i]); if (at >= 0) { return columns[at]; } }
  return '';
}

export function render(body, title, helpers) {
  H = helpers;
  H.I.extend(words);
  const t = H.t;
  title.textContent = t('partnerTitle');
  if (!key()) { return keyForm(body); }
  return importForm(body);
}

function keyForm(body) {
  const t = H.t;
  const f = H.form(body, async function () {
    try { sessionStorage.setItem(KEY, f.elements.key.value.trim()); } catch (e) { /* storage disabled */ }
    try {
      await api('GET', 'api/v1/partner/datasets');
    } catch (e) {
      try { sessionStorage.removeItem(KEY); } catch (x) { /* storage disabled */ }
      if (e.status === 401) { H.clearErrors(f); H.say(f, t('keyRefused'), 'error'); return; }
      throw e;
    }
    body.textContent = '';
    await importForm(body);
  });
  f.dataset.auth = 'true';
  H.field(f, 'key', t('apiKey'), H.input('password', 'key')).autocomplete = 'off';
  H.submitRow(f, t('useKey'));
}

async function importForm(body) {
  const t = H.t;
  let file = null;
  // The partner's datasets, for a new version of one of them (a periodic re-export is the usual case).
  let existing = [];
  try { existing = await api('GET', 'api/v1/partner/datasets'); } catch (e) { existing = []; }
  const chosen = function () { return existing.find(function (d) { return d.id === target.value; }) || null; };
  const f = H.form(body, async function (form) {
    // The submit button says which: a dry run first, then the import for real.
    const dry = form.dataset.run !== 'import';
    if (!file) { H.clearErrors(f); H.say(f, t('chooseFile'), 'error'); return; }
    H.clearErrors(f);
    if (!dataset) { dataset = chosen() || await api('POST', 'api/v1/partner/datasets', datasetBody(f)); }
    H.say(f, t('importing'), null);
    const data = new FormData();
    data.append('file', file, file.name);
    let job = await api('POST', 'api/v1/partner/datasets/' + dataset.id + '/imports' + (dry ? '?dry_run=true' : ''), data);
    while (job.state === 'queued' || job.state === 'running') {
      await new Promise(function (resolve) { setTimeout(resolve, POLL_MS); });
      job = await api('GET', 'api/v1/partner/datasets/' + dataset.id + '/imports/' + job.id);
    }
    H.say(f, '', null);
    showReport(report, job);
    if (job.state === 'succeeded' && dry) { importButton.hidden = false; }
    if (job.state === 'succeeded' && !dry) {
      importButton.hidden = true;
      H.P.refresh();
      // A new dataset is now one the next file can be a new version of.
      if (!chosen() && !existing.some(function (d) { return d.id === dataset.id; })) {
        existing.push(dataset);
        offer(dataset);
      }
    }
  });
  f.dataset.auth = 'true';
  const target = H.make('select');
  target.name = 'target';
  target.appendChild(new Option(t('newDataset'), ''));
  function offer(d) { target.appendChild(new Option(d.name + ' · ' + H.I.date(d.created_at), d.id)); }
  existing.forEach(offer);
  H.field(f, 'target', t('importInto'), target);
  const versionHint = H.make('p', 'hint version-hint');
  versionHint.hidden = true;
  f.appendChild(versionHint);
  const picker = H.field(f, 'file', t('file'), H.input('file', 'file'));
  picker.accept = '.csv,.txt,.geojson,.json,.kml,.osm,.xml,.zip';
  const mapping = H.make('fieldset', 'cfield mapping');
  mapping.appendChild(H.make('legend', null, t('mappingTitle')));
  mapping.appendChild(H.make('p', 'hint', t('mappingHint')));
  const mappingError = H.make('p', 'field-error');
  mappingError.dataset.errorFor = 'mapping';
  mapping.appendChild(mappingError);
  const datasetFields = H.make('fieldset', 'cfield');
  datasetFields.appendChild(H.make('legend', null, t('datasetTitle')));
  H.field(datasetFields, 'name', t('datasetName'), H.input('text', 'name'));
  H.field(datasetFields, 'license', t('license'), H.input('text', 'license', 'CC-BY-4.0'));
  H.field(datasetFields, 'attribution', t('attribution'), H.input('text', 'attribution'));
  const category = H.make('select');
  category.name = 'category';
  H.P.state.categoryOrder.forEach(function (id) { category.appendChild(new Option(H.P.categoryName(id), id)); });
  H.field(datasetFields, 'category', H.t('category'), category);
  const crs = H.make('select');
  crs.name = 'crs';
  CRSS.forEach(function (c) { crs.appendChild(new Option(c, c)); });
  H.field(datasetFields, 'crs', t('crs'), crs);
  const distance = H.field(datasetFields, 'match_distance_m', t('matchDistance'), H.input('number', 'match_distance_m', '50'));
  distance.inputMode = 'numeric';
  f.appendChild(datasetFields);
  f.appendChild(mapping);

  // The page does not edit datasets (the API's PATCH does): a field changed after a dry run makes the next dry run
  // create a new dataset (or go to the chosen existing one), and the import waits for that dry run.
  f.addEventListener('change', function (e) {
    if (e.target !== picker) { dataset = chosen(); importButton.hidden = true; }
  });
  // A new version keeps its dataset's name, licence and mapping: those fields are not asked again.
  target.addEventListener('change', function () {
    const d = chosen();
    datasetFields.hidden = mapping.hidden = d !== null;
    versionHint.hidden = d === null;
    versionHint.textContent = d ? t('newVersionHint', { name: d.name }) : '';
    report.textContent = '';
  });
  picker.addEventListener('change', async function () {
    file = picker.files[0] || null;
    dataset = chosen();
    importButton.hidden = true;
    report.textContent = '';
    Array.prototype.slice.call(mapping.querySelectorAll('.cfield')).forEach(function (n) { n.remove(); });
    if (!file) { return; }
    if (!f.elements.name.value) { f.elements.name.value = file.name.replace(/\.[^.]+$/, ''); }
    // Columns come from the header: the first 64 KB hold it in any sane file. Formats without one map by tag names.
    const columns = /\.(csv|txt)$/i.test(file.name) ? headerOf(await file.slice(0, 65536).text()) : [];
    TARGETS.forEach(function (target) {
      const select = H.make('select');
      select.name = 'map-' + target;
      select.appendChild(new Option(t('noColumn'), ''));
      columns.forEach(function (c) { select.appendChild(new Option(c, c)); });
      select.value = guess(target, columns);
      const def = H.P.state.core[target];
      H.field(mapping, 'mapping.' + target, def ? H.I.label(def.labels, target) + ' (' + target + ')' : target, select);
    });
  });

  const run = H.submitRow(f, t('dryRun'));
  run.addEventListener('click', function () { f.dataset.run = 'dry'; });
  const importButton = H.make('button', 'primary', t('runImport'));
  importButton.type = 'submit';
  importButton.id = 'run-import';
  importButton.hidden = true;
  importButton.addEventListener('click', function () { f.dataset.run = 'import'; });
  run.parentNode.appendChild(importButton);
  run.id = 'dry-run';
  const report = H.make('div', 'import-report');
  report.id = 'import-report';
  report.setAttribute('role', 'status');
  body.appendChild(report);

  H.linkButton(body, t('feedback'), function () { showFeedback(feedback); }).id = 'show-feedback';
  const feedback = H.make('div', 'feedback');
  feedback.id = 'feedback';
  body.appendChild(feedback);
  H.linkButton(body, t('forgetKey'), function () {
    try { sessionStorage.removeItem(KEY); } catch (e) { /* storage disabled */ }
    dataset = null;
    body.textContent = '';
    keyForm(body);
  }, 'link-button sign-out');
  import('./partner-reviews.js').then(function (m) { m.attach(body, H, key); });
}

function datasetBody(f) {
  const mapping = {};
  TARGETS.forEach(function (target) {
    const select = f.elements['map-' + target];
    if (select && select.value) { mapping[target] = select.value; }
  });
  const distance = Number(f.elements.match_distance_m.value);
  return {
    name: f.elements.name.value.trim(), license: f.elements.license.value.trim(), attribution: f.elements.attribution.value.trim(),
    category: f.elements.category.value, crs: f.elements.crs.value, mapping: mapping,
    match_distance_m: f.elements.match_distance_m.value.trim() === '' ? null : distance
  };
}

function showReport(container, job) {
  const t = H.t, I = H.I;
  container.textContent = '';
  container.dataset.state = job.state;
  container.dataset.dryRun = String(job.dry_run);
  container.appendChild(H.make('h3', null, t('reportTitle')));
  if (job.state !== 'succeeded') {
    container.appendChild(H.make('p', 'action-message error', t('failedImport', { e: job.error || job.state })));
    return;
  }
  container.appendChild(H.make('p', 'action-message done', job.dry_run ? t('dryRunReport') : t('importedReport')));
  const r = job.report || {};
  const dl = H.make('dl', 'report-counts');
  [['rows_read', 'rowsRead'], ['created', 'created'], ['merged', 'merged'], ['updated', 'updated'], ['unchanged', 'unchanged'],
    ['removed_at_source', 'removedAtSource'], ['returned_at_source', 'returnedAtSource'], ['needing_review', 'needingReview'],
    ['rejected_count', 'rejected']].forEach(function (pair) {
    count(pair[0], pair[1], r[pair[0]] || 0);
  });
  // Removals at source are not closed by the import: each one opens a vote (or finds one open), and a record back at
  // source withdraws the vote its removal opened. In a dry run these are the votes the import would open.
  const closures = r.closure_proposals_needed || [];
  count('closures_opened', 'closuresOpened', closures.filter(function (c) { return c.proposal_opened; }).length);
  count('closures_withdrawn', 'closuresWithdrawn', (r.closure_proposals_withdrawn || []).length);
  container.appendChild(dl);
  const closureList = H.make('ul', 'closure-list');
  closures.slice(0, 100).forEach(function (c) {
    const li = H.make('li', null, t(c.proposal_opened ? 'closureOpened' : 'closurePending', { id: c.external_id }));
    li.dataset.facilityId = c.facility_id;
    closureList.appendChild(li);
  });
  container.appendChild(closureList);
  function count(name, label, value) {
    const row = H.make('div');
    row.dataset.count = name;
    row.appendChild(H.make('dt', null, t(label)));
    row.appendChild(H.make('dd', null, I.number(value)));
    dl.appendChild(row);
  }
  const rejected = H.make('ul', 'rejected-rows');
  (r.rejected || []).slice(0, 100).forEach(function (x) { rejected.appendChild(H.make('li', null, t('rowReason', { row: x.row, reason: x.reason }))); });
  container.appendChild(rejected);
  container.scrollIntoView({ block: 'start' });
}

async function showFeedback(container) {
  const t = H.t, I = H.I;
  container.textContent = t('importing');
  try {
    const page = await api('GET', 'api/v1/partner/feedback?limit=50');
    container.textContent = '';
    if (!page.items.length) { container.appendChild(H.make('p', 'empty', t('noFeedback'))); return; }
    const list = H.make('ul', 'proposal-list');
    page.items.forEach(function (item) {
      const li = H.make('li', 'proposal-row');
      li.dataset.kind = item.kind;
      li.appendChild(H.make('strong', null, (t('feedbackKinds')[item.kind] || item.kind) + ' · ' + I.date(item.at)));
      const d = item.details || {};
      const changes = d.changes ? Object.keys(d.changes).map(function (k) { return k + ': ' + JSON.stringify(d.changes[k].from) + ' → ' + JSON.stringify(d.changes[k].to); }) : [];
      li.appendChild(H.make('span', 'row-meta', [d.author_name, d.reason].concat(changes).filter(Boolean).join(' · ')));
      list.appendChild(li);
    });
    container.appendChild(list);
  } catch (e) {
    container.textContent = t('failed', { reason: e.message });
  }
}
