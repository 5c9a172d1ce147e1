// The admins' partners screen in the contributor panel, loaded the first time an admin opens it: create a government
// partner (its API key is shown once, with a copy button: only the key's SHA-256 is stored), list every partner with
// its keys and datasets, rotate a partner's key (a new one shown once, the older ones stop at once) and revoke them all.
// Both key changes lock the partner's running uploads out, so each asks to be tapped a second time. The Open311 apps
// (admin-open311-apps.js, loaded then) are the same view with the argument 'open311-apps', so a language switch or a
// sign-in on the way comes back to them.

const words = {
  en: {
    partnersTitle: 'Partners',
    partnersName: 'Partner name',
    partnersCreate: 'Create partner',
    partnersNone: 'No partners yet.',
    partnersKeyOnce: 'The API key of {name}. It is shown only this once: copy it and give it to the partner.',
    partnersKeyLabel: 'API key of {name}',
    partnersCopy: 'Copy the key',
    partnersCopied: 'Copied.',
    partnersCopyFailed: 'Select the key and copy it by hand.',
    partnersActive: 'Has a working key',
    partnersLockedOut: 'No working key: locked out',
    partnersKey: 'Key {id} · made {made}',
    partnersKeyRevoked: 'Key {id} · made {made} · revoked {revoked}',
    partnersDataset: '{name} · {kind} · {n} records',
    partnersNoDatasets: 'No datasets yet.',
    partnersRotate: 'Rotate key',
    partnersRevoke: 'Revoke keys',
    partnersRotateConfirm: 'A new key for {name}; the current one stops working now. Tap again to rotate.',
    partnersRevokeConfirm: '{name} is locked out until its key is rotated. Tap again to revoke.',
    partnersRevoked: 'Every key of {name} is revoked.',
    partnersToApps: 'Open311 apps'
  },
  'zh-Hans': {
    partnersTitle: '合作方',
    partnersName: '合作方名称',
    partnersCreate: '创建合作方',
    partnersNone: '还没有合作方。',
    partnersKeyOnce: '{name} 的 API 密钥。它只显示这一次：请复制并交给合作方。',
    partnersKeyLabel: '{name} 的 API 密钥',
    partnersCopy: '复制密钥',
    partnersCopied: '已复制。',
    partnersCopyFailed: '请选中密钥并手动复制。',
    partnersActive: '有可用的密钥',
    partnersLockedOut: '没有可用的密钥：已停用',
    partnersKey: '密钥 {id} · 创建于 {made}',
    partnersKeyRevoked: '密钥 {id} · 创建于 {made} · 撤销于 {revoked}',
    partnersDataset: '{name} · {kind} · {n} 条记录',
    partnersNoDatasets: '还没有数据集。',
    partnersRotate: '更换密钥',
    partnersRevoke: '撤销密钥',
    partnersRotateConfirm: '为 {name} 生成新密钥；当前密钥立即失效。再点一次以更换。',
    partnersRevokeConfirm: '{name} 将被停用，直到更换密钥。再点一次以撤销。',
    partnersRevoked: '{name} 的所有密钥已撤销。',
    partnersToApps: 'Open311 应用'
  }
};

let extended = false;

export async function partners(body, title, arg, c) {
  if (!extended) { c.I.extend(words); extended = true; }
  if (arg === 'open311-apps') {
    return import('./admin-open311-apps.js').then(function (m) { return m.apps(body, title, c); });
  }
  const t = c.t, make = c.make;
  title.textContent = t('partnersTitle');
  c.linkButton(body, t('partnersToApps'), function () { c.show('partners', 'open311-apps'); }).id = 'open311-apps-open';
  const list = make('ol', 'partner-list');
  list.id = 'partner-list';
  const f = c.form(body, async function () {
    const created = await c.api('POST', 'api/v1/admin/partners', { name: f.elements.name.value.trim() });
    f.elements.name.value = '';
    c.clearErrors(f);
    await draw(list, c);
    shownOnce(list.querySelector('li[data-partner-id="' + created.id + '"]'), created, c);
  });
  c.field(f, 'name', t('partnersName'), c.input('text', 'name')).autocomplete = 'off';
  c.submitRow(f, t('partnersCreate')).id = 'partner-create';
  body.appendChild(list);
  await draw(list, c);
  keptOnSwitch(list, c, PARTNER_KEY);
}

/** Fills the list from GET /api/v1/admin/partners (keys by their hash prefix only; the API never returns a key). */
function draw(list, c) {
  // Newest first: the partner just made is at the top, where its key is shown.
  const newestFirst = function () { return c.api('GET', 'api/v1/admin/partners').then(function (all) { return all.slice().reverse(); }); };
  return fill(list, c, newestFirst, c.t('partnersNone'), { name: 'partners' }, function (p) { return card(p, list, c); });
}

/**
 * Fills <list> with a card a row of what <load> answers, <none> when there is none. A 401 (the session ended) opens the
 * sign-in, which comes back to the view <back>; another refusal is said in the list.
 */
export async function fill(list, c, load, none, back, card) {
  list.setAttribute('aria-busy', 'true');
  let all;
  try {
    all = await load();
  } catch (e) {
    list.setAttribute('aria-busy', 'false');
    if (e.status === 401) { return c.show('signin', null, false, back); }
    list.textContent = '';
    list.appendChild(c.make('li', 'action-message error', c.t('failed', { reason: e.message })));
    return undefined;
  }
  list.textContent = '';
  if (!all.length) { list.appendChild(c.make('li', 'empty', none)); }
  all.forEach(function (row) { list.appendChild(card(row)); });
  list.setAttribute('aria-busy', 'false');
  return undefined;
}

