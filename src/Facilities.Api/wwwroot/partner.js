// A government partner's part of the map page (loaded from the contributor panel): with the partner's API key, choose
// a file, map its columns (offered from the file's fields as an import reads them) in a new dataset or bring a new version of one of the
// partner's datasets, run a dry run, read the report, import, and read the feedback on the partner's facilities.
// The key stays in sessionStorage: it is a secret, gone with the tab.
const KEY = 'facilities.partnerKey';
const CRSS = ['EPSG:4326', 'EPSG:3857', 'EPSG:27700', 'EPSG:4490', 'GCJ-02', 'BD-09'];
// What a mapping can fill, in the order offered; the API checks each against the category.
// lon and lat are the one coordinate pair, in whichever system the CRS says (longitude/latitude or easting/northing).
const TARGETS = ['id', 'lon', 'lat', 'name', 'operator', 'opening_hours', 'access', 'fee', 'wheelchair', 'changing_table', 'gender'];
// Licences partners publish under, none preselected: the partner says which one.
const LICENSES = [['OGL-UK-3.0', 'Open Government Licence v3.0 (UK)'], ['CC-BY-4.0', 'CC BY 4.0'], ['ODbL-1.0', 'ODbL 1.0'],
  ['CC0-1.0', 'CC0 1.0'], ['LicenseRef-KOGL-Type1', 'KOGL Type 1 (Korea)']];
const PREVIEW_ROWS = 5;
// The records read for the page's guesses, the most a sample gives: a file may say an attribute first well into its
// records (Wandsworth's first "Baby-Changing" is in its 60th placemark).
const SAMPLED_RECORDS = 500;
// How much of a file is sent for its sample: a CSV's head holds its first rows; a KML, JSON or OSM file goes whole up to
// WHOLE_BYTES, as its first records may come after a long run of other elements (an OSM extract's untagged nodes).
const HEAD_BYTES = 4 << 20;
const WHOLE_BYTES = 64 << 20;
const RECORDS_SHOWN = 200;
const POLL_MS = 400;

