// The contributor's tokens: the login (or sign-up) answer, kept in localStorage['facilities.auth'] as JSON with the
// time its access token expires. Writes go through send(): an expired access token is renewed with the refresh
// token first, and a 401 renews once and retries; a refresh the API refuses forgets the tokens (signed out).
const KEY = 'facilities.auth';
const EARLY_MS = 30000; // renew a little before the expiry, so a request does not race it

export function load() {
  try { return JSON.parse(localStorage.getItem(KEY) || 'null'); } catch (e) { return null; }
}

/** A random id: an Idempotency-Key, or a sign-in's session (crypto.randomUUID exists only on HTTPS and localhost). */
export function newKey() {
  if (crypto.randomUUID) { return crypto.randomUUID(); }
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

// A sign-in's session id stays with its tokens through every renewal (which saves the old answer with the new
// tokens): what the resident saved offline (outbox.js) is sent later with this sign-in's current token only.
export function save(answer) {
  const auth = Object.assign({}, answer);
  if (!auth.session) { auth.session = newKey(); }
  if (answer.expires_in) { auth.expires_at = Date.now() + answer.expires_in * 1000; }
  try { localStorage.setItem(KEY, JSON.stringify(auth)); } catch (e) { /* storage disabled: signed in for this page only */ }
  return auth;
}

export function forget() {
  try { localStorage.removeItem(KEY); } catch (e) { /* storage disabled */ }
}

let renewing = null;

/** New tokens for the refresh token; null (and signed out) when the API refuses it. One renewal at a time. */
function renew(auth) {
  if (!renewing) {
    renewing = fetch('api/v1/auth/refresh', {
      method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ refresh_token: auth.refresh_token })
    }).then(function (r) {
      if (r.status === 401 || r.status === 400) { forget(); return null; }
      return r.ok ? r.json().then(function (answer) { return save(Object.assign({}, auth, answer)); }) : auth;
    }, function () { return auth; }).then(function (a) { renewing = null; return a; });
  }
  return renewing;
}

async function current() {
  const auth = load();
  if (auth && auth.refresh_token && auth.expires_at && Date.now() > auth.expires_at - EARLY_MS) { return renew(auth); }
  return auth;
}

/** One request as it is, without renewal: <headers> carry its credential, if any. A FormData body (a photo) goes as
 * multipart, its boundary in the Content-Type the browser writes; others as JSON. */
export function request(method, url, body, headers) {
  const form = body instanceof FormData;
  return fetch(url, {
    method: method,
    // The page's language, which the resident may have switched from the browser's: refusals come back in it.
    headers: Object.assign({ Accept: 'application/json, application/geo+json', 'Accept-Language': window.FacilitiesI18n.lang },
      body === undefined || form ? {} : { 'Content-Type': 'application/json' }, headers),
    body: body === undefined ? undefined : form ? body : JSON.stringify(body)
  });
}

/** A request with the bearer token (and <headers>); answers the Response (a 401 once the tokens are beyond renewal). */
export async function send(method, url, body, headers) {
  const attempt = (auth) => request(method, url, body,
    Object.assign({}, headers, auth && auth.access_token ? { Authorization: 'Bearer ' + auth.access_token } : {}));
  const auth = await current();
  let response = await attempt(auth);
  if (response.status === 401 && auth && auth.refresh_token) {
    const renewed = await renew(auth);
    if (renewed) { response = await attempt(renewed); }
  }
  if (response.status === 401) { forget(); }
  return response;
}
