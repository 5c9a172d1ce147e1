// The partner's own review queue, in the partner page (partner.js loads it): the ambiguous matches of the partner's
// records, each with a small map of the record (square) and its candidates (numbered circles), what the matching
// measured for each (distance, name similarity, score), and the two answers: "same as" a candidate, or "a different
// facility". Answers go to POST /api/v1/partner/reviews/{id}/resolve, the same resolution a moderator's goes through.

const words = {
  en: {
    reviewsTitle: 'Matches to settle', reviewsNone: 'No match of your records is waiting for you.',
    reviewRecord: 'Your record {id} · {dataset}', reviewRow: 'row {row}', reviewCandidate: '{n}. {name}',
    reviewUnnamed: 'facility without a name', reviewFigures: '{distance} away · name similarity {similarity} · score {score}',
    reviewNoName: 'no name to compare', reviewSameAs: 'Same as {n}', reviewDifferent: 'A different facility',
    reviewMerged: 'Record {id} merged into the facility you chose.', reviewCreated: 'Record {id} is a facility of its own now.',
    reviewFailed: 'Not settled: {e}', reviewMapLabel: 'Map of record {id} and its candidates'
  },
  'zh-Hans': {
    reviewsTitle: '待确认的匹配', reviewsNone: '你的记录暂无待确认的匹配。',
    reviewRecord: '你的记录 {id} · {dataset}', reviewRow: '第 {row} 行', reviewCandidate: '{n}. {name}',
    reviewUnnamed: '无名称的设施', reviewFigures: '相距 {distance} · 名称相似度 {similarity} · 得分 {score}',
    reviewNoName: '无名称可比较', reviewSameAs: '与 {n} 相同', reviewDifferent: '是另一个设施',
    reviewMerged: '记录 {id} 已合并到你选择的设施。', reviewCreated: '记录 {id} 已成为一个独立的设施。',
    reviewFailed: '未能确认：{e}', reviewMapLabel: '记录 {id} 及其候选设施的地图'
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
  throw new Error(p.detail || p.title || String(r.status));
}

/** Adds the "Matches to settle" link to the partner page, before its last link (forget the key). */
export function attach(body, helpers, key) {
  H = helpers;
  apiKey = key;
  H.I.extend(words);
  const last = body.querySelector('.sign-out');
  const holder = document.createDocumentFragment();
  const link = H.linkButton(holder, H.t('reviewsTitle'), function () { show(list); });
  link.id = 'show-reviews';
  const list = H.make('div', 'partner-reviews');
  list.id = 'partner-reviews';
  holder.appendChild(list);
  body.insertBefore(holder, last);
}

async function show(container) {
  const t = H.t;
  container.textContent = '';
  container.setAttribute('aria-busy', 'true');
  const message = H.make('p', 'action-message');
  message.setAttribute('role', 'status');
  try {
    const page = await api('GET', 'api/v1/partner/reviews?limit=50');
    if (!page.items.length) { container.appendChild(H.make('p', 'empty', t('reviewsNone'))); }
    page.items.forEach(function (item) { container.appendChild(review(item, container, message)); });
  } catch (e) {
    message.textContent = t('reviewFailed', { e: e.message });
  }
  container.appendChild(message);
  container.setAttribute('aria-busy', 'false');
}

function review(item, container, message) {
  const t = H.t, I = H.I;
  const box = H.make('article', 'partner-review');
  box.dataset.review = item.id;
  const head = t('reviewRecord', { id: item.record.record_id, dataset: item.dataset_name }) + (item.row ? ' · ' + t('reviewRow', { row: item.row }) : '');
  box.appendChild(H.make('h3', null, head));
  if (item.record.name) { box.appendChild(H.make('p', 'subtitle', item.record.name)); }

  const map = H.make('div', 'review-map');
  map.style.height = '160px';
  map.setAttribute('role', 'img');
  map.setAttribute('aria-label', t('reviewMapLabel', { id: item.record.record_id }));
  box.appendChild(map);

  const list = H.make('ul', 'review-candidates');
  item.candidates.forEach(function (c, i) {
    const li = H.make('li');
    li.dataset.facility = c.facility_id;
    li.appendChild(H.make('strong', null, t('reviewCandidate', { n: i + 1, name: c.name || t('reviewUnnamed') })));
    li.appendChild(H.make('span', 'figures', ' ' + t('reviewFigures', {
      distance: I.distance(c.distance_m),
      similarity: c.name_similarity == null ? t('reviewNoName') : I.number(c.name_similarity, 2),
      score: I.number(c.score, 2)
    })));
    const same = H.make('button', null, t('reviewSameAs', { n: i + 1 }));
    same.type = 'button';
    same.className = 'same-as';
    same.addEventListener('click', function () { settle(item, { decision: 'same_as', facility_id: c.facility_id }, box, message); });
    li.appendChild(same);
    list.appendChild(li);
  });
  box.appendChild(list);
  const different = H.make('button', 'different', t('reviewDifferent'));
  different.type = 'button';
  different.addEventListener('click', function () { settle(item, { decision: 'different_facility' }, box, message); });
  box.appendChild(different);
  // The map once the box is in the page, so that Leaflet can measure it.
  requestAnimationFrame(function () { miniMap(map, item); });
  return box;
}

function miniMap(node, item) {
  if (!window.L || !node.isConnected) { return; }
  const config = (H.P.state && H.P.state.config) || {};
  const map = L.map(node, { zoomControl: false, dragging: false, scrollWheelZoom: false, doubleClickZoom: false, keyboard: false, attributionControl: !!config.tile_url });
  if (config.tile_url) { L.tileLayer(config.tile_url, { maxNativeZoom: config.tile_max_zoom, maxZoom: 20, attribution: config.tile_attribution }).addTo(map); }
  const record = L.latLng(item.record.lat, item.record.lon);
  const points = [record];
  L.marker(record, { icon: L.divIcon({ className: 'review-record', html: '<span>■</span>', iconSize: [18, 18] }), title: item.record.record_id }).addTo(map);
  item.candidates.forEach(function (c, i) {
    if (c.lat == null) { return; }
    const at = L.latLng(c.lat, c.lon);
    points.push(at);
    L.marker(at, { icon: L.divIcon({ className: 'review-candidate', html: '<span>' + (i + 1) + '</span>', iconSize: [18, 18] }), title: c.name || '' }).addTo(map);
  });
  map.fitBounds(L.latLngBounds(points).pad(0.5), { maxZoom: 19 });
}

async function settle(item, answer, box, message) {
  const t = H.t;
  box.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
  try {
    await api('POST', 'api/v1/partner/reviews/' + encodeURIComponent(item.id) + '/resolve', answer);
    box.remove();
    message.textContent = t(answer.decision === 'same_as' ? 'reviewMerged' : 'reviewCreated', { id: item.record.record_id });
  } catch (e) {
    box.querySelectorAll('button').forEach(function (b) { b.disabled = false; });
    message.textContent = t('reviewFailed', { e: e.message });
  }
}