const words = {
  en: {
    partnerTitle: 'Partner data import', apiKey: 'API key', useKey: 'Use this key', keyRefused: 'This API key is not valid.',
    file: 'File (CSV, GeoJSON, KML, OSM XML, zipped Shapefile)', datasetTitle: 'Dataset', datasetName: 'Name', license: 'Licence (SPDX)',
    attribution: 'Attribution', crs: 'Coordinate system', matchDistance: 'Match distance (m)', mappingTitle: 'Columns',
    mappingHint: 'Which column of the file holds each value (its columns or fields, as an import reads them).', noColumn: '(none)', dryRun: 'Dry run',
    runImport: 'Import', importing: 'Working…', reportTitle: 'Report', dryRunReport: 'Dry run: nothing was written.',
    importedReport: 'Imported.', failedImport: 'The import failed: {e}', rowsRead: 'Rows read', created: 'Created', merged: 'Merged into existing',
    updated: 'Updated', unchanged: 'Unchanged', removedAtSource: 'Removed at source', returnedAtSource: 'Back at source', needingReview: 'Needing review', rejected: 'Rejected',
    rowReason: 'Row {row}: {reason}', feedback: 'Feedback on your facilities', noFeedback: 'No feedback yet.', chooseFile: 'Choose a file first.',
    feedbackKinds: { community_change: 'Community change', dispute: 'Dispute' }, forgetKey: 'Forget the key',
    importInto: 'Import into', newDataset: 'A new dataset', newVersionHint: 'A new version of “{name}”, with its columns as first mapped. Records missing from the file are removed at source; the community votes on closing their facilities.',
    closuresOpened: 'Closures put to the vote', closuresWithdrawn: 'Closure votes withdrawn',
    closureOpened: 'Record {id} is gone from the file: the community votes on closing its facility.',
    closurePending: 'Record {id} is gone from the file: a vote on closing its facility is already open.',
    chooseLicense: 'Choose…',
    coordX: 'Longitude or easting (x)', coordY: 'Latitude or northing (y)', crsGuessed: 'Guessed from the coordinates: {crs}.',
    previewTitle: 'The first rows as they would be imported', ignoredTitle: 'Values left out',
    ignoredLine: '{attribute}: {count} left out — {reason}', recordsTitle: 'Records', allOutcomes: 'All outcomes',
    outcomes: { created: 'Created', merged: 'Merged', updated: 'Updated', unchanged: 'Unchanged', review: 'In review', rejected: 'Rejected' },
    colRow: 'Row', colRecord: 'Record', colOutcome: 'Outcome', colFacility: 'Facility', colDetail: 'Reason, values left out',
    downloadRecords: 'Download the records (CSV)', missingColumn: 'The file has no column {columns} for {field}.', moreRecords: 'The first {n} are shown; the CSV has them all.',
    preset: 'Start from a preset', noPreset: 'None: map the columns below',
    presetNote: 'The {preset} preset’s mapping is used, with its value maps and cleanups (the columns above show where it reads). A column you change is sent with “extends”: the preset’s fields with yours over them; “(none)” drops that field.',
    crsFromPreset: 'From the {preset} preset.', openFacility: 'Open facility {id} on the map',
    dryRunAgain: 'The definition changed: run a dry run again before importing.', showMerged: 'Show which facilities',
    settleReviews: 'Settle them under “Matches to settle”', readingFile: 'Reading the file…',
    crsFromFile: 'Given by the file: {crs}.', positionFromFile: 'The record’s own position, from the file’s geometry',
    fileStopped: 'Only the first {n} records could be read: {reason} An import of this file would fail.',
    saysYes: 'Yes where its text says', saysNo: 'No where its text says',
    crsOfPrj: 'The file’s .prj gives its own system ({crs}): the import places the records by it, whatever is chosen here.'
  },
  'zh-Hans': {
    partnerTitle: '合作方数据导入', apiKey: 'API 密钥', useKey: '使用此密钥', keyRefused: '此 API 密钥无效。',
    file: '文件（CSV、GeoJSON、KML、OSM XML、Shapefile 压缩包）', datasetTitle: '数据集', datasetName: '名称', license: '许可（SPDX）',
    attribution: '署名', crs: '坐标系', matchDistance: '匹配距离（米）', mappingTitle: '列',
    mappingHint: '每一项取自文件的哪一列（即导入时读到的文件列或字段）。', noColumn: '（无）', dryRun: '试运行',
    runImport: '导入', importing: '处理中…', reportTitle: '报告', dryRunReport: '试运行：没有写入任何数据。',
    importedReport: '已导入。', failedImport: '导入失败：{e}', rowsRead: '读取行数', created: '新建', merged: '合并到已有设施',
    updated: '更新', unchanged: '未变', removedAtSource: '源数据中已删除', returnedAtSource: '源数据中重新出现', needingReview: '待人工审核', rejected: '被拒绝',
    rowReason: '第 {row} 行：{reason}', feedback: '关于你的设施的反馈', noFeedback: '暂无反馈。', chooseFile: '请先选择文件。',
    feedbackKinds: { community_change: '社区修改', dispute: '争议' }, forgetKey: '忘记密钥',
    importInto: '导入到', newDataset: '新数据集', newVersionHint: '“{name}”的新版本，沿用首次设定的列。文件中不再出现的记录视为源数据中已删除，由社区投票决定是否关闭对应设施。',
    closuresOpened: '交由投票的关闭', closuresWithdrawn: '撤回的关闭投票',
    closureOpened: '记录 {id} 已不在文件中：由社区投票决定是否关闭其设施。',
    closurePending: '记录 {id} 已不在文件中：关闭其设施的投票已在进行。',
    chooseLicense: '请选择…',
    coordX: '经度或东坐标（x）', coordY: '纬度或北坐标（y）', crsGuessed: '根据坐标推测：{crs}。',
    previewTitle: '前几行的导入预览', ignoredTitle: '被略去的值',
    ignoredLine: '{attribute}：略去 {count} 个 — {reason}', recordsTitle: '记录', allOutcomes: '全部结果',
    outcomes: { created: '新建', merged: '合并', updated: '更新', unchanged: '未变', review: '待审核', rejected: '被拒绝' },
    colRow: '行', colRecord: '记录', colOutcome: '结果', colFacility: '设施', colDetail: '原因、略去的值',
    downloadRecords: '下载记录（CSV）', missingColumn: '文件中没有 {field} 所需的列 {columns}。', moreRecords: '只显示前 {n} 条；CSV 中有全部记录。',
    preset: '从预设开始', noPreset: '不用预设：在下方选择列',
    presetNote: '使用预设 {preset} 的映射，包括其值映射和清理规则（上方的列显示它从哪里读取）。你改动的列以 “extends” 发送：预设的字段，加上你改动的字段；选“（无）”则去掉该字段。',
    crsFromPreset: '取自预设 {preset}。', openFacility: '在地图上打开设施 {id}',
    dryRunAgain: '定义已改动：导入前请再试运行一次。', showMerged: '查看是哪些设施',
    settleReviews: '在“待确认的匹配”中处理', readingFile: '正在读取文件…',
    crsFromFile: '由文件指定：{crs}。', positionFromFile: '记录自身的位置，取自文件中的几何',
    fileStopped: '只能读取前 {n} 条记录：{reason} 导入此文件会失败。',
    saysYes: '文字中写有此内容时为“是”', saysNo: '文字中写有此内容时为“否”',
    crsOfPrj: '文件的 .prj 给出了自己的坐标系（{crs}）：无论这里选择什么，导入都按它定位记录。'
  }
};

let H = null;      // the panel's helpers (contrib.js)
let dataset = null;

function key() { try { return sessionStorage.getItem(KEY); } catch (e) { return null; } }

async function api(method, url, body, signal) {
  const headers = { Accept: 'application/json', 'X-Api-Key': key() || '' };
  if (body !== undefined && !(body instanceof FormData)) { headers['Content-Type'] = 'application/json'; }
  const r = await fetch(url, { method: method, headers: headers, body: body instanceof FormData ? body : body === undefined ? undefined : JSON.stringify(body), signal: signal });
  if (r.ok) { return r.json(); }
  const p = await r.json().catch(function () { return {}; });
  const e = new Error(p.detail || p.title || String(r.status));
  e.status = r.status;
  e.problem = p;
  throw e;
}

/**
 * The first records of the file as the importer reads them, from the server (POST file-samples), so the columns offered
 * are the ones an import reads in every format. A zip goes whole (its directory is at its end); a CSV larger than
 * HEAD_BYTES sends its head, and another format its head past WHOLE_BYTES: the server reads a head as far as it goes.
 */
function sampleOf(file, signal) {
  const limit = /\.zip$/i.test(file.name) ? Infinity : /\.(csv|tsv|txt)$/i.test(file.name) ? HEAD_BYTES : WHOLE_BYTES;
  const head = file.size > limit;
  const data = new FormData();
  data.append('file', head ? file.slice(0, limit, file.type) : file, file.name);
  return api('POST', 'api/v1/partner/file-samples?limit=' + SAMPLED_RECORDS + (head ? '&head=true' : ''), data, signal);
}

