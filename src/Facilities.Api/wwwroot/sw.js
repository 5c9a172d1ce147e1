// The map page's service worker: the page works offline with what it saw last. Workbox (vendored under lib/, as
// libman.json declares) routes the requests:
// - the page and its own files, network first (they are revalidated on every load anyway), so a reload offline
//   opens the page as it was last served;
// - nearby answers, network first, kept under one key: offline, whatever position is asked, the page gets the last
//   area's list, whose distances are from the position it was asked for then;
// - a facility's details, the map's clusters and lists, map-config and the categories, network first, the last 200
//   answers kept for a week;
// - writes are not routed: a "still here" or a report made offline fails as it would without the worker, and the page
//   keeps it in its outbox (outbox.js) until the connection returns.
// Every path is relative to this file, so the service also works under a path prefix.

importScripts('lib/workbox-sw/build/workbox-sw.js');
// Only the production builds are vendored; workbox-sw would load its debug builds on a host called localhost.
workbox.setConfig({ debug: false, modulePathCb: (name) => `lib/${name}/build/${name}.prod.js` });

const { registerRoute } = workbox.routing;
const { NetworkFirst } = workbox.strategies;
const { ExpirationPlugin } = workbox.expiration;

const VERSION = 'v1';
const PAGE = `facilities-page-${VERSION}`;
const ANSWERS = `facilities-answers-${VERSION}`;
const scope = new URL(self.registration.scope);
const api = (path) => new URL(`api/v1/${path}`, scope).pathname;
const LAST_NEARBY = new URL('api/v1/facilities/nearby?last', scope).href;

// What a first visit has loaded before this worker took over, and what a later offline visit needs.
const SHELL = ['./', 'index.html', 'app.js', 'i18n.js', 'app.css', 'details.js', 'report-answers.js', 'first-answer.js', 'search.js', 'offline.js', 'outbox.js',
  'auth.js', 'manifest.webmanifest', 'icons/icon-192.png', 'icons/icon-512.png', 'lib/leaflet/dist/leaflet.js?v=1.9.4',
  'lib/leaflet/dist/leaflet.css?v=1.9.4'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(PAGE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('facilities-') && !k.endsWith(VERSION)).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

const sameOrigin = (url) => url.origin === self.location.origin;

registerRoute(({ request, url }) => sameOrigin(url) && (request.mode === 'navigate' || !url.pathname.startsWith(api(''))),
  new NetworkFirst({ cacheName: PAGE, networkTimeoutSeconds: 4 }));

registerRoute(({ url }) => sameOrigin(url) && url.pathname === api('facilities/nearby'),
  new NetworkFirst({
    cacheName: ANSWERS,
    networkTimeoutSeconds: 4,
    plugins: [{ cacheKeyWillBeUsed: async () => LAST_NEARBY }]
  }));

registerRoute(({ url }) => sameOrigin(url) && url.pathname.startsWith(api('')) && !url.pathname.startsWith(api('auth/')),
  new NetworkFirst({
    cacheName: ANSWERS,
    networkTimeoutSeconds: 4,
    plugins: [new ExpirationPlugin({ maxEntries: 200, maxAgeSeconds: 7 * 24 * 3600 })]
  }));