function card(p, list, c) {
  const t = c.t, make = c.make, I = c.I;
  const li = make('li', 'partner-card');
  li.dataset.partnerId = p.id;
  li.dataset.active = String(p.active);
  li.appendChild(make('h3', null, p.name));
  li.appendChild(make('p', 'row-meta partner-state', p.active ? t('partnersActive') : t('partnersLockedOut')));
  const keys = make('ul', 'partner-keys');
  p.keys.forEach(function (k) {
    const item = make('li', k.revoked_at ? 'revoked' : 'working', k.revoked_at
      ? t('partnersKeyRevoked', { id: k.id, made: I.date(k.created_at), revoked: I.date(k.revoked_at) })
      : t('partnersKey', { id: k.id, made: I.date(k.created_at) }));
    item.dataset.keyId = k.id;
    keys.appendChild(item);
  });
  li.appendChild(keys);
  const datasets = make('ul', 'partner-datasets');
  p.datasets.forEach(function (d) {
    const item = make('li', null, t('partnersDataset', { name: d.name, kind: d.kind, n: I.number(d.records) }));
    item.dataset.datasetId = d.id;
    datasets.appendChild(item);
  });
  if (!p.datasets.length) { datasets.appendChild(make('li', 'empty', t('partnersNoDatasets'))); }
  li.appendChild(datasets);

  const message = make('p', 'action-message');
  message.setAttribute('role', 'status');
  const failed = function (e) { message.textContent = t('failed', { reason: e.message }); message.className = 'action-message error'; };
  const actions = make('div', 'actions');
  const redrawn = function () { return draw(list, c).then(function () { return list.querySelector('li[data-partner-id="' + p.id + '"]'); }); };
  c.twice(actions, message, t('partnersRotate'), t('partnersRotateConfirm', { name: p.name }), function () {
    return c.api('POST', 'api/v1/admin/partners/' + encodeURIComponent(p.id) + '/key').then(function (rotated) {
      return redrawn().then(function (fresh) { shownOnce(fresh, rotated, c); });
    }, failed);
  }, 'rotate');
  if (p.active) {
    c.twice(actions, message, t('partnersRevoke'), t('partnersRevokeConfirm', { name: p.name }), function () {
      return c.api('DELETE', 'api/v1/admin/partners/' + encodeURIComponent(p.id) + '/key').then(function () {
        return redrawn().then(function (fresh) {
          const m = fresh && fresh.querySelector('.action-message');
          if (m) { m.textContent = t('partnersRevoked', { name: p.name }); m.className = 'action-message done'; }
        });
      }, failed);
    }, 'revoke');
  }
  li.appendChild(actions);
  li.appendChild(message);
  return li;
}

const PARTNER_KEY = { prefix: 'partner', card: 'data-partner-id', once: 'partnersKeyOnce', label: 'partnersKeyLabel' };

// A key on screen outlives the language switch that redraws the panel: the admin would otherwise lose the only sight
// of it. The switch is heard on window in the capture phase, before the panel's listener on document empties it.
let onScreen = null;             // { box, id, name, said }: the key box shown last
let switched = null;             // { id, created, said }: the key that was on screen when the language switched
window.addEventListener('facilities:language', function () {
  switched = onScreen && onScreen.box.isConnected
    ? { id: onScreen.id, created: { name: onScreen.name, api_key: onScreen.box.querySelector('textarea').value }, said: onScreen.said }
    : null;
  onScreen = null;
}, true);

/** After a screen's list is drawn: the key that was on it when the language switched, shown again in its card. */
export function keptOnSwitch(list, c, said) {
  const kept = switched;
  switched = null;
  if (kept && kept.said === said) {
    shownOnce(list.querySelector('li[' + said.card + '="' + kept.id + '"]'), kept.created, c, said);
  }
}

/** The key the API answered with, in the card of its partner (or app: <said> names its ids' prefix and its words):
 * the one time anyone sees it. */
export function shownOnce(li, created, c, said) {
  if (!li) { return; }
  said = said || PARTNER_KEY;
  const t = c.t, make = c.make;
  const box = make('div', 'partner-key-once');
  box.id = said.prefix + '-key-once';
  box.appendChild(make('p', null, t(said.once, { name: created.name })));
  // A text area, so that the whole key is in sight on a phone (a text field would scroll it).
  const key = make('textarea');
  key.name = 'api_key';
  key.value = created.api_key;
  key.rows = 2;
  key.readOnly = true;
  key.id = said.prefix + '-new-key';
  key.spellcheck = false;
  key.autocomplete = 'off';
  key.setAttribute('aria-label', t(said.label, { name: created.name }));
  key.addEventListener('focus', function () { key.select(); });
  box.appendChild(key);
  const copied = make('p', 'action-message');
  copied.setAttribute('role', 'status');
  const row = make('div', 'actions');
  c.linkButton(row, t('partnersCopy'), function () {
    const done = function () { copied.textContent = t('partnersCopied'); copied.className = 'action-message done'; };
    const byHand = function () { key.focus(); key.select(); copied.textContent = t('partnersCopyFailed'); copied.className = 'action-message'; };
    if (navigator.clipboard && navigator.clipboard.writeText) { navigator.clipboard.writeText(created.api_key).then(done, byHand); } else { byHand(); }
  }, 'primary').id = said.prefix + '-copy-key';
  box.appendChild(row);
  box.appendChild(copied);
  li.querySelector('h3').after(box);
  box.scrollIntoView({ block: 'nearest' });
  onScreen = { box: box, id: li.getAttribute(said.card), name: created.name, said: said };
}