// Header words people use, compared without case, spaces, dashes or underscores, in English, Chinese and Korean.
const SYNONYMS = {
  id: ['id', '@id', 'ref', 'fid', 'objectid', 'facilityid', 'socrataid', 'recordid', 'siteid', 'toiletid', '编号', '序号', '번호', '관리번호'],
  name: ['name', 'sitename', 'facilityname', 'toiletname', 'locationtext', 'title', '名称', '名字', '厕所名称', '화장실명', '시설명', '명칭'],
  opening_hours: ['openinghours', 'openingtimes', 'openingtime', 'hours', 'opening', 'openhours', '开放时间', '营业时间', '운영시간', '개방시간'],
  operator: ['operator', 'managedby', 'manager', 'owner', '管理单位', '管理方', '관리기관명', '관리기관'],
  wheelchair: ['wheelchair', 'accessible', 'disabledaccess', 'disabledfacilities', 'accessiblecategory', '无障碍', '장애인'],
  fee: ['fee', '收费'],
  changing_table: ['changingtable', 'babychange', 'babychanging', 'babychangingfacilities', '婴儿护理台', '기저귀교환대유무'],
  access: ['access'],
  gender: ['gender', 'sex', '性别']
};
// Coordinate pairs in the order a person would take them: a projected pair first (a council's own grid), then lon/lat.
const PAIRS = [
  [['easting', 'x', 'geox', 'gridrefx', 'xcoordinate', 'eastings'], ['northing', 'y', 'geoy', 'gridrefy', 'ycoordinate', 'northings']],
  [['longitude', 'lon', 'lng', 'long', '经度', 'wgs84경도', '경도', 'x좌표'], ['latitude', 'lat', '纬度', 'wgs84위도', '위도', 'y좌표']]
];

// Words for a column of place names, the name when the file has no name column (Barking's "Location").
const PLACE_WORDS = ['location', 'site', 'place', 'locationname', 'premises', '位置', '地点', '地址', '위치'];
// A cell that is a coordinate pair, as Camden's "Location" is: "(51.549337, -0.18195)".
const COORDINATE_PAIR = /^[\s([]*-?\d+(\.\d+)?\s*[,;\s]\s*-?\d+(\.\d+)?[\s)\]]*$/;
// The values FieldTransform's hours_24_7 reads as 24/7 (Features/Imports/Mapping/FieldSpec.cs), for the preview.
const ALL_DAY = /^\s*(open\s+)?(24\s*(hours?|hrs?|h)(\s*(a day|daily))?([\s,]*(7 days( a week)?|every day|all week))?|24\s*[/x]\s*7|always open)\s*\.?\s*$/i;

// Phrases that state an attribute in a file's prose, as Wandsworth's descriptions say "Disabled Access" and
// "Baby-Changing"; matched without case, and with any spaces, dashes or underscores between their words.
const TEXT_PHRASES = {
  wheelchair: ['disabled access', 'wheelchair access', 'wheelchair accessible', 'accessible toilet', 'disabled toilet', '无障碍', '장애인'],
  changing_table: ['baby changing', 'baby change', 'changing table', '婴儿护理', '기저귀']
};
// A column whose first values run longer than this holds prose, where a phrase can say the attribute.
const PROSE_CHARS = 24;

function escapeRegex(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }
function phraseRegex(phrase) { return phrase.trim().split(/[\s\-_]+/).map(escapeRegex).join('[\\s\\-_]*'); }

/** A cell's text as the server's strip_html and collapse_spaces leave it: tags as spaces, entities decoded. */
function plainText(cell) {
  const decode = document.createElement('textarea');
  decode.innerHTML = String(cell).replace(/<[^>]*>/g, ' ');
  return decode.value.replace(/\s+/g, ' ').trim();
}

// Not inside a word: "Casino Disabled Access" does not say "No Disabled Access". The same in .NET and in JavaScript's
// Unicode mode.
const WORD_START = '(?<![\\p{L}\\p{N}])';

/**
 * Where a file says an attribute in its prose: the first column whose first values contain one of the attribute's
 * phrases, the phrase as the file spells it, and the file's spelling of its negation ("No Disabled Access") if any.
 */
export function guessPhrase(target, columns, rows) {
  const phrases = TEXT_PHRASES[target] || [];
  for (let p = 0; p < phrases.length; p++) {
    const yes = new RegExp(phraseRegex(phrases[p]), 'i');
    for (let at = 0; at < columns.length; at++) {
      const cells = rows.map(function (r) { return plainText(r[at] || ''); });
      const found = cells.map(function (c) { return c.match(yes); }).find(Boolean);
      if (!found) { continue; }
      const no = new RegExp(WORD_START + '(no[\\s\\-_]+' + phraseRegex(found[0]) + ')', 'iu');
      const negated = cells.map(function (c) { return c.match(no); }).find(Boolean);
      return { column: columns[at], yes: found[0].replace(/\s+/g, ' '), no: negated ? negated[1].replace(/\s+/g, ' ') : '' };
    }
  }
  return null;
}

/**
 * The field of a column whose text says yes or no by a phrase: HTML and runs of spaces cleaned away, the first of the
 * phrases found (the negation first, so "No Disabled Access" is not read as "Disabled Access"), mapped to yes or no;
 * a row that says neither gives no value. said: the rule's words, { yes, no }, one of them maybe blank.
 */
function phraseField(column, said) {
  const phrases = [[said.no, 'no'], [said.yes, 'yes']].filter(function (p) { return p[0].trim(); });
  // Pattern keys, so the phrase matches however its words are separated in each row ("Baby Changing", "Baby-Changing").
  const values = {};
  phrases.forEach(function (p) { values['/(?i)^' + phraseRegex(p[0]) + '$/'] = p[1]; });
  return {
    column: column, transform: ['strip_html', 'collapse_spaces'],
    pattern: '(?i)' + WORD_START + '(' + phrases.map(function (p) { return phraseRegex(p[0]); }).join('|') + ')', values: values
  };
}

/** What phraseField's field gives for a cell, read with the field's own pattern and keys, for the preview (the server
 * applies the field when the file is imported). */
