// The structured opening-hours editor and the live week preview, loaded the first time a contributor opens the editor
// or types into an opening_hours field (contrib.js). The editor writes OpenStreetMap opening_hours syntax into the text
// field, which stays the value sent; the preview asks GET /api/v1/opening-hours/week how the API reads that text, so
// the page never parses hours itself and free text is welcome whenever the API can read it.

// contrib.js loads this file, so importing from it reuses the module already running.
import { linkButton } from './contrib.js';

const DAYS = ['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const PREVIEW_DELAY_MS = 300;

const words = {
  en: {
    hoursEditor: 'Opening hours, day by day',
    hours247: 'Open 24 hours, every day',
    hoursRule: 'Days with the same hours',
    hoursDaysOf: 'Days',
    hoursHolidays: 'public holidays',
    hoursAllYear: 'All year',
    hoursSeason: 'Only some months',
    hoursSeasonLabel: 'When in the year',
    hoursSeasonFrom: 'From month',
    hoursSeasonTo: 'To month',
    hoursClosedDays: 'Closed on these days',
    hoursFrom: 'Opens',
    hoursTo: 'Closes',
    hoursAddRange: 'Add a time range',
    hoursRemoveRange: 'Remove this time range',
    hoursAddRule: 'Add days with other hours',
    hoursRemoveRule: 'Remove these days',
    hoursPreview: 'How the map reads these hours, the week of {date}:',
    hoursPreviewWeek: 'Week of',
    hoursNotReadable: 'The map cannot read these hours: {reason}',
    hoursPreviewFailed: 'No preview: {reason}',
    hoursOpenSpan: '{from}–{to}',
    hoursUnknownSpan: '{from}–{to} (unknown)',
    hoursClosedDay: 'closed',
    hoursUnknownDay: 'unknown',
    hoursHoliday: '{day} (holiday)',
    monthNames: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
  },
  'zh-Hans': {
    hoursEditor: '按天填写开放时间',
    hours247: '全天 24 小时开放',
    hoursRule: '开放时间相同的日子',
    hoursDaysOf: '日子',
    hoursHolidays: '节假日',
    hoursAllYear: '全年',
    hoursSeason: '仅部分月份',
    hoursSeasonLabel: '一年中的时段',
    hoursSeasonFrom: '起始月份',
    hoursSeasonTo: '结束月份',
    hoursClosedDays: '这些日子关闭',
    hoursFrom: '开门',
    hoursTo: '关门',
    hoursAddRange: '添加一个时段',
    hoursRemoveRange: '删除这个时段',
    hoursAddRule: '添加开放时间不同的日子',
    hoursRemoveRule: '删除这些日子',
    hoursPreview: '地图对这些开放时间的理解（{date} 起的一周）：',
    hoursPreviewWeek: '预览的一周',
    hoursNotReadable: '地图无法读懂这些开放时间：{reason}',
    hoursPreviewFailed: '无法预览：{reason}',
    hoursOpenSpan: '{from}–{to}',
    hoursUnknownSpan: '{from}–{to}（未知）',
    hoursClosedDay: '关闭',
    hoursUnknownDay: '未知',
    hoursHoliday: '{day}（节假日）',
    monthNames: ['一月', '二月', '三月', '四月', '五月', '六月', '七月', '八月', '九月', '十月', '十一月', '十二月']
  }
};

let P = null, t = null, I = null, make = null;
let seq = 0;

export function setup(page) {
  if (P) { return; }
  P = page; t = page.t; I = page.I;
  make = page.make;
  I.extend(words);
}

// ---- The opening_hours text the editor's state stands for ----------------------------------------------------------

/** Weekdays as OSM writes them: runs of three or more as ranges (Mo-Fr), others listed (Sa,Su), PH last. */
export function daySelector(days, holidays) {
  const parts = [];
  for (let i = 0; i < 7; i++) {
    if (!days[i]) { continue; }
    let j = i;
    while (j + 1 < 7 && days[j + 1]) { j++; }
    if (j - i >= 2) { parts.push(DAYS[i] + '-' + DAYS[j]); } else { for (let k = i; k <= j; k++) { parts.push(DAYS[k]); } }
    i = j;
  }
  if (holidays) { parts.push('PH'); }
  return parts.join(',');
}

// A closing time of 00:00 is midnight at the end of the day, which OSM writes 24:00.
function closing(to) { return to === '00:00' ? '24:00' : to; }

/** The opening_hours text of an editor state: { always, rules: [{ season, days[7], holidays, closed, ranges }] }. */
export function write(state) {
  if (state.always) { return '24/7'; }
  return state.rules.map(function (rule) {
    const parts = [];
    if (rule.season) {
      parts.push(rule.season.from === rule.season.to ? MONTHS[rule.season.from] : MONTHS[rule.season.from] + '-' + MONTHS[rule.season.to]);
    }
    const selector = daySelector(rule.days, rule.holidays);
    if (selector) { parts.push(selector); }
    if (rule.closed) {
      parts.push('off');
    } else {
      const ranges = rule.ranges.filter(function (r) { return r.from && r.to; })
        .map(function (r) { return r.from + '-' + closing(r.to); });
      if (ranges.length) { parts.push(ranges.join(',')); }
    }
    return parts.join(' ');
  }).filter(Boolean).join('; ');
}

// ---- Starting from what the field holds: the API's reading of its week ----------------------------------------------

function defaultState() {
  return { always: false, rules: [{ season: null, days: [true, true, true, true, true, false, false], holidays: false, closed: false, ranges: [{ from: '09:00', to: '17:00' }] }] };
}

/** The editor's state from the week the API read: days with the same open spans form one rule (seasons and holidays
 * beyond that week are not recovered; the editor writes only when something in it is changed). */
function stateFromWeek(week) {
  const full = week.days.every(function (d) { return d.spans.length === 1 && d.spans[0].from === '00:00' && d.spans[0].to === '24:00' && d.spans[0].open === true; });
  if (full) { return { always: true, rules: defaultState().rules }; }
  const groups = {};
  const order = [];
  week.days.forEach(function (d) {
    const open = d.spans.filter(function (s) { return s.open === true; });
    if (!open.length) { return; }
    const key = open.map(function (s) { return s.from + '-' + s.to; }).join(',');
    if (!groups[key]) {
      groups[key] = { season: null, days: [false, false, false, false, false, false, false], holidays: false, closed: false,
        ranges: open.map(function (s) { return { from: s.from, to: s.to === '24:00' ? '00:00' : s.to }; }) };
      order.push(key);
    }
    groups[key].days[DAYS.indexOf(d.weekday.charAt(0).toUpperCase() + d.weekday.charAt(1))] = true;
  });
  return order.length ? { always: false, rules: order.map(function (k) { return groups[k]; }) } : defaultState();
}

// ---- The editor ----------------------------------------------------------------------------------------------------

/**
 * Opens the editor under an opening_hours field (once). place() answers { lat, lon } for the holidays and sun times of
 * the preview, or null.
 */
export async function open(control, box, place) {
  const existing = box.querySelector('.hours-editor');
  if (existing) { existing.querySelector('input, select, button').focus(); return existing; }
  watch(control, box, place);
  let state = defaultState();
  if (control.value.trim()) {
    try { state = stateFromWeek(await P.getJson(weekUrl(control.value.trim(), place(), null))); } catch (e) { /* unreadable: start afresh */ }
  }
  const editor = make('fieldset', 'hours-editor');
  editor.id = 'hours-editor';
  const legend = make('legend', null, t('hoursEditor'));
  editor.appendChild(legend);
  const changed = function () {
    control.value = write(state);
    control.dispatchEvent(new Event('input', { bubbles: true }));
  };
  const always = checkbox(editor, t('hours247'), state.always, function (on) { state.always = on; draw(); changed(); });
  always.id = 'hours-247';
  const rules = make('div', 'hours-rules');
  editor.appendChild(rules);
  const addRule = linkButton(editor, t('hoursAddRule'), function () {
    state.rules.push({ season: null, days: [false, false, false, false, false, false, false], holidays: false, closed: false, ranges: [{ from: '09:00', to: '17:00' }] });
    draw();
    changed();
    rules.lastElementChild.querySelector('input').focus();
  });
  addRule.id = 'hours-add-rule';

  function draw() {
    rules.textContent = '';
    rules.hidden = addRule.hidden = state.always;
    state.rules.forEach(function (rule, index) { rules.appendChild(ruleEditor(rule, index)); });
  }

  function ruleEditor(rule, index) {
    const set = make('fieldset', 'hours-rule');
    set.dataset.rule = String(index);
    set.appendChild(make('legend', null, t('hoursRule') + (state.rules.length > 1 ? ' ' + (index + 1) : '')));
    const days = make('div', 'hours-days');
    days.setAttribute('role', 'group');
    days.setAttribute('aria-label', t('hoursDaysOf'));
    DAYS.forEach(function (d, i) {
      checkbox(days, I.t('days')[d], rule.days[i], function (on) { rule.days[i] = on; changed(); }).dataset.day = d;
    });
    checkbox(days, t('hoursHolidays'), rule.holidays, function (on) { rule.holidays = on; changed(); }).dataset.day = 'PH';
    set.appendChild(days);

    const season = make('div', 'hours-season');
    const whole = make('select');
    whole.setAttribute('aria-label', t('hoursSeasonLabel'));
    whole.dataset.part = 'season';
    whole.appendChild(new Option(t('hoursAllYear'), ''));
    whole.appendChild(new Option(t('hoursSeason'), 'season'));
    whole.value = rule.season ? 'season' : '';
    season.appendChild(whole);
    const from = monthSelect(t('hoursSeasonFrom'), rule.season ? rule.season.from : 3, 'season-from');
    const to = monthSelect(t('hoursSeasonTo'), rule.season ? rule.season.to : 9, 'season-to');
    const months = make('span', 'hours-months');
    months.appendChild(from);
    months.appendChild(make('span', null, '–'));
    months.appendChild(to);
    months.hidden = !rule.season;
    season.appendChild(months);
    const seasonChanged = function () {
      rule.season = whole.value ? { from: Number(from.value), to: Number(to.value) } : null;
      months.hidden = !rule.season;
      changed();
    };
    [whole, from, to].forEach(function (s) { s.addEventListener('change', seasonChanged); });
    set.appendChild(season);

    const ranges = make('div', 'hours-ranges');
    checkbox(set, t('hoursClosedDays'), rule.closed, function (on) { rule.closed = on; ranges.hidden = on; changed(); }).dataset.part = 'closed';
    ranges.hidden = rule.closed;
    rule.ranges.forEach(function (range, r) {
      const row = make('div', 'hours-range');
      row.dataset.range = String(r);
      row.appendChild(timeInput(t('hoursFrom'), range.from, 'from', function (v) { range.from = v; changed(); }));
      row.appendChild(make('span', null, '–'));
      row.appendChild(timeInput(t('hoursTo'), range.to, 'to', function (v) { range.to = v; changed(); }));
      if (rule.ranges.length > 1) {
        const remove = linkButton(row, '×', function () { rule.ranges.splice(r, 1); draw(); changed(); }, 'icon-button');
        remove.setAttribute('aria-label', t('hoursRemoveRange'));
        remove.title = t('hoursRemoveRange');
      }
      ranges.appendChild(row);
    });
    linkButton(ranges, t('hoursAddRange'), function () {
      const last = rule.ranges[rule.ranges.length - 1];
      rule.ranges.push({ from: last ? last.to : '09:00', to: '18:00' });
      draw();
      changed();
    }).dataset.part = 'add-range';
    set.appendChild(ranges);
    if (state.rules.length > 1) {
      linkButton(set, t('hoursRemoveRule'), function () { state.rules.splice(index, 1); draw(); changed(); }).dataset.part = 'remove-rule';
    }
    return set;
  }

  function monthSelect(label, value, part) {
    const s = make('select');
    s.setAttribute('aria-label', label);
    s.dataset.part = part;
    t('monthNames').forEach(function (name, i) { s.appendChild(new Option(name, String(i))); });
    s.value = String(value);
    return s;
  }

  draw();
  box.prepend(editor);
  const opener = box.querySelector('#hours-editor-open');
  if (opener) { opener.hidden = true; }
  if (!control.value.trim()) { changed(); }
  always.focus();
  return editor;
}

function checkbox(container, text, checked, onChange) {
  const label = make('label', 'check');
  const box = make('input');
  box.type = 'checkbox';
  box.checked = checked;
  box.addEventListener('change', function () { onChange(box.checked); });
  label.appendChild(box);
  label.appendChild(document.createTextNode(' ' + text));
  container.appendChild(label);
  return box;
}

function timeInput(label, value, part, onChange) {
  const i = make('input');
  i.type = 'time';
  i.step = 60;
  i.value = value;
  i.required = true;
  i.dataset.part = part;
  i.id = 'hours-time-' + (++seq);
  i.setAttribute('aria-label', label);
  // A time typed digit by digit is complete when input fires with a value; a picker fires change.
  const changed = function () { if (i.value) { onChange(i.value); } };
  i.addEventListener('input', changed);
  i.addEventListener('change', changed);
  return i;
}

// ---- The preview: how the API reads the field's text, as a week ----------------------------------------------------

function weekUrl(value, at, from) {
  return 'api/v1/opening-hours/week?value=' + encodeURIComponent(value) +
    (at ? '&lat=' + at.lat.toFixed(6) + '&lon=' + at.lon.toFixed(6) : '') + (from ? '&from=' + from : '');
}

/** Previews the field's week as it is typed or edited (once per field). */
export function watch(control, box, place) {
  if (box.querySelector('.hours-preview')) { return; }
  const preview = make('div', 'hours-preview');
  preview.id = 'hours-preview';
  preview.setAttribute('role', 'status');
  preview.setAttribute('aria-live', 'polite');
  const week = make('label', 'hours-week-of');
  week.appendChild(document.createTextNode(t('hoursPreviewWeek') + ' '));
  const date = make('input');
  date.type = 'date';
  date.dataset.part = 'week-of';
  week.appendChild(date);
  const result = make('div', 'hours-preview-result');
  preview.appendChild(week);
  preview.appendChild(result);
  box.appendChild(preview);
  let timer = null;
  let asked = 0;
  const read = function () {
    const value = control.value.trim();
    const mine = ++asked;
    result.textContent = '';
    if (!value) { preview.dataset.state = 'empty'; return; }
    preview.dataset.state = 'reading';
    P.getJson(weekUrl(value, place(), date.value || null)).then(function (answer) {
      if (mine !== asked) { return; }
      result.appendChild(make('p', 'hint', t('hoursPreview', { date: I.date(answer.days[0].date) })));
      result.appendChild(table(answer));
      preview.dataset.state = 'readable';
      preview.dataset.value = answer.value;
    }, function (e) {
      if (mine !== asked) { return; }
      const errors = (e.problem && e.problem.errors) || {};
      const reason = errors.value ? errors.value.join(' ') : e.message;
      result.appendChild(make('p', 'action-message error', e.status === 400 ? t('hoursNotReadable', { reason: reason }) : t('hoursPreviewFailed', { reason: reason })));
      preview.dataset.state = e.status === 400 ? 'unreadable' : 'failed';
    });
  };
  control.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(read, PREVIEW_DELAY_MS); });
  date.addEventListener('change', read);
  date.addEventListener('input', read);
  read();
}

function table(answer) {
  const tableEl = make('table', 'week hours-week');
  const body = make('tbody');
  answer.days.forEach(function (d) {
    const tr = make('tr');
    tr.dataset.day = d.weekday;
    tr.dataset.date = d.date;
    const name = I.t('days')[d.weekday.charAt(0).toUpperCase() + d.weekday.charAt(1)] + ' ' + d.date.slice(5);
    const th = make('th', null, d.public_holiday ? t('hoursHoliday', { day: name }) : name);
    th.scope = 'row';
    tr.appendChild(th);
    const spans = d.spans.map(function (s) { return t(s.open === null ? 'hoursUnknownSpan' : 'hoursOpenSpan', { from: s.from, to: s.to }); });
    tr.appendChild(make('td', null, spans.length ? spans.join(', ') : d.rest_unknown ? t('hoursUnknownDay') : t('hoursClosedDay')));
    body.appendChild(tr);
  });
  tableEl.appendChild(body);
  return tableEl;
}
