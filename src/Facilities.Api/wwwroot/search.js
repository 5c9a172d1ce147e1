// Search, loaded with the first tap on the search button: one box for places (the service's gazetteer, and addresses
// when it has a geocoder) and facility names (/api/v1/search). A place moves the map there; a facility opens its
// details. Answers are ordered nearest to the resident when the page knows where they are, else to the map centre.

const words = {
  en: {
    searchLabel: 'Search places and facilities',
    searchPlaceholder: 'A place, an address or a facility',
    closeSearch: 'Close search',
    places: 'Places',
    addresses: 'Addresses',
    facilitiesFound: 'Facilities',
    nothingFound: 'Nothing found for “{q}”.',
    searchFailed: 'Search did not work: {reason}',
    searching: 'Searching…'
  },
  'zh-Hans': {
    searchLabel: '搜索地点和设施',
    searchPlaceholder: '地点、地址或设施名称',
    closeSearch: '关闭搜索',
    places: '地点',
    addresses: '地址',
    facilitiesFound: '设施',
    nothingFound: '没有找到“{q}”。',
    searchFailed: '搜索失败：{reason}',
    searching: '正在搜索…'
  }
};

const STYLE = `
.search-panel { position: absolute; z-index: 1150; top: 56px; right: 0; left: 0; max-height: calc(100% - 56px); overflow-y: auto;
  padding: .6rem .75rem .75rem; background: #fff; box-shadow: 0 6px 16px rgba(0,0,0,.25); }
.search-row { display: flex; gap: .5rem; }
.search-row input { flex: 1; min-width: 0; min-height: 44px; padding: .4rem .6rem; border: 1px solid #767676; border-radius: 8px; }
.search-row button { min-width: 44px; padding: 0 .6rem; min-height: 44px; border: 1px solid #0b5394; border-radius: 8px; background: #fff; color: #0b5394; font-weight: 600; }
.search-panel h3 { font-size: .85rem; margin: .75rem 0 .25rem; color: #4a4a4a; text-transform: uppercase; letter-spacing: .03em; }
.search-results { list-style: none; margin: 0; padding: 0; }
.search-results button { display: block; width: 100%; min-height: 44px; padding: .45rem .25rem; border: 0; border-bottom: 1px solid #e0e0e0;
  background: none; text-align: left; }
.search-results .sub { display: block; font-size: .85rem; color: #4a4a4a; }
.search-status { margin: .5rem 0 0; color: #4a4a4a; }
.search-credit { margin: .5rem 0 0; font-size: .75rem; color: #595959; }
`;

const DEBOUNCE_MS = 250;
const PLACE_ZOOM = 13;
const ADDRESS_ZOOM = 17;
const FACILITY_ZOOM = 17;

let P = null, t = null, panel = null, input = null, status = null, results = null, credit = null;
let timer = null, controller = null, lastQuery = '';

function make(tag, className, text) { return P.make(tag, className, text); }

function setup(page) {
  P = page;
  t = page.t;
  page.I.extend(words);
  const style = document.createElement('style');
  style.textContent = STYLE;
  document.head.appendChild(style);

  panel = make('div', 'search-panel');
  panel.id = 'search-panel';
  panel.setAttribute('role', 'search');
  panel.hidden = true;
  const row = make('div', 'search-row');
  input = make('input');
  input.type = 'search';
  input.id = 'search-input';
  input.autocomplete = 'off';
  input.enterKeyHint = 'search';
  const close = make('button', 'close');
  close.type = 'button';
  close.id = 'search-close';
  close.addEventListener('click', () => hide(true));
  row.append(input, close);
  status = make('p', 'search-status');
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');
  results = make('div');
  results.id = 'search-results';
  credit = make('p', 'search-credit');
  panel.append(row, status, results, credit);
  document.querySelector('.bar').after(panel);

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { clearTimeout(timer); search(); }
    if (e.key === 'Escape') { e.stopPropagation(); hide(true); }
  });
  document.addEventListener('facilities:language', () => { label(); if (lastQuery) { lastQuery = ''; search(); } });
  label();
}

