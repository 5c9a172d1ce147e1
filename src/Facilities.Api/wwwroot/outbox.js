// What a resident contributed without a connection, a "still here" or a report, kept in IndexedDB until the connection
// returns and then sent oldest first. Each entry keeps the request as it was made: its URL and body, its
// Idempotency-Key, and the bearer token and sign-in session it was made with.
// The 'online' event, a page load and the retry timer may all ask to send at once, in several tabs: one sender at a
// time (a Web Lock, shared by the origin's tabs), and an entry leaves the store only once the service has answered
// it, so each is sent once. The API does not read Idempotency-Key yet: a request whose answer the connection lost on
// the way back is sent again, and counts once anyway, as a second "still here" or report by one account does.

import * as auth from './auth.js';

const NAME = 'facilities-outbox';
const STORE = 'contributions';
// Set while the store holds something: a page load then needs neither this file nor auth.js to know there is nothing
// to send (offline.js reads it).
const MARK = 'facilities.outbox';

function mark(on) {
  try { if (on) { localStorage.setItem(MARK, '1'); } else { localStorage.removeItem(MARK); } } catch (e) { /* storage disabled */ }
}

function store(mode, work) {
  return new Promise(function (resolve, reject) {
    const opening = indexedDB.open(NAME, 1);
    opening.onupgradeneeded = function () { opening.result.createObjectStore(STORE, { keyPath: 'key' }); };
    opening.onerror = function () { reject(opening.error); };
    opening.onsuccess = function () {
      const db = opening.result;
      const tx = db.transaction(STORE, mode);
      const asked = work(tx.objectStore(STORE));
      tx.oncomplete = function () { db.close(); resolve(asked.result); };
      tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
    };
  });
}

/** Keeps a contribution that found no connection: { key, kind: confirmation | report, url, body, facility_id }. */
export function keep(entry) {
  const signedIn = auth.load();
  return store('readwrite', function (s) {
    return s.put(Object.assign({ made_at: Date.now(), token: signedIn && signedIn.access_token, session: signedIn && signedIn.session }, entry));
  }).then(function () { mark(true); });
}

function kept() {
  return store('readonly', function (s) { return s.getAll(); }).then(function (all) { return all.sort(function (a, b) { return a.made_at - b.made_at; }); });
}

// The same sign-in, still on this device, sends with its current token, renewed if it expired while offline; any
// other case with the token the entry was made with, never as whoever is signed in now.
function post(entry) {
  const key = { 'Idempotency-Key': entry.key };
  const now = auth.load();
  if (entry.session && now && now.session === entry.session) { return auth.send('POST', entry.url, entry.body, key); }
  return auth.request('POST', entry.url, entry.body, Object.assign(key, entry.token ? { Authorization: 'Bearer ' + entry.token } : {}));
}

/**
 * Sends what is kept, oldest first. Answers { answered: [{ entry, ok, answer (the JSON of a success), detail (a
 * refusal's words) }], waiting: how many are still kept }: it stops at the first one without a connection or that the
 * service could not take now (429, 5xx), to try again later. A refusal (400, 401, 404, 409) is answered and dropped.
 */
export function send() {
  const run = async function () {
    const answered = [];
    const all = await kept();
    for (const entry of all) {
      let response;
      try { response = await post(entry); } catch (e) { break; }
      if (response.status === 429 || response.status >= 500) { break; }
      const text = await response.text();
      let json = null;
      try { json = text ? JSON.parse(text) : null; } catch (e) { /* not JSON: the status says it */ }
      await store('readwrite', function (s) { return s.delete(entry.key); });
      answered.push({ entry: entry, ok: response.ok, answer: response.ok ? json : null,
        detail: response.ok ? null : (json && (json.detail || json.title)) || String(response.status) });
    }
    mark((await kept()).length > 0); // counted again: another tab may have kept one meanwhile
    return { answered: answered, waiting: all.length - answered.length };
  };
  return navigator.locks ? navigator.locks.request(NAME, run) : run();
}
