// The resident map: where am I, what is near and open, what is it like, who says so.
// Everything comes from the public JSON API. The base map may fail to load (no tile server reachable, a phone
// offline): markers, the list and the details work without it.
(function () {
  'use strict';

  var I = window.FacilitiesI18n;
  var t = I.t;

  var DEFAULT_CONFIG = {
    tile_url: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
    tile_attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    tile_max_zoom: 19,
    nearby_max_radius_m: 50000,
    demo_city: { labels: { en: 'Nanjing', 'zh-Hans': '南京' }, lat: 32.0603, lon: 118.7969, zoom: 14 }
  };
  var LOCATED_ZOOM = 16;
  var LOCATION_WAIT_MS = 8000;       // a permission prompt left unanswered falls back to the demo city after this
  var NEAREST_RADIUS_M = 2000;       // 25 minutes' walk: further than that is not "near"
  var NEAREST_LIMIT = 10;
  var HERE_RADIUS_M = 50;            // a cluster at the deepest zoom spans about 20 m
  var BBOX_MAX_SPAN = 2;             // the bbox endpoint's limit, degrees each way
  var BBOX_MAX_LIMIT = 1000;         // and its page size limit
  var MAP_DEBOUNCE_MS = 150;
  var LIST_DEBOUNCE_MS = 300;
  var COLORS = { toilet: '#0b5394', drinking_water: '#00739e', aed: '#c62828', shower: '#6a1b9a', bench: '#6d4c41' };
  var REPORT_REASONS = ['closed', 'out_of_order', 'dirty', 'wrong_location', 'not_public', 'unsafe', 'other'];

  function $(id) { return document.getElementById(id); }
  function enc(v) { return encodeURIComponent(v); }
  function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }
  function make(tag, className, text) {
    var e = document.createElement(tag);
    if (className) { e.className = className; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  var el = {
    map: $('map'), note: $('note'), sheet: $('sheet'), sheetToggle: $('sheet-toggle'),
    filters: $('filters'), filtersToggle: $('filters-toggle'), category: $('category'), legend: $('legend'),
    language: $('language'), nearest: $('nearest'), nearestTitle: $('nearest-title'), list: $('nearest-list'),
    empty: $('nearest-empty'), detail: $('detail'), stillHere: $('still-here'), report: $('report'),
    reportForm: $('report-form'), reportReason: $('report-reason'), reportComment: $('report-comment'),
    message: $('action-message')
  };

  var state = {
    config: DEFAULT_CONFIG,
    categories: {},          // id -> { labels, attributes }
    categoryOrder: [],
    core: {},                // core attribute definitions: labels, value_labels
    user: null,              // L.LatLng of the resident, when known
    here: null,              // L.LatLng of a cluster that cannot split further, whose facilities the list shows
    drawn: [],               // what the map shows: [{ lat, lon, count, id, category }]
    nearest: null,           // { query, lat, lon, fromUser, features }: the list shown and what it answers
    detail: null,            // the open facility Feature
    detailDistance: null,
    notes: {},               // note key -> args; shown over the map
    tiles: { loaded: 0, failed: 0 }
  };

  // ---- The API ----
  // URLs are relative to the page, so the service also works behind a proxy under a path (https://host/facilities/).

  function problemOf(response) {
    return response.json().catch(function () { return {}; }).then(function (p) {
      var e = new Error(p.detail || p.title || response.statusText || String(response.status));
      e.status = response.status;
      e.problem = p;
      e.retryAfter = response.headers.get('Retry-After');
      throw e;
    });
  }

  function getJson(url, signal) {
    return fetch(url, { signal: signal, headers: { Accept: 'application/json, application/geo+json', 'Accept-Language': I.lang } })
      .then(function (r) { return r.ok ? r.json() : problemOf(r); });
  }

  // The sign-in form (contrib.js) stores the login answer in localStorage['facilities.auth']; auth.js sends writes with
  // its bearer token and renews it when it expires.
  function accessToken() {
    try {
      var auth = JSON.parse(localStorage.getItem('facilities.auth') || 'null');
      return auth && auth.access_token ? auth.access_token : null;
    } catch (e) { return null; }
  }

  // ---- Filters ----

  var ATTRIBUTE_FILTERS = {
    open_now: 'open_now=true',
    wheelchair: 'wheelchair=yes',
    free: 'free=true',
    changing_table: 'changing_table=true',
    gender_neutral: 'gender=unisex,all_gender',
    public_access: 'access=public'
  };

  function attributeFilterQuery() {
    return Object.keys(ATTRIBUTE_FILTERS)
      .filter(function (name) { return el.filters.elements[name].checked; })
      .map(function (name) { return ATTRIBUTE_FILTERS[name]; });
  }

  function categoryQuery() { return el.category.value ? ['category=' + enc(el.category.value)] : []; }

  function filterQuery() { return categoryQuery().concat(attributeFilterQuery()); }

  function activeFilterCount() { return filterQuery().length; }

  // ---- The map ----

  var map = L.map('map', { zoomControl: false, minZoom: 2, maxZoom: 19, worldCopyJump: true });
  window.facilitiesMap = map; // for the browser tests and for anyone poking at the page from the console
  // Leaflet measures the map on window resizes only, and the sheet under it grows with the list: keep the centre,
  // and the spot the list shows, as a resize is no move away from it.
  new ResizeObserver(function () {
    var size = map.getSize(), centre, here = state.here;
    if (!map._loaded || (size.x === el.map.clientWidth && size.y === el.map.clientHeight)) { return; }
    centre = map.getCenter();
    map.invalidateSize({ pan: false });
    map.setView(centre, map.getZoom(), { reset: true }); // not a pan: Leaflet pans by whole pixels
    state.here = here;
  }).observe(el.map);
  var zoomControl = null;
  var facilityLayer = L.layerGroup().addTo(map);
  // The resident's dot and the selected facility's ring stay above the markers.
  map.createPane('overlay').style.zIndex = 650;
  var overlayLayer = L.layerGroup().addTo(map);
  var markers = {};            // key -> L.Marker, so a refresh keeps what did not change instead of redrawing all
  var selectedRing = null;
  var userDot = null;

  var LocateControl = L.Control.extend({
    options: { position: 'topright' },
    onAdd: function () {
      var bar = L.DomUtil.create('div', 'leaflet-bar');
      var a = L.DomUtil.create('a', 'locate-button', bar);
      a.href = '#';
      a.setAttribute('role', 'button');
      a.innerHTML = '<span aria-hidden="true">◎</span>';
      L.DomEvent.disableClickPropagation(bar);
      L.DomEvent.on(a, 'click', function (e) {
        L.DomEvent.preventDefault(e);
        requestLocation(LOCATION_WAIT_MS).then(function (pos) {
          if (pos) { map.setView(pos, Math.max(map.getZoom(), LOCATED_ZOOM)); }
        });
      });
      this.button = a;
      return bar;
    }
  });
  var locateControl = new LocateControl();

  function placeControls() {
    if (zoomControl) { map.removeControl(zoomControl); }
    zoomControl = L.control.zoom({
      position: 'topright', zoomInTitle: t('zoomIn'), zoomOutTitle: t('zoomOut'),
      zoomInText: '<span aria-hidden="true">+</span>', zoomOutText: '<span aria-hidden="true">&#x2212;</span>'
    }).addTo(map);
    if (!locateControl._map) { locateControl.addTo(map); }
    locateControl.button.title = t('locateMe');
    locateControl.button.setAttribute('aria-label', t('locateMe'));
  }

  /**
   * The viewport as the API's boxes: longitudes within ±180 and, when the view crosses the antimeridian, two boxes
   * (the API refuses min > max). Each box carries the offset that puts its results back where the view shows them.
   */
  function viewBoxes() {
    var b = map.getBounds();
    var s = clamp(b.getSouth(), -85.0511, 85.0511), n = clamp(b.getNorth(), -85.0511, 85.0511);
    var w = b.getWest(), e = b.getEast();
    if (e - w >= 360) { return [{ w: -180, s: s, e: 180, n: n, offset: 0 }]; }
    var shift = Math.floor((w + 180) / 360) * 360;
    w -= shift; e -= shift;
    if (e <= 180) { return [{ w: w, s: s, e: e, n: n, offset: shift }]; }
    return [{ w: w, s: s, e: 180, n: n, offset: shift }, { w: -180, s: s, e: e - 360, n: n, offset: shift + 360 }];
  }

  function bboxParam(box) { return [box.w, box.s, box.e, box.n].map(function (v) { return v.toFixed(6); }).join(','); }

  function clustersOf(box, zoom, signal) {
    var url = 'api/v1/facilities/clusters?zoom=' + zoom + '&bbox=' + bboxParam(box) + categoryQuery().map(function (q) { return '&' + q; }).join('');
    return getJson(url, signal).then(function (body) {
      return body.features.map(function (f) {
        var c = f.geometry.coordinates, p = f.properties;
        return { lon: c[0] + box.offset, lat: c[1], count: p.count, id: p.id, name: p.name, category: p.category };
      });
    });
  }

  /**
   * With filters on attributes the clusters endpoint cannot apply (it filters by category only), the map asks the
   * bbox list, which takes every filter, and groups the answer itself on the server's grid (cells a quarter of a map
   * tile wide). That only works while the view holds at most one page; beyond it the answer is null.
   */
  function filteredOf(box, zoom, signal) {
    var url = 'api/v1/facilities?limit=' + BBOX_MAX_LIMIT + '&bbox=' + bboxParam(box) + filterQuery().map(function (q) { return '&' + q; }).join('');
    return getJson(url, signal).then(function (body) {
      if ((body.links || []).some(function (l) { return l.rel === 'next'; })) { return null; }
      var cell = 90 / Math.pow(2, zoom), cells = {};
      body.features.forEach(function (f) {
        var c = f.geometry.coordinates;
        var key = Math.floor((c[0] + 180) / cell) + ':' + Math.floor((c[1] + 90) / cell);
        var g = cells[key] || (cells[key] = { lon: 0, lat: 0, count: 0, id: null, category: f.properties.category });
        g.lon += c[0]; g.lat += c[1]; g.count += 1; g.id = f.properties.id; g.name = f.properties.name;
        if (g.category !== f.properties.category) { g.category = null; }
      });
      return Object.keys(cells).map(function (k) {
        var g = cells[k];
        return { lon: g.lon / g.count + box.offset, lat: g.lat / g.count, count: g.count, id: g.count === 1 ? g.id : null, name: g.count === 1 ? g.name : null, category: g.category };
      });
    });
  }

  function refreshMap(signal) {
    var zoom = Math.round(map.getZoom());
    var boxes = viewBoxes();
    var filtered = attributeFilterQuery().length > 0;
    var fits = boxes.every(function (b) { return b.e - b.w <= BBOX_MAX_SPAN && b.n - b.s <= BBOX_MAX_SPAN; });
    var clusters = function () {
      return Promise.all(boxes.map(function (b) { return clustersOf(b, zoom, signal); }))
        .then(function (parts) {
          if (signal.aborted) { return; } // answered just as a newer view replaced it
          draw([].concat.apply([], parts));
          setNote('filtersZoomIn', filtered ? {} : null);
        });
    };
    if (!filtered || !fits) { return clusters(); }
    return Promise.all(boxes.map(function (b) { return filteredOf(b, zoom, signal); })).then(function (parts) {
      if (signal.aborted) { return undefined; }
      if (parts.some(function (p) { return p === null; })) { return clusters(); }
      draw([].concat.apply([], parts));
      setNote('filtersZoomIn', null);
    });
  }

  function markerKey(item) {
    return item.count === 1 ? 'f:' + item.id : 'c:' + item.count + ':' + item.lat.toFixed(6) + ':' + item.lon.toFixed(6);
  }

  function categoryName(id) { return state.categories[id] ? I.label(state.categories[id].labels, id) : (id || ''); }

  // A marker's name for screen readers: "Name · Toilet · 120 m" (distance once the position is known), "12 facilities…".
  function markerName(item) {
    if (item.count !== 1) { return t('cluster', { n: I.number(item.count) }); }
    var far = state.user ? I.distance(state.user.distanceTo([item.lat, item.lon])) : null;
    return [item.name, categoryName(item.category), far].filter(Boolean).join(' · ');
  }

  function makeMarker(item) {
    var marker;
    if (item.count === 1) {
      var color = COLORS[item.category] || '#37474f';
      marker = L.marker([item.lat, item.lon], {
        icon: L.divIcon({ className: 'facility-marker', html: '<span style="background:' + color + '"></span>', iconSize: [32, 32] }),
        title: markerName(item), keyboard: true
      });
      marker.activate = function () { openDetail(item.id, null); };
    } else {
      var size = Math.round(30 + Math.min(22, Math.log10(item.count) * 8));
      marker = L.marker([item.lat, item.lon], {
        icon: L.divIcon({
          className: 'cluster', iconSize: [size, size],
          html: '<span style="background:' + (COLORS[item.category] || '#37474f') + '">' + I.number(item.count) + '</span>'
        }),
        title: t('cluster', { n: I.number(item.count) }), keyboard: true
      });
      marker.activate = function () {
        if (map.getZoom() < map.getMaxZoom()) {
          map.setView([item.lat, item.lon], Math.min(map.getZoom() + 2, map.getMaxZoom()));
          return;
        }
        // Fully zoomed in, facilities a few metres apart stay one cluster: the list shows them instead.
        state.here = L.latLng(item.lat, item.lon);
        schedule(listTask, true);
        $('nearest-title').focus({ preventScroll: true });
      };
    }
    marker.on('click', function () { marker.activate(); });
    // The id and count in the DOM let a test (or a browser extension) tell markers apart. Leaflet makes markers
    // focusable buttons but answers Enter only with a popup: Enter and Space act as a tap here.
    marker.on('add', function () {
      var node = marker.getElement();
      L.DomEvent.on(node, 'keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { L.DomEvent.preventDefault(e); marker.activate(); }
      });
      if (item.id) { node.dataset.id = item.id; }
      node.setAttribute('aria-label', markerName(item));
      node.dataset.count = String(item.count);
    });
    return marker;
  }

  function draw(items) {
    state.drawn = items;
    var next = {};
    items.forEach(function (item) { next[markerKey(item)] = item; });
    Object.keys(markers).forEach(function (key) {
      if (!next[key]) { facilityLayer.removeLayer(markers[key]); delete markers[key]; }
    });
    Object.keys(next).forEach(function (key) {
      if (!markers[key]) { markers[key] = makeMarker(next[key]).addTo(facilityLayer); }
    });
    var total = items.reduce(function (n, item) { return n + item.count; }, 0);
    el.map.setAttribute('aria-label', t('map') + ' · ' + t('inView', { n: I.number(total) }));
    el.map.dataset.count = String(total);
  }

  function redrawAll() {
    facilityLayer.clearLayers();
    markers = {};
    draw(state.drawn);
  }

  function showUser() {
    if (!state.user) { return; }
    if (userDot) { userDot.setLatLng(state.user); } else {
      userDot = L.circleMarker(state.user, { pane: 'overlay', radius: 8, weight: 3, color: '#fff', fillColor: '#1a73e8', fillOpacity: 1, interactive: false });
      userDot.addTo(overlayLayer);
    }
  }

  // ---- Notes over the map ----

  function setNote(key, args) {
    if (args) { state.notes[key] = args; } else { delete state.notes[key]; }
    renderNotes();
  }

  function renderNotes() {
    el.note.textContent = Object.keys(state.notes).map(function (k) { return t(k, state.notes[k]); }).join(' ');
  }

  // ---- Refreshing without stutter: one debounced, cancellable request per part of the page ----

  function task(busyElement, run, delay) {
    return { timer: null, controller: null, busy: busyElement, run: run, delay: delay };
  }
  var mapTask = task(el.map, refreshMap, MAP_DEBOUNCE_MS);
  var listTask = task(el.list, refreshNearest, LIST_DEBOUNCE_MS);

  // A newer view makes an answer in flight useless: abort it at once rather than draw it and redraw.
  function schedule(job, now) {
    clearTimeout(job.timer);
    if (job.controller) { job.controller.abort(); job.controller = null; }
    job.busy.setAttribute('aria-busy', 'true');
    job.timer = setTimeout(function () {
      job.timer = null;
      var controller = job.controller = new AbortController();
      job.run(controller.signal).then(function () {
        if (job.controller !== controller) { return; }
        job.controller = null;
        job.busy.setAttribute('aria-busy', 'false');
        setNote('loadFailed', null);
        showFirstIfNoneInView();
      }, function (e) {
        if (job.controller !== controller) { return; }
        job.controller = null;
        job.busy.setAttribute('aria-busy', 'false');
        if (e.name !== 'AbortError') { setNote('loadFailed', { reason: e.message }); }
      });
    }, now ? 0 : job.delay);
  }

  function refreshAll(now) {
    schedule(mapTask, now);
    schedule(listTask, now);
  }

  // ---- The nearest list ----

  // Nearest to the resident while they are in view; once they pan elsewhere, nearest to the map centre; right after a
  // tap on a cluster that cannot split further, what is at that cluster.
  function listOrigin() {
    if (state.here) { return { at: state.here.wrap(), fromUser: false, here: true }; }
    if (state.user && map.getBounds().contains(state.user)) { return { at: state.user, fromUser: true }; }
    return { at: map.getCenter().wrap(), fromUser: false };
  }

  function refreshNearest(signal) {
    // While a facility's details are open the list waits, so that Back returns to the list the resident left.
    if (!el.detail.hidden) { state.listDeferred = true; return Promise.resolve(); }
    var origin = listOrigin();
    var lat = origin.at.lat.toFixed(6), lon = origin.at.lng.toFixed(6);
    var ask = function (radius, limit) {
      return 'lat=' + lat + '&lon=' + lon + '&radius_m=' + radius + '&limit=' + limit + filterQuery().map(function (q) { return '&' + q; }).join('');
    };
    var query = ask(origin.here ? HERE_RADIUS_M : NEAREST_RADIUS_M, NEAREST_LIMIT);
    if (state.nearest && state.nearest.query === query) { return Promise.resolve(); }
    return getJson('api/v1/facilities/nearby?' + query, signal).then(function (body) {
      if (body.features.length || origin.here || signal.aborted) { return { features: body.features }; }
      // Nothing near that matches: always an answer, the nearest one as far out as the API searches.
      return getJson('api/v1/facilities/nearby?' + ask(state.config.nearby_max_radius_m, 1), signal)
        .then(function (far) { return { features: far.features, beyond: true }; });
    }).then(function (found) {
      if (signal.aborted) { return; }
      state.nearest = { query: query, lat: lat, lon: lon, fromUser: origin.fromUser, here: origin.here, features: found.features, beyond: found.beyond };
      renderNearest();
    });
  }

  // A filtered list with answers beside an empty map: once per list, zoom out (never in) until its first answer is in
  // view. Without filters an empty view is what the resident chose to look at, and stays.
  // The zoom (first-answer.js) then goes on, each time the map has drawn, until that answer is a marker of its own.
  function showFirstIfNoneInView() {
    var n = state.nearest;
    if (!n || !n.features.length || busy(mapTask) || busy(listTask) || !el.detail.hidden) { return; }
    if (state.split) { return state.split(); }
    if (n.shown || !activeFilterCount()) { return; }
    n.shown = true;
    var bounds = map.getBounds();
    if (state.drawn.some(function (d) { return bounds.contains([d.lat, d.lon]); })) { return; }
    contribute('showFirst', './first-answer.js');
  }

  function busy(job) { return job.timer !== null || job.controller !== null; }

  function renderNearest() {
    var n = state.nearest;
    el.nearestTitle.textContent = t(state.offline ? 'nearestOffline' : n && n.here ? 'nearestHere' : n && !n.fromUser ? 'nearestToCentre' : 'nearestToYou');
    if (!n) { return; }
    el.list.dataset.lat = n.lat;
    el.list.dataset.lon = n.lon;
    el.list.dataset.query = n.query;
    var focused = el.list.contains(document.activeElement) ? document.activeElement.dataset.id : null;
    el.list.textContent = '';
    n.features.forEach(function (f) {
      var p = f.properties;
      var li = make('li');
      var button = make('button', 'facility-row');
      button.type = 'button';
      button.dataset.id = p.id;
      button.dataset.distanceM = String(p.distance_m);
      var dot = make('span', 'dot');
      dot.style.background = COLORS[p.category] || '#37474f';
      dot.setAttribute('aria-hidden', 'true');
      var text = make('span', 'row-text');
      text.appendChild(make('span', 'row-name', p.name || categoryName(p.category)));
      text.appendChild(make('span', 'row-meta', [p.name ? categoryName(p.category) : null, openWord(p)].filter(Boolean).join(' · ')));
      var distance = make('span', 'row-distance', I.walk(p.distance_m));
      button.appendChild(dot);
      button.appendChild(text);
      button.appendChild(distance);
      button.addEventListener('click', function () { openDetail(p.id, p.distance_m); });
      li.appendChild(button);
      el.list.appendChild(li);
    });
    var refocus = focused && el.list.querySelector('[data-id="' + focused + '"]');
    if (refocus) { refocus.focus({ preventScroll: true }); }
    el.empty.hidden = n.features.length > 0 && !n.beyond;
    el.empty.textContent = !n.features.length ? t('nearestEmpty', { km: I.number((n.beyond ? state.config.nearby_max_radius_m : NEAREST_RADIUS_M) / 1000) })
      : n.beyond ? t('nearestBeyond', { km: I.number(NEAREST_RADIUS_M / 1000), d: I.distance(n.features[0].properties.distance_m) }) : '';
  }

  function openWord(p) {
    if (p.status === 'temporarily_closed') { return t('closedTemporarily'); }
    if (detailsPart) { return detailsPart.openState(p); }
    return p.open_now === true ? t('openState').open : p.open_now === false ? t('openState').closed : null;
  }

  // ---- The detail panel ----

  var detailController = null;

  function showSheet(mode) {
    el.nearest.hidden = mode !== 'list';
    el.detail.hidden = mode !== 'detail';
    el.sheet.classList.toggle('showing-detail', mode === 'detail');
    el.sheet.setAttribute('aria-labelledby', mode === 'detail' ? 'detail-title' : 'nearest-title');
    document.dispatchEvent(new Event('facilities:sheet')); // the contributor panel, if open, gives the sheet its place back
    resized();
  }

  function resized() { requestAnimationFrame(function () { map.invalidateSize({ pan: false }); }); }

  /**
   * Opens a facility's details. <feature>, when the caller already has the answer (a link opened at start), spares
   * a second request.
   */
  function openDetail(id, distance, feature) {
    if (detailController) { detailController.abort(); }
    var controller = detailController = new AbortController();
    state.detailDistance = distance;
    state.detailId = id;
    writeAddress();
    el.detail.setAttribute('aria-busy', 'true');
    el.message.textContent = '';
    $('share-message').textContent = '';
    $('directions-others').hidden = true;
    $('directions-more').setAttribute('aria-expanded', 'false');
    el.reportForm.hidden = true;
    el.report.setAttribute('aria-expanded', 'false');
    showSheet('detail');
    var answer = feature ? Promise.resolve(feature) : getJson('api/v1/facilities/' + enc(id), controller.signal);
    return Promise.all([answer, loadDetailsPart()]).then(function (both) {
      var f = both[0];
      if (controller !== detailController) { return; }
      state.detail = f;
      renderDetail();
      el.detail.setAttribute('aria-busy', 'false');
      $('detail-title').focus({ preventScroll: true });
      var c = f.geometry.coordinates, at = L.latLng(c[1], c[0]);
      if (selectedRing) { overlayLayer.removeLayer(selectedRing); }
      selectedRing = L.circleMarker(at, {
        pane: 'overlay', radius: 18, weight: 4, color: '#ff8f00', fill: false, interactive: false, className: 'selected-ring'
      }).addTo(overlayLayer);
      keepInView(at);
    }, function (e) {
      if (e.name === 'AbortError' || controller !== detailController) { return; }
      el.detail.setAttribute('aria-busy', 'false');
      el.message.textContent = t('failed', { reason: e.message });
    });
  }

  // On a phone the details sheet takes the lower part of the screen and the map shrinks above it; Leaflet keeps the
  // top-left corner where it was, so a facility low in the old view would now be under the sheet. Once the layout
  // has settled, pan just enough that it sits inside what is left of the map, clear of its edges, buttons and note.
  var VISIBLE_MARGIN_PX = 56;
  var RING_PX = 30;                  // the ring's radius and stroke, and a gap
  function keepInView(at) {
    requestAnimationFrame(function () {
      map.invalidateSize({ pan: false });
      var box = el.map.getBoundingClientRect(), m = VISIBLE_MARGIN_PX;
      var buttons = el.map.querySelector('.leaflet-top.leaflet-right').getBoundingClientRect();
      map.panInside(at, {
        paddingTopLeft: [m, Math.max(m, el.note.getBoundingClientRect().bottom - box.top + RING_PX)],
        paddingBottomRight: [Math.max(m, box.right - buttons.left + RING_PX), m],
        animate: !reducedMotion()
      });
    });
  }

  function reducedMotion() { return window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches; }

  function closeDetail() {
    if (detailController) { detailController.abort(); detailController = null; }
    var id = state.detail && state.detail.properties.id;
    state.detail = null;
    state.detailId = null;
    writeAddress();
    if (selectedRing) { overlayLayer.removeLayer(selectedRing); selectedRing = null; }
    showSheet('list');
    var row = id && el.list.querySelector('[data-id="' + id + '"]');
    (row || $('nearest-title')).focus({ preventScroll: true });
    if (state.listDeferred) { state.listDeferred = false; schedule(listTask); }
  }

  function sourceKindName(kind) { return t(kind) || kind; }

  function renderDetail() {
    var f = state.detail;
    if (!f) { return; }
    var p = f.properties;
    var sources = p.sources || [];
    $('detail-title').textContent = p.name || categoryName(p.category);
    if (detailsPart) { detailsPart.renderDirections(f); } else { $('directions').hidden = $('directions-more').hidden = true; }
    var distance = state.detailDistance;
    if (distance === null && state.user) {
      distance = state.user.distanceTo(L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]));
    }
    $('detail-subtitle').textContent = [p.name ? categoryName(p.category) : null, distance !== null ? I.walk(distance) : null]
      .filter(Boolean).join(' · ');

    var open = $('detail-open');
    var openKind = p.status === 'temporarily_closed' ? 'closed' : p.open_now === true ? 'open' : p.open_now === false ? 'closed' : 'unknown';
    open.className = 'open-state ' + openKind;
    // The hours in full are in the details below; here what they mean now.
    open.textContent = p.status === 'temporarily_closed'
      ? (p.status_until ? t('closedUntil', { date: I.date(p.status_until) }) : t('closedTemporarily'))
      : openKind === 'unknown' ? (p.opening_hours ? t('hours', { h: I.hours(p.opening_hours) }) : t('openState').unknown)
        : detailsPart ? detailsPart.openState(p) : t('openState')[openKind];

    var badges = $('detail-badges');
    badges.textContent = '';
    sources.map(function (s) { return s.kind; }).filter(function (k, i, all) { return all.indexOf(k) === i; }).forEach(function (kind) {
      badges.appendChild(make('span', 'badge ' + kind, sourceKindName(kind)));
    });

    if (detailsPart) { detailsPart.renderFacts(f); }
  }

  // ---- The details (facts, directions, share, "still here", reports), loaded after the first answers ----

  var detailsPart = null;      // the module, once loaded; until then (or offline) the details say open or closed only
  var detailsLoading = null;
  function loadDetailsPart() {
    detailsLoading = detailsLoading || import('./details.js').then(function (m) {
      m.setup(window.FacilitiesPage);
      detailsPart = m;
    }, function () { detailsLoading = null; });
    return detailsLoading;
  }

  // ---- Contributors and search: their parts of the page are loaded the first time they are used ----

  var parts = {};
  function contribute(action, file) {
    file = file || './contrib.js';
    parts[file] = parts[file] || import(file);
    return parts[file].then(function (m) { return m[action](window.FacilitiesPage); }, function (e) {
      parts[file] = null;
      setNote('loadFailed', { reason: e.message });
    });
  }

  // ---- Language ----

  function fillCategories() {
    var selected = el.category.value;
    el.category.textContent = '';
    el.category.appendChild(new Option(t('allCategories'), ''));
    state.categoryOrder.forEach(function (id) { el.category.appendChild(new Option(categoryName(id), id)); });
    el.category.value = selected;
    el.legend.textContent = '';
    state.categoryOrder.forEach(function (id) {
      var li = make('li');
      var dot = make('span', 'dot');
      dot.style.background = COLORS[id] || '#37474f';
      dot.setAttribute('aria-hidden', 'true');
      li.appendChild(dot);
      li.appendChild(document.createTextNode(categoryName(id)));
      el.legend.appendChild(li);
    });
  }

  function renderFiltersButton() {
    var n = activeFilterCount();
    // An icon and the count, so the title keeps its room on a phone; the words are the button's name.
    el.filtersToggle.setAttribute('aria-label', n ? t('filtersActive', { n: I.number(n) }) : t('filters'));
    $('filters-count').textContent = n ? I.number(n) : '';
    el.filtersToggle.classList.toggle('active', n > 0);
  }

  function applyLanguage() {
    document.documentElement.lang = I.lang;
    document.title = t('pageTitle');
    Array.prototype.forEach.call(document.querySelectorAll('[data-t]'), function (node) { node.textContent = t(node.dataset.t); });
    el.language.textContent = t('switchLanguage');
    el.language.lang = I.lang === 'zh-Hans' ? 'en' : 'zh-Hans';
    el.language.setAttribute('aria-label', t('switchLanguageLabel'));
    $('contribute').setAttribute('aria-label', t('contributeLabel'));
    $('search').setAttribute('aria-label', t('search'));
    $('detail-back').setAttribute('aria-label', t('back'));
    $('detail-back').title = t('back');
    el.sheetToggle.setAttribute('aria-label', t(el.sheet.classList.contains('expanded') ? 'collapseList' : 'expandList'));
    el.map.setAttribute('aria-label', t('map'));
    var reason = el.reportReason.value;
    el.reportReason.textContent = '';
    el.reportReason.appendChild(new Option(t('chooseReason'), ''));
    REPORT_REASONS.forEach(function (r) { el.reportReason.appendChild(new Option(t('reasons')[r], r)); });
    el.reportReason.value = reason;
    fillCategories();
    renderFiltersButton();
    placeControls();
    renderNotes();
    renderNearest();
    renderDetail();
    redrawAll();
    document.dispatchEvent(new Event('facilities:language'));
  }

  // ---- Wiring ----

  function filtersChanged() {
    renderFiltersButton();
    refreshAll(true);
  }

  function toggleFilters(show) {
    el.filters.hidden = !show;
    el.filtersToggle.setAttribute('aria-expanded', String(show));
    if (show) { el.category.focus(); } else { el.filtersToggle.focus(); }
  }

  el.filtersToggle.addEventListener('click', function () { toggleFilters(el.filters.hidden); });
  $('filters-done').addEventListener('click', function () { toggleFilters(false); });
  $('filters-clear').addEventListener('click', function () { el.filters.reset(); filtersChanged(); });
  el.filters.addEventListener('change', filtersChanged);
  el.filters.addEventListener('submit', function (e) { e.preventDefault(); toggleFilters(false); });
  el.language.addEventListener('click', function () {
    I.setLanguage(I.lang === 'zh-Hans' ? 'en' : 'zh-Hans');
    applyLanguage();
  });
  el.sheetToggle.addEventListener('click', function () {
    var expanded = el.sheet.classList.toggle('expanded');
    el.sheetToggle.setAttribute('aria-expanded', String(expanded));
    el.sheetToggle.setAttribute('aria-label', t(expanded ? 'collapseList' : 'expandList'));
    resized();
  });
  $('detail-back').addEventListener('click', closeDetail);
  document.querySelector('.skip').addEventListener('click', function (e) {
    e.preventDefault();
    $(el.detail.hidden ? 'nearest-title' : 'detail-title').focus();
  });
  $('share').addEventListener('click', function () { if (detailsPart && state.detail) { detailsPart.share(state.detail); } });
  $('directions-more').addEventListener('click', function () { if (detailsPart) { detailsPart.toggleOtherApps(); } });
  $('edit').addEventListener('click', function () { contribute('edit'); });
  $('contribute').addEventListener('click', function () { contribute('open'); });
  $('search').addEventListener('click', function () { contribute('open', './search.js'); });
  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Escape' || el.sheet.hidden) { return; } // the contributor panel, in the sheet's place, closes itself
    if (!el.filters.hidden) { toggleFilters(false); } else if (!el.detail.hidden) { closeDetail(); }
  });
  map.on('moveend', function () {
    state.here = null;
    refreshAll(false);
    writeAddress();
  });

  // The address holds the view as OpenStreetMap writes it (#zoom/lat/lon) and, while a facility's details are open,
  // that facility after it (#zoom/lat/lon/f/<id>), so a link or a reload shows the same place and the same facility.
  function viewHash(zoom, at) { return zoom + '/' + at.lat.toFixed(5) + '/' + at.lng.toFixed(5); }

  function writeAddress() {
    if (!map._loaded) { return; } // before the first view there is nothing to write, and a linked id must survive
    var hash = '#' + viewHash(map.getZoom(), map.getCenter().wrap()) + (state.detailId ? '/f/' + state.detailId : '');
    if (location.hash !== hash) { history.replaceState(null, '', hash); }
  }

  /** The link a resident shares: the facility centred at a street zoom, its details open. */
  function facilityLink(f) {
    var c = f.geometry.coordinates;
    return location.href.split('#')[0] + '#' + viewHash(Math.max(map.getZoom(), LOCATED_ZOOM), L.latLng(c[1], c[0])) + '/f/' + f.properties.id;
  }

  function addressLink() {
    var m = /^#(?:(\d{1,2})\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?))?(?:\/f\/([0-9a-fA-F-]{36}))?$/.exec(location.hash);
    if (!m || (!m[1] && !m[4])) { return null; }
    var link = { facility: m[4] || null, zoom: null, at: null };
    if (m[1]) {
      var zoom = Number(m[1]), lat = Number(m[2]), lon = Number(m[3]);
      if (zoom <= 19 && Math.abs(lat) <= 85 && Math.abs(lon) <= 180) { link.zoom = zoom; link.at = L.latLng(lat, lon); }
    }
    return link.at || link.facility ? link : null;
  }

  // ---- Start: configuration, labels and the resident's location, in parallel ----

  function requestLocation(waitMs) {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { resolve(null); return; }
      var settled = false;
      var timer = setTimeout(function () { settled = true; resolve(null); }, waitMs);
      navigator.geolocation.getCurrentPosition(function (pos) {
        var at = L.latLng(pos.coords.latitude, pos.coords.longitude);
        state.user = at;
        showUser();
        setNote('demoCity', null);
        clearTimeout(timer);
        if (!settled) { settled = true; resolve(at); } else if (map.getCenter().distanceTo(demoCentre()) < 50) {
          // The answer came after the wait, while the resident still looks at the demo city: take them home.
          map.setView(at, LOCATED_ZOOM);
        }
      }, function () {
        clearTimeout(timer);
        if (!settled) { settled = true; resolve(null); }
      }, { enableHighAccuracy: true, timeout: waitMs, maximumAge: 60000 });
    });
  }

  // An unanswered location prompt leaves the map empty: say why, and offer to go on without it.
  function waitForLocation() {
    var box = $('locating');
    box.hidden = false;
    var skipped = new Promise(function (resolve) { $('skip-location').addEventListener('click', function () { resolve(null); }); });
    return Promise.race([requestLocation(LOCATION_WAIT_MS), skipped]).then(function (at) { box.hidden = true; return at; });
  }

  function demoCentre() { return L.latLng(state.config.demo_city.lat, state.config.demo_city.lon); }

  function addBaseMap() {
    var tiles = L.tileLayer(state.config.tile_url, {
      maxNativeZoom: state.config.tile_max_zoom, maxZoom: 19, attribution: state.config.tile_attribution
    });
    tiles.on('tileload', function () { state.tiles.loaded += 1; setNote('baseMapFailed', null); el.map.classList.remove('no-base-map'); });
    tiles.on('tileerror', function () {
      state.tiles.failed += 1;
      if (state.tiles.loaded === 0) { setNote('baseMapFailed', {}); el.map.classList.add('no-base-map'); }
    });
    tiles.addTo(map);
    // Amap's and Baidu's tiles are offset from WGS 84 in China: base-map.js moves them into line.
    if (state.config.tile_crs && state.config.tile_crs !== 'wgs84') { import('./base-map.js').then(function (m) { m.align(tiles, window.FacilitiesPage); }); }
  }

  // What the contributor part (contrib.js) uses of the page.
  window.FacilitiesPage = {
    map: map, state: state, t: t, I: I, make: make, colors: COLORS, getJson: getJson, problemOf: problemOf,
    categoryName: categoryName, facilityLink: facilityLink, accessToken: accessToken, el: el, openDetail: openDetail, closeDetail: closeDetail, showSheet: showSheet, resized: resized,
    refresh: function () { state.nearest = null; refreshAll(true); }, labelled: null, contribute: contribute, setNote: setNote,
    margin: VISIBLE_MARGIN_PX
  };

  applyLanguage();
  showSheet('list');

  // A link to a view opens that view, and a link to a facility its details; the resident's position, if they grant
  // it, is still shown and used for the list.
  var linked = addressLink();
  var located = linked ? (requestLocation(LOCATION_WAIT_MS), Promise.resolve(null)) : waitForLocation();
  // A link to a facility that is gone or mistyped opens the map without it, and says so.
  var linkedFacility = linked && linked.facility
    ? getJson('api/v1/facilities/' + enc(linked.facility)).catch(function (e) { setNote('linkFailed', { reason: e.message }); return null; })
    : Promise.resolve(null);
  var configured = getJson('api/v1/map-config').then(function (c) { state.config = c; }, function () { /* defaults */ });
  var labelled = getJson('api/v1/categories').then(function (body) {
    body.categories.forEach(function (c) { state.categories[c.id] = c; state.categoryOrder.push(c.id); });
    state.core = body.core_attributes || {};
    applyLanguage();
  }, function (e) { setNote('loadFailed', { reason: e.message }); });
  window.FacilitiesPage.labelled = labelled;

  Promise.all([configured, located, linkedFacility]).then(function (results) {
    var at = results[1], facility = results[2];
    // Set before the first setView, which measures the map.
    var demo = $('demo-note'), tab = {};
    try { tab = sessionStorage; } catch (e) { /* storage disabled */ }
    demo.hidden = !state.config.demo_data || tab.demoNote;
    $('demo-note-close').onclick = function () { demo.hidden = true; resized(); tab.demoNote = 1; };
    addBaseMap();
    if (linked && linked.at) {
      map.setView(linked.at, linked.zoom);
    } else if (facility) {
      var c = facility.geometry.coordinates;
      map.setView([c[1], c[0]], LOCATED_ZOOM);
    } else if (at) {
      map.setView(at, LOCATED_ZOOM);
    } else {
      var city = state.config.demo_city;
      setNote('demoCity', { city: city.labels });
      map.setView([city.lat, city.lon], city.zoom);
    }
    document.body.dataset.start = linked && (linked.at || facility) ? 'linked' : at ? 'located' : 'demo-city';
    if (facility) { openDetail(facility.properties.id, null, facility); } else { writeAddress(); }
    refreshAll(true);
    // After the first answers, not before them: the list's rows then say until when each facility is open.
    loadDetailsPart().then(renderNearest);
    import('./offline.js').then(function (m) { m.setup(window.FacilitiesPage); }, function () { /* online only */ });
  });
})();