function phraseValue(cell, said) {
  const field = phraseField('', said);
  const m = plainText(cell).match(dotnetRegex(field.pattern));
  if (!m) { return ''; }
  const key = Object.keys(field.values).find(function (k) { return dotnetRegex(k.slice(1, -1)).test(m[1]); });
  return key ? field.values[key] : '';
}

// A pattern phraseField writes for .NET, in JavaScript: its leading (?i) as the i flag, in Unicode mode for WORD_START.
function dotnetRegex(pattern) { return new RegExp(pattern.replace(/^\(\?i\)/, ''), 'iu'); }

/** The words of a target's phrase rule, or null when it has none (or the target has no rule). */
function phrasesOf(f, target) {
  if (!TEXT_PHRASES[target]) { return null; }
  const said = { yes: f.elements['says-yes-' + target].value, no: f.elements['says-no-' + target].value };
  return said.yes.trim() || said.no.trim() ? said : null;
}

function setPhrases(f, target, said) {
  f.elements['says-yes-' + target].value = said ? said.yes : '';
  f.elements['says-no-' + target].value = said ? said.no : '';
}

function norm(s) { return String(s).toLowerCase().replace(/[\s_\-.()]/g, ''); }

/** A first guess of the column for a target: the same name, or a usual synonym, in the order the synonyms list. */
export function guess(target, columns) {
  const lower = columns.map(norm);
  const names = (SYNONYMS[target] || [target]).map(norm);
  for (let i = 0; i < names.length; i++) { const at = lower.indexOf(names[i]); if (at >= 0) { return columns[at]; } }
  return '';
}

/**
 * The record id column: the first of the id words whose first values are all there and all different. A column with
 * a repeat is not a record id (two toilets in one building), and rows sharing an id would be rejected as duplicates.
 * A UPRN names a property, not a toilet: Hillingdon's file has one building's twice, Barnet's none, so it is not guessed.
 */
export function guessId(columns, rows) {
  const lower = columns.map(norm);
  const names = SYNONYMS.id.map(norm);
  for (let i = 0; i < names.length; i++) {
    const at = lower.indexOf(names[i]);
    if (at < 0) { continue; }
    const values = rows.map(function (r) { return (r[at] || '').trim(); });
    if (values.every(Boolean) && new Set(values).size === values.length) { return columns[at]; }
  }
  return '';
}

/** The name column, else a column of place names whose sample values are not coordinates. */
export function guessName(columns, rows) {
  const named = guess('name', columns);
  if (named) { return named; }
  const lower = columns.map(norm);
  for (let w = 0; w < PLACE_WORDS.length; w++) {
    const at = lower.indexOf(norm(PLACE_WORDS[w]));
    if (at < 0) { continue; }
    const values = rows.map(function (r) { return r[at] || ''; }).filter(Boolean);
    if (values.length && values.every(function (v) { return !COORDINATE_PAIR.test(v); })) { return columns[at]; }
  }
  return '';
}

/** The coordinate pair: the first of PAIRS the header has both of, as [x column, y column], or ['', '']. */
export function guessPair(columns) {
  const lower = columns.map(norm);
  for (let p = 0; p < PAIRS.length; p++) {
    const x = PAIRS[p][0].map(norm).map(function (n) { return lower.indexOf(n); }).find(function (at) { return at >= 0; });
    const y = PAIRS[p][1].map(norm).map(function (n) { return lower.indexOf(n); }).find(function (at) { return at >= 0; });
    if (x !== undefined && y !== undefined) { return [columns[x], columns[y]]; }
  }
  return ['', ''];
}