function label() {
  input.setAttribute('aria-label', t('searchLabel'));
  input.placeholder = t('searchPlaceholder');
  const close = document.getElementById('search-close');
  close.textContent = t('cancel');
  close.title = t('closeSearch');
}

/** The search button: opens the panel (focused on the box), or closes it when it is open. */
export function open(page) {
  if (!P) { setup(page); }
  if (!panel.hidden) { hide(true); return; }
  panel.hidden = false;
  document.getElementById('search').setAttribute('aria-expanded', 'true');
  input.focus();
  input.select();
}

function hide(focusButton) {
  panel.hidden = true;
  document.getElementById('search').setAttribute('aria-expanded', 'false');
  if (focusButton) { document.getElementById('search').focus(); }
}

function around() {
  const at = P.state.user || P.map.getCenter();
  return '&lat=' + at.lat.toFixed(5) + '&lon=' + L.Util.wrapNum(at.lng, [-180, 180], true).toFixed(5);
}

function search() {
  const q = input.value.trim();
  if (q === lastQuery) { return; }
  lastQuery = q;
  if (controller) { controller.abort(); }
  results.textContent = '';
  credit.textContent = '';
  if (!q) { status.textContent = ''; return; }
  controller = new AbortController();
  const mine = controller;
  status.textContent = t('searching');
  P.getJson('api/v1/search?q=' + encodeURIComponent(q) + around() + '&lang=' + encodeURIComponent(P.I.lang) + '&limit=8', mine.signal)
    .then((answer) => { if (mine === controller) { render(answer); } }, (e) => {
      if (e.name === 'AbortError' || mine !== controller) { return; }
      lastQuery = '';
      status.textContent = t('searchFailed', { reason: e.message });
    });
}

function render(answer) {
  results.textContent = '';
  results.dataset.query = answer.query;
  const total = answer.places.length + answer.addresses.length + answer.facilities.length;
  status.textContent = total ? '' : t('nothingFound', { q: answer.query });
  section('places', answer.places, (p) => [p.name, [p.name !== p.name_en ? p.name_en : null, p.admin1 ? p.country + ' ' + p.admin1 : p.country,
    p.distance_m != null ? P.I.distance(p.distance_m) : null]], (p) => goTo(p, PLACE_ZOOM));
  section('addresses', answer.addresses, (a) => [a.name, [a.distance_m != null ? P.I.distance(a.distance_m) : null]], (a) => goTo(a, ADDRESS_ZOOM));
  section('facilitiesFound', answer.facilities, (f) => [f.name, [f.category_label, f.distance_m != null ? P.I.distance(f.distance_m) : null]],
    (f) => {
      hide(false);
      P.map.setView([f.lat, f.lon], Math.max(P.map.getZoom(), FACILITY_ZOOM));
      P.openDetail(f.id, f.distance_m);
    });
  credit.textContent = answer.attribution.join(' · ');
}

function section(titleKey, items, describe, choose) {
  if (!items.length) { return; }
  const heading = make('h3', null, t(titleKey));
  const list = make('ul', 'search-results');
  list.dataset.kind = titleKey;
  items.forEach((item) => {
    const [name, details] = describe(item);
    const li = make('li');
    const button = make('button');
    button.type = 'button';
    button.append(make('span', 'name', name), make('span', 'sub', details.filter(Boolean).join(' · ')));
    button.addEventListener('click', () => choose(item));
    li.appendChild(button);
    list.appendChild(li);
  });
  results.append(heading, list);
}

function goTo(place, zoom) {
  hide(false);
  if (!P.el.detail.hidden) { P.closeDetail(); }
  P.map.setView([place.lat, place.lon], zoom);
  P.el.nearestTitle.focus({ preventScroll: true });
}
