// Kedao's service worker. The server fills in the build's version and file list (server/src/http/pwa.rs),
// so every deploy is a new worker with its own cache, and a page never mixes files of two builds.
//
// - install: precache this build's files and the pages' HTML (fetched with the user's cookies, so in
//   their language); the first install takes over at once, later ones wait for the user's "update".
// - activate: drop the caches of older builds.
// - fetch: the API goes to the network (the app keeps its own data in IndexedDB); this build's files
//   come from its cache; pages come from the network while it answers within 3 s with this build,
//   else from the cache (offline start).
const VERSION = '__KEDAO_BUILD__';
const FILES = __KEDAO_FILES__;
const PAGES = ['/', '/customers', '/funnel', '/segments', '/promotions', '/settings', '/sync', '/signin'];
const CACHE = `kedao-${VERSION}`;
const PAGE_TIMEOUT_MS = 3000;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(FILES.map((url) => new Request(url, { cache: 'reload' })));
      await Promise.all(
        PAGES.map(async (url) => {
          try {
            const res = await fetch(url, { cache: 'reload', credentials: 'same-origin' });
            if (res.ok && res.headers.get('x-kedao-build') === VERSION) await cache.put(url, res);
          } catch (_) {
            // A page that cannot be fetched now is cached on its first visit.
          }
        }),
      );
      if (!self.registration.active) await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith('kedao-') && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/sw.js' || url.pathname === '/healthz') return;
  event.respondWith(req.mode === 'navigate' ? page(req, url) : file(req));
});

async function file(req) {
  const hit = await caches.match(req, { ignoreSearch: true, cacheName: CACHE });
  return hit || fetch(req);
}

async function cachedPage(url) {
  const cache = await caches.open(CACHE);
  return (await cache.match(url.pathname)) || (await cache.match('/'));
}

async function page(req, url) {
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), PAGE_TIMEOUT_MS);
  });
  try {
    const res = await Promise.race([fetch(req), late]);
    clearTimeout(timer);
    if (res === null) return (await cachedPage(url)) || fetch(req);
    if (res.headers.get('x-kedao-build') === VERSION) {
      if (res.ok) {
        const cache = await caches.open(CACHE);
        await cache.put(url.pathname, res.clone());
      }
      return res;
    }
    // The server runs a newer build than this worker: keep this build's page (its files are the
    // ones cached here); the new worker is installing and the app offers the update.
    return (await cachedPage(url)) || res;
  } catch (err) {
    clearTimeout(timer);
    const hit = await cachedPage(url);
    if (hit) return hit;
    throw err;
  }
}