/** The CRS the values' ranges say, or null: degrees, the British National Grid, or Web Mercator metres. */
export function guessCrs(xs, ys) {
  const pairs = xs.map(function (x, i) { return [Number(String(x).replace(',', '.')), Number(String(ys[i]).replace(',', '.'))]; })
    .filter(function (p) { return isFinite(p[0]) && isFinite(p[1]) && !(p[0] === 0 && p[1] === 0); });
  if (!pairs.length) { return null; }
  const all = function (test) { return pairs.every(function (p) { return test(p[0], p[1]); }); };
  if (all(function (x, y) { return Math.abs(x) <= 180 && Math.abs(y) <= 90; })) { return 'EPSG:4326'; }
  if (all(function (x, y) { return x >= 0 && x <= 700000 && y >= 0 && y <= 1300000; })) { return 'EPSG:27700'; }
  if (all(function (x, y) { return Math.abs(x) <= 20037509 && Math.abs(y) <= 20048967; })) { return 'EPSG:3857'; }
  return null;
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
  let suggestedName = null;
  // The partner's datasets, for a new version of one of them (a periodic re-export is the usual case).
  let existing = [];
  try { existing = await api('GET', 'api/v1/partner/datasets'); } catch (e) { existing = []; }
  // Ready-made mappings for the schemas councils publish most; the server's list, so the page offers what it accepts.
  let presets = [];
  try { presets = await api('GET', 'api/v1/partner/presets'); } catch (e) { presets = []; }
  const chosen = function () { return existing.find(function (d) { return d.id === target.value; }) || null; };
  const f = H.form(body, async function (form) {
    // The submit button says which: a dry run first, then the import for real.
    const dry = form.dataset.run !== 'import';
    if (!file) { H.clearErrors(f); H.say(f, t('chooseFile'), 'error'); return; }
    H.clearErrors(f);
    dataset = chosen();
    H.say(f, t('importing'), null);
    // The report shown is the last run's: gone while the next one runs, which may answer differently.
    report.textContent = '';
    delete report.dataset.state;
    const data = new FormData();
    // A new dataset is a draft until the real import: its dry run creates nothing, and the import makes the dataset.
    // A text part (a Blob would be sent as a file named 'blob').
    if (!dataset) { data.append('definition', JSON.stringify(datasetBody(f))); }
    data.append('file', file, file.name);
    let job = await api('POST', (dataset ? 'api/v1/partner/datasets/' + dataset.id + '/imports' : 'api/v1/partner/imports') + (dry ? '?dry_run=true' : ''), data);
    while (job.state === 'queued' || job.state === 'running') {
      await new Promise(function (resolve) { setTimeout(resolve, POLL_MS); });
      job = await api('GET', 'api/v1/partner/imports/' + job.id);
    }
    H.say(f, '', null);
    await showReport(report, job);
    if (job.state === 'succeeded' && dry) { importButton.hidden = false; importButton.disabled = false; importHint.hidden = true; }
    if (job.state === 'succeeded' && !dry) {
      importButton.hidden = true;
      importHint.hidden = true;
      H.P.refresh();
      // A new dataset is now one the next file can be a new version of.
      if (!dataset && job.dataset_id && !existing.some(function (d) { return d.id === job.dataset_id; })) {
        const made = await api('GET', 'api/v1/partner/datasets/' + job.dataset_id);
        existing.push(made);
        offer(made);
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
  const fileError = f.querySelector('[data-error-for="file"]');
  // While the file is read: beside it, so the form's own message (a dry run's "Working…") is left alone.
  const fileStatus = H.make('p', 'hint file-status');
  fileStatus.setAttribute('role', 'status');
  picker.parentNode.insertBefore(fileStatus, fileError);
  const mapping = H.make('fieldset', 'cfield mapping');
  mapping.appendChild(H.make('legend', null, t('mappingTitle')));
  mapping.appendChild(H.make('p', 'hint', t('mappingHint')));
  const mappingError = H.make('p', 'field-error');
  mappingError.dataset.errorFor = 'mapping';
  mapping.appendChild(mappingError);
  const presetSelect = H.make('select');
  presetSelect.name = 'preset';
  presetSelect.appendChild(new Option(t('noPreset'), ''));
  presets.forEach(function (p) { presetSelect.appendChild(new Option(p.id + ' — ' + p.description, p.id)); });
  H.field(mapping, 'preset', t('preset'), presetSelect);
  const chosenPreset = function () { return presets.find(function (p) { return p.id === presetSelect.value; }) || null; };
  const datasetFields = H.make('fieldset', 'cfield');
  datasetFields.appendChild(H.make('legend', null, t('datasetTitle')));
  H.field(datasetFields, 'name', t('datasetName'), H.input('text', 'name'));
  const license = H.make('select');
  license.name = 'license';
  license.required = true;
  license.appendChild(new Option(t('chooseLicense'), ''));
  LICENSES.forEach(function (l) { license.appendChild(new Option(l[1] + ' (' + l[0] + ')', l[0])); });
  H.field(datasetFields, 'license', t('license'), license);
  H.field(datasetFields, 'attribution', t('attribution'), H.input('text', 'attribution'));
  const category = H.make('select');
  category.name = 'category';
  H.P.state.categoryOrder.forEach(function (id) { category.appendChild(new Option(H.P.categoryName(id), id)); });
  H.field(datasetFields, 'category', H.t('category'), category);
  const crs = H.make('select');
  crs.name = 'crs';
  CRSS.forEach(function (c) { crs.appendChild(new Option(c, c)); });
  H.field(datasetFields, 'crs', t('crs'), crs);
  const crsHint = H.make('p', 'hint crs-hint');
  crs.parentNode.appendChild(crsHint);
  crs.addEventListener('change', function () { crsHint.textContent = ''; });
  const distance = H.field(datasetFields, 'match_distance_m', t('matchDistance'), H.input('number', 'match_distance_m', '50'));
  distance.inputMode = 'numeric';
  f.appendChild(datasetFields);
  f.appendChild(mapping);
  const preview = H.make('div', 'mapping-preview');
  preview.id = 'mapping-preview';
  mapping.appendChild(preview);
  let sample = [];
  let header = [];
  // The records' own positions (x, y), for formats with geometry, and the CRS the file fixes for them, if it does.
  let positions = [];
  let fileCrs = null;
  let fileCrsName = null;
  let hasGeometry = false;
  mapping.addEventListener('change', function (e) {
    if (e.target === presetSelect) { applyPreset(); }
    // Another column for the attribute: the phrases were the old column's words.
    const target = e.target.name && e.target.name.indexOf('map-') === 0 ? e.target.name.slice(4) : null;
    if (target && TEXT_PHRASES[target]) { setPhrases(f, target, null); }
    showPhraseRules();
    showPreview(preview, f, header, sample, chosenPreset(), hasGeometry ? positions : null);
  });

  // The page does not edit datasets (the API's PATCH does): a field changed after a dry run makes the next dry run
  // create a new dataset (or go to the chosen existing one), and the import waits for that dry run: the report shown
  // is no longer the one the import would give.
  f.addEventListener('change', function (e) {
    if (e.target !== picker && !importButton.hidden) {
      dataset = chosen();
      importButton.disabled = true;
      importHint.hidden = false;
    }
  });
  // A new version keeps its dataset's name, licence and mapping: those fields are not asked again.
  target.addEventListener('change', function () {
    const d = chosen();
    datasetFields.hidden = mapping.hidden = d !== null;
    versionHint.hidden = d === null;
    versionHint.textContent = d ? t('newVersionHint', { name: d.name }) : '';
    report.textContent = '';
  });
  let reading = null;
  picker.addEventListener('change', async function () {
    file = picker.files[0] || null;
    dataset = chosen();
    importButton.hidden = true;
    importHint.hidden = true;
    report.textContent = '';
    Array.prototype.slice.call(mapping.querySelectorAll('.column-field')).forEach(function (n) { n.remove(); });
    // The last file's sample is no longer wanted (a zip may still be uploading it), nor what it showed.
    if (reading) { reading.abort(); reading = null; }
    header = [];
    sample = [];
    positions = [];
    fileCrs = fileCrsName = null;
    hasGeometry = false;
    preview.textContent = '';
    fileStatus.textContent = '';
    fileError.textContent = '';
    picker.removeAttribute('aria-invalid');
    if (!file) { return; }
    // The file's name as the dataset's, again for the next file chosen unless the partner wrote a name of their own.
    if (!f.elements.name.value || f.elements.name.value === suggestedName) {
      suggestedName = file.name.replace(/\.[^.]+$/, '');
      f.elements.name.value = suggestedName;
    }
    const ours = reading = new AbortController();
    fileStatus.textContent = t('readingFile');
    let read;
    try {
      read = await sampleOf(file, ours.signal);
    } catch (e) {
      // Aborted: another file was chosen, and its sample is the one to show.
      if (ours.signal.aborted) { return; }
      reading = null;
      fileStatus.textContent = '';
      fileError.textContent = e.message;
      picker.setAttribute('aria-invalid', 'true');
      return;
    }
    if (ours.signal.aborted) { return; }
    reading = null;
    fileStatus.textContent = '';
    if (read.stopped) { fileError.textContent = t('fileStopped', { n: read.records.length, reason: read.stopped }); }
    const columns = read.columns;
    sample = read.records.map(function (r) { return r.values; });
    positions = read.records.map(function (r) { return r.position; });
    fileCrs = read.crs;
    fileCrsName = read.crs_in_file;
    hasGeometry = read.has_geometry;
    header = columns;
    TARGETS.forEach(function (target) {
      const select = H.make('select');
      select.name = 'map-' + target;
      select.appendChild(new Option(t('noColumn'), ''));
      columns.forEach(function (c) { select.appendChild(new Option(c, c)); });
      const def = H.P.state.core[target];
      const label = target === 'lon' ? t('coordX') : target === 'lat' ? t('coordY') : def ? H.I.label(def.labels, target) + ' (' + target + ')' : target;
      H.field(mapping, 'mapping.' + target, label, select);
      select.parentNode.classList.add('column-field');
      if (TEXT_PHRASES[target]) { phraseRule(target); }
    });
    mapping.appendChild(preview);
    if (chosenPreset()) { applyPreset(); } else { applyGuesses(); }
    showPhraseRules();
    showPreview(preview, f, header, sample, chosenPreset(), hasGeometry ? positions : null);
  });

  /** Under an attribute a file may state in prose: the words of its chosen column that mean yes, and no. */
  function phraseRule(target) {
    const rule = H.make('div', 'column-field phrase-rule');
    rule.dataset.target = target;
    H.field(rule, 'says-yes.' + target, t('saysYes'), H.input('text', 'says-yes-' + target));
    H.field(rule, 'says-no.' + target, t('saysNo'), H.input('text', 'says-no-' + target));
    mapping.appendChild(rule);
  }

  /** A phrase rule shows where its column holds prose, or when it has words already. */
  function showPhraseRules() {
    mapping.querySelectorAll('.phrase-rule').forEach(function (rule) {
      const target = rule.dataset.target;
      const at = header.indexOf(f.elements['map-' + target].value);
      const prose = at >= 0 && sample.some(function (r) { return (r[at] || '').length > PROSE_CHARS; });
      rule.hidden = !(at >= 0 && (prose || phrasesOf(f, target)));
    });
  }

  /** The columns a person would pick: one coordinate pair (none when the records have their own positions), the CRS
   * the file fixes or its coordinates say, the usual header words. */
  function applyGuesses() {
    const pair = hasGeometry ? ['', ''] : guessPair(header);
    TARGETS.forEach(function (target) {
      const select = f.elements['map-' + target];
      if (!select) { return; }
      select.value = target === 'lon' ? pair[0] : target === 'lat' ? pair[1] : target === 'name' ? guessName(header, sample)
        : target === 'id' ? guessId(header, sample) : guess(target, header);
      delete select.dataset.preset;
      if (TEXT_PHRASES[target]) {
        // No column is named for it: the file may say it in its prose ("… Disabled Access").
        const said = select.value ? null : guessPhrase(target, header, sample);
        if (said) { select.value = said.column; }
        setPhrases(f, target, said);
      }
    });
    crsHint.textContent = '';
    if (fileCrs) {
      if (CRSS.indexOf(fileCrs) < 0) { crs.appendChild(new Option(fileCrs, fileCrs)); }
      crs.value = fileCrs;
      crsHint.textContent = t('crsFromFile', { crs: fileCrs });
      return;
    }
    // A .prj read by its WKT alone: no dataset CRS names it, and the import reads the positions by it whatever is chosen.
    if (fileCrsName) {
      crsHint.textContent = t('crsOfPrj', { crs: fileCrsName.replace(/^prj:/, '') });
      return;
    }
    const xi = header.indexOf(pair[0]), yi = header.indexOf(pair[1]);
    const at = positions.filter(Boolean);
    const guessed = xi >= 0 && yi >= 0 ? guessCrs(sample.map(function (r) { return r[xi]; }), sample.map(function (r) { return r[yi]; }))
      : hasGeometry && at.length ? guessCrs(at.map(function (p) { return p[0]; }), at.map(function (p) { return p[1]; })) : null;
    if (guessed && CRSS.indexOf(guessed) >= 0) {
      crs.value = guessed;
      crsHint.textContent = t('crsGuessed', { crs: guessed });
    }
  }

  /** The chosen preset's columns in the selects (where the file has them) and its CRS; each select remembers the
   * preset's column, so that only what the partner changes is sent over the preset. No preset: the guesses again. */
  function applyPreset() {
    const p = chosenPreset();
    if (!p) { applyGuesses(); return; }
    TARGETS.forEach(function (target) {
      const select = f.elements['map-' + target];
      if (!select) { return; }
      const column = presetColumn(p, target);
      const inFile = column ? header.find(function (c) { return c.toLowerCase() === column.toLowerCase(); }) : undefined;
      select.value = inFile || '';
      select.dataset.preset = select.value;
      if (TEXT_PHRASES[target]) { setPhrases(f, target, null); }
    });
    if (CRSS.indexOf(p.crs) < 0) { crs.appendChild(new Option(p.crs, p.crs)); }
    crs.value = p.crs;
    crsHint.textContent = t('crsFromPreset', { preset: p.id });
  }

  const run = H.submitRow(f, t('dryRun'));
  const importHint = H.make('p', 'hint import-hint', t('dryRunAgain'));
  importHint.id = 'import-hint';
  importHint.hidden = true;
  run.addEventListener('click', function () { f.dataset.run = 'dry'; });
  const importButton = H.make('button', 'primary', t('runImport'));
  importButton.type = 'submit';
  importButton.id = 'run-import';
  importButton.hidden = true;
  importButton.addEventListener('click', function () { f.dataset.run = 'import'; });
  run.parentNode.appendChild(importButton);
  run.parentNode.parentNode.insertBefore(importHint, run.parentNode.nextSibling);
  importButton.setAttribute('aria-describedby', importHint.id);
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
  import('./partner-reports.js').then(function (m) { m.attach(body, H, key); });
}

/** The column a preset reads a target from, or null (none, or a template or constant no single column shows). */
function presetColumn(preset, target) {
  const fields = (preset.mapping && preset.mapping.fields) || {};
  const spec = target === 'lon' ? fields.x || fields.lon : target === 'lat' ? fields.y || fields.lat : fields[target];
  if (typeof spec === 'string') { return spec; }
  if (spec && typeof spec.column === 'string') { return spec.column; }
  if (spec && typeof spec.tag === 'string') { return spec.tag; }
  return spec && Array.isArray(spec.columns) ? spec.columns[0] : null;
}

function datasetBody(f) {
  const preset = f.elements.preset.value;
  const fields = {};
  TARGETS.forEach(function (target) {
    const select = f.elements['map-' + target];
    if (!select) { return; }
    // The pair is x/y: in the dataset's CRS, degrees or metres alike.
    const key = target === 'lon' ? 'x' : target === 'lat' ? 'y' : target;
    const said = phrasesOf(f, target);
    if (select.value && said) {
      fields[key] = phraseField(select.value, said);
    } else if (preset) {
      // Over a preset only what the partner changed: a column, or "(none)" to drop the preset's field.
      if (select.value !== (select.dataset.preset || '')) { fields[key] = select.value ? select.value : null; }
    } else if (select.value) {
      // Hours written "24 hours" go in as 24/7; other values are left as they are.
      fields[key] = target === 'opening_hours' ? { column: select.value, transform: 'hours_24_7' } : select.value;
    }
  });
  const distance = Number(f.elements.match_distance_m.value);
  const body = {
    name: f.elements.name.value.trim(), license: f.elements.license.value.trim(), attribution: f.elements.attribution.value.trim(),
    category: f.elements.category.value, crs: f.elements.crs.value,
    match_distance_m: f.elements.match_distance_m.value.trim() === '' ? null : distance
  };
  if (preset) {
    body.preset = preset;
    if (Object.keys(fields).length) { body.mapping = { extends: preset, fields: fields }; }
  } else {
    body.mapping = { fields: fields };
  }
  return body;
}

/** The first rows as the mapping would import them, before the dry run: the mapped targets and each row's cell for them,
 * and the record's own position where the file has geometry and no coordinate columns are chosen. */
function showPreview(container, f, header, rows, preset, positions) {
  const t = H.t;
  container.textContent = '';
  if (preset) {
    const note = H.make('p', 'hint preset-note', t('presetNote', { preset: preset.id }));
    note.id = 'preset-note';
    container.appendChild(note);
  }
  const mapped = TARGETS.map(function (target) {
    const select = f.elements['map-' + target];
    return { target: target, at: select && select.value ? header.indexOf(select.value) : -1 };
  }).filter(function (m) { return m.at >= 0; });
  const placed = positions && !mapped.some(function (m) { return m.target === 'lon' || m.target === 'lat'; });
  if ((!mapped.length && !placed) || !rows.length) { return; }
  container.appendChild(H.make('h4', null, t('previewTitle')));
  const table = H.make('table', 'preview-table');
  const head = H.make('tr');
  mapped.forEach(function (m) { head.appendChild(H.make('th', null, m.target === 'lon' ? 'x' : m.target === 'lat' ? 'y' : m.target)); });
  if (placed) {
    ['x', 'y'].forEach(function (axis) {
      const th = H.make('th', 'file-position', axis);
      th.title = t('positionFromFile');
      head.appendChild(th);
    });
  }
  table.appendChild(head);
  rows.slice(0, PREVIEW_ROWS).forEach(function (row, i) {
    const tr = H.make('tr');
    mapped.forEach(function (m) {
      const cell = row[m.at] || '';
      const said = phrasesOf(f, m.target);
      tr.appendChild(H.make('td', null, said ? phraseValue(cell, said)
        : m.target === 'opening_hours' && !preset && ALL_DAY.test(cell) ? '24/7' : cell));
    });
    if (placed) {
      const p = positions[i];
      [0, 1].forEach(function (axis) { tr.appendChild(H.make('td', 'file-position', p ? String(Math.round(p[axis] * 1e6) / 1e6) : '')); });
    }
    table.appendChild(tr);
  });
  const scroll = H.make('div', 'table-scroll');
  scroll.appendChild(table);
  container.appendChild(scroll);
}

/** What each record became, filtered by outcome; a merged record names the facility it joined. */
async function showRecords(container, job, outcome) {
  const t = H.t;
  container.textContent = '';
  let page;
  try {
    page = await api('GET', 'api/v1/partner/imports/' + job.id + '/records?limit=' + RECORDS_SHOWN + (outcome ? '&outcome=' + outcome : ''));
  } catch (e) {
    container.textContent = t('failed', { reason: e.message });
    return;
  }
  const table = H.make('table', 'records-table');
  const head = H.make('tr');
  ['colRow', 'colRecord', 'colOutcome', 'colFacility'].forEach(function (k) { head.appendChild(H.make('th', null, t(k))); });
  table.appendChild(head);
  page.items.forEach(function (r) {
    const tr = H.make('tr');
    tr.dataset.outcome = r.outcome;
    tr.appendChild(H.make('td', null, String(r.row)));
    tr.appendChild(H.make('td', null, r.record_id || ''));
    tr.appendChild(H.make('td', null, t('outcomes')[r.outcome] || r.outcome));
    // The facility's id, short on a phone, as a link to it on the map (in a new tab: the report stays here); the
    // whole id in its title and data, and in the CSV.
    const facility = H.make('td', 'facility-id');
    if (r.facility_id) {
      const link = H.make('a', null, r.facility_id.slice(0, 8) + '…');
      link.href = location.href.split('#')[0] + '#/f/' + r.facility_id;
      link.target = '_blank';
      link.rel = 'noopener';
      link.title = r.facility_id;
      link.setAttribute('aria-label', t('openFacility', { id: r.facility_id }));
      facility.dataset.facilityId = r.facility_id;
      facility.appendChild(link);
    }
    tr.appendChild(facility);
    const detail = [r.reason].concat((r.ignored || []).map(function (i) { return i.attribute + ' ‘' + i.value + '’: ' + i.reason; })).filter(Boolean);
    table.appendChild(tr);
    // The reason and the values left out on a row of their own, the table's whole width: in a fifth column a phone
    // showed a few words a line, cut at the screen's edge.
    if (detail.length) {
      const more = H.make('tr', 'record-detail');
      const cell = H.make('td', null, detail.join(' · '));
      cell.colSpan = 4;
      cell.setAttribute('aria-label', t('colDetail') + ': ' + detail.join(' · '));
      more.appendChild(cell);
      table.appendChild(more);
    }
  });
  const scroll = H.make('div', 'table-scroll');
  scroll.appendChild(table);
  container.appendChild(scroll);
  if (page.total > page.items.length) { container.appendChild(H.make('p', 'hint', t('moreRecords', { n: page.items.length }))); }
}

async function downloadRecords(job) {
  const r = await fetch('api/v1/partner/imports/' + job.id + '/records.csv', { headers: { 'X-Api-Key': key() || '' } });
  if (!r.ok) { return; }
  const url = URL.createObjectURL(await r.blob());
  const a = H.make('a');
  a.href = url;
  a.download = 'import-' + job.id + '-records.csv';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
}

async function showReport(container, job) {
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
    // Which facilities the merged records joined: the records table, filtered. Records waiting for review are settled
    // in the page's "Matches to settle" (a dry run's are in its records only: it opened no review).
    if (name === 'merged' && value > 0) {
      H.linkButton(row, t('showMerged'), function () { showOutcome('merged'); }).id = 'show-merged';
    }
    if (name === 'needing_review' && value > 0) {
      H.linkButton(row, job.dry_run ? t('outcomes').review : t('settleReviews'), function () {
        if (job.dry_run) { showOutcome('review'); return; }
        const reviews = document.getElementById('show-reviews');
        if (reviews) { reviews.click(); reviews.scrollIntoView({ block: 'start' }); }
      }).id = 'show-needing-review';
    }
  }
  function showOutcome(outcome) {
    filter.value = outcome;
    showRecords(records, job, outcome).then(function () { records.scrollIntoView({ block: 'start' }); });
  }
  const missing = H.make('ul', 'missing-columns');
  (r.missing_columns || []).forEach(function (m) { missing.appendChild(H.make('li', 'error', t('missingColumn', { field: m.field, columns: m.columns.join(' / ') }))); });
  container.appendChild(missing);
  const rejected = H.make('ul', 'rejected-rows');
  (r.rejected || []).slice(0, 100).forEach(function (x) { rejected.appendChild(H.make('li', null, t('rowReason', { row: x.row, reason: x.reason }))); });
  container.appendChild(rejected);
  // The values left out, per attribute with the first one's reason; each record's own are in the table below.
  const ignored = Object.keys(r.ignored_values || {});
  if (ignored.length) {
    container.appendChild(H.make('h4', null, t('ignoredTitle')));
    const list = H.make('ul', 'ignored-values');
    ignored.forEach(function (a) {
      const li = H.make('li', null, t('ignoredLine', { attribute: a, count: I.number(r.ignored_values[a]), reason: (r.ignored_reasons || {})[a] || '' }));
      li.dataset.attribute = a;
      list.appendChild(li);
    });
    container.appendChild(list);
  }
  container.appendChild(H.make('h4', null, t('recordsTitle')));
  const filter = H.make('select');
  filter.id = 'records-outcome';
  filter.setAttribute('aria-label', t('colOutcome'));
  filter.appendChild(new Option(t('allOutcomes'), ''));
  Object.keys(t('outcomes')).forEach(function (o) { filter.appendChild(new Option(t('outcomes')[o], o)); });
  container.appendChild(filter);
  H.linkButton(container, t('downloadRecords'), function () { downloadRecords(job); }).id = 'download-records';
  const records = H.make('div', 'import-records');
  records.id = 'import-records';
  container.appendChild(records);
  filter.addEventListener('change', function () { showRecords(records, job, filter.value); });
  await showRecords(records, job, '');
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
