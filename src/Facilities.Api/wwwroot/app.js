// The plain map page: server-side clusters at low zoom, single facilities close in, details on click.
// Everything comes from the public JSON API; the base map may fail to load (no tile server reachable) and the
// markers still work.
(function () {
  'use strict';

  var DEMO_CITY = { lat: 32.0603, lon: 118.7969, zoom: 13 }; // Nanjing: the demo data covers it well
  var COLORS = { toilet: '#0b5394', drinking_water: '#1c9bd6', aed: '#c62828', shower: '#6a1b9a', bench: '#6d4c41' };
  var lang = (navigator.language || 'en').toLowerCase().indexOf('zh') === 0 ? 'zh-Hans' : 'en';
  var categories = {};

  var map = L.map('map', { zoomControl: true }).setView([DEMO_CITY.lat, DEMO_CITY.lon], DEMO_CITY.zoom);
  window.facilitiesMap = map;
  L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
    maxZoom: 19,
    attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
  }).addTo(map);

  var layer = L.layerGroup().addTo(map);
  var statusEl = document.getElementById('status');
  var categorySelect = document.getElementById('category');
  var inFlight = null;
  var timer = null;

  function label(labels) { return (labels && (labels[lang] || labels.en)) || ''; }

  function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }

  function refresh() {
    var b = map.getBounds();
    var bbox = [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -85, 85), clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -85, 85)]
      .map(function (v) { return v.toFixed(6); }).join(',');
    var url = '/api/v1/facilities/clusters?zoom=' + map.getZoom() + '&bbox=' + bbox;
    if (categorySelect.value) { url += '&category=' + encodeURIComponent(categorySelect.value); }
    if (inFlight) { inFlight.abort(); }
    inFlight = new AbortController();
    fetch(url, { signal: inFlight.signal })
      .then(function (r) { return r.ok ? r.json() : r.json().then(function (p) { throw new Error(p.detail || r.statusText); }); })
      .then(draw)
      .catch(function (e) { if (e.name !== 'AbortError') { statusEl.textContent = e.message; } });
  }

  function draw(collection) {
    layer.clearLayers();
    var total = 0;
    collection.features.forEach(function (f) {
      var c = f.geometry.coordinates, p = f.properties;
      total += p.count;
      if (p.count === 1) {
        var marker = L.circleMarker([c[1], c[0]], {
          radius: 7, weight: 2, color: '#fff', fillColor: COLORS[p.category] || '#333', fillOpacity: 0.95
        });
        marker.feature = f;
        marker.on('click', function () { showFacility(p.id, marker); });
        marker.addTo(layer);
      } else {
        var size = Math.round(26 + Math.min(24, Math.log10(p.count) * 8));
        L.marker([c[1], c[0]], {
          icon: L.divIcon({ className: '', html: '<div class="cluster" style="width:' + size + 'px;height:' + size + 'px">' + p.count + '</div>', iconSize: [size, size] }),
          title: p.count + ' facilities', keyboard: true
        }).on('click', function () { map.setView([c[1], c[0]], Math.min(map.getZoom() + 2, 19)); }).addTo(layer);
      }
    });
    statusEl.textContent = total + (lang === 'zh-Hans' ? ' 处设施' : ' facilities in view');
    document.body.dataset.loaded = 'true';
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (ch) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[ch]; });
  }

  function showFacility(id, marker) {
    fetch('/api/v1/facilities/' + encodeURIComponent(id)).then(function (r) { return r.json(); }).then(function (f) {
      var p = f.properties;
      var cat = categories[p.category];
      var rows = [
        [lang === 'zh-Hans' ? '开放' : 'Open now', p.open_now === null ? '?' : (p.open_now ? '✓' : '✗')],
        [lang === 'zh-Hans' ? '开放时间' : 'Hours', p.opening_hours || '?'],
        [lang === 'zh-Hans' ? '无障碍' : 'Wheelchair', p.wheelchair],
        [lang === 'zh-Hans' ? '收费' : 'Fee', p.fee === null ? '?' : (p.fee ? (p.charge || '✓') : '✗')]
      ];
      var badges = (p.sources || []).map(function (s) {
        return '<span class="badge ' + escapeHtml(s.kind) + '" title="' + escapeHtml(s.dataset + ' · ' + s.license) + '">' + escapeHtml(s.kind) + '</span>';
      }).join('');
      marker.bindPopup('<div class="facility-popup"><h2>' + escapeHtml(p.name || label(cat && cat.labels)) + '</h2>' +
        '<div>' + escapeHtml(label(cat && cat.labels)) + '</div><dl>' +
        rows.map(function (r) { return '<dt>' + escapeHtml(r[0]) + '</dt><dd>' + escapeHtml(r[1]) + '</dd>'; }).join('') +
        '</dl>' + badges + '</div>').openPopup();
    });
  }

  map.on('moveend', function () { clearTimeout(timer); timer = setTimeout(refresh, 120); });
  categorySelect.addEventListener('change', refresh);

  if (lang === 'zh-Hans') {
    document.documentElement.lang = 'zh-Hans';
    categorySelect.options[0].textContent = '全部设施';
  }

  fetch('/api/v1/categories').then(function (r) { return r.json(); }).then(function (body) {
    body.categories.forEach(function (c) {
      categories[c.id] = c;
      var option = document.createElement('option');
      option.value = c.id;
      option.textContent = label(c.labels);
      categorySelect.appendChild(option);
    });
  }).finally(refresh);

  if (navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (pos) {
      map.setView([pos.coords.latitude, pos.coords.longitude], 15);
    }, function () { /* refused or unavailable: stay on the demo city */ }, { timeout: 5000 });
  }
})();
