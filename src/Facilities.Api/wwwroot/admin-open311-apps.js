// The admins' Open311 apps screen, opened from the partners screen: the third-party reporting apps (a FixMyStreet-like
// app, a city's own) that file residents' reports with POST /open311/v2/requests.json and an api_key made here. The
// key is shown once, with a copy button (the API keeps only its SHA-256); every app is listed with its key's hash
// prefix, when it was made and how many reports it filed. Revoking stops the key at once and cannot be undone (a new
// key is a new app), so it asks to be tapped a second time; the reports the app filed stay.
import { fill, keptOnSwitch, shownOnce } from './admin-partners.js';

const words = {
  en: {
    appsTitle: 'Open311 apps',
    appsBack: 'Back to partners',
    appsIntro: 'Apps that file residents’ reports over Open311 (POST /open311/v2/requests.json) each need a key of their own. A report an app files reaches the facility’s partners like any other.',
    appsName: 'App name',
    appsCreate: 'Create app',
    appsNone: 'No apps yet.',
    appsKeyOnce: 'The api_key of {name}. Copy it now and give it to the app’s makers: you will not see it again.',
    appsKeyLabel: 'api_key of {name}',
    appsActive: 'Its key works',
    appsRevokedOn: 'Revoked {date}: it files nothing more',
    appsKey: 'Key {id} · made {made}',
    appsReports: 'Reports filed: {n}',
    appsRevoke: 'Revoke key',
    appsRevokeConfirm: '{name} can file no more reports; those it filed stay. A revoked key cannot come back: a new key is a new app. Tap again to revoke.',
    appsRevoked: 'The key of {name} is revoked.'
  },
  'zh-Hans': {
    appsTitle: 'Open311 应用',
    appsBack: '返回合作方',
    appsIntro: '通过 Open311（POST /open311/v2/requests.json）提交居民报告的应用各需一个自己的密钥。应用提交的报告与其他报告一样送达设施的合作方。',
    appsName: '应用名称',
    appsCreate: '创建应用',
    appsNone: '还没有应用。',
    appsKeyOnce: '{name} 的 api_key。请现在复制并交给应用的开发者：之后将无法再次查看。',
    appsKeyLabel: '{name} 的 api_key',
    appsActive: '密钥可用',
    appsRevokedOn: '已于 {date} 撤销：不能再提交报告',
    appsKey: '密钥 {id} · 创建于 {made}',
    appsReports: '已提交报告：{n} 份',
    appsRevoke: '撤销密钥',
    appsRevokeConfirm: '{name} 将不能再提交报告，已提交的报告保留。撤销后无法恢复：新的密钥需要新建应用。再点一次以撤销。',
    appsRevoked: '{name} 的密钥已撤销。'
  }
};

const APP_KEY = { prefix: 'open311', card: 'data-app-id', once: 'appsKeyOnce', label: 'appsKeyLabel' };

let extended = false;

export async function apps(body, title, c) {
  if (!extended) { c.I.extend(words); extended = true; }
  const t = c.t, make = c.make;
  title.textContent = t('appsTitle');
  c.linkButton(body, t('appsBack'), function () { c.show('partners'); }).id = 'open311-apps-back';
  body.appendChild(make('p', 'hint', t('appsIntro')));
  const list = make('ol', 'partner-list');
  list.id = 'open311-app-list';
  const f = c.form(body, async function () {
    const created = await c.api('POST', 'api/v1/admin/open311-apps', { name: f.elements.name.value.trim() });
    f.elements.name.value = '';
    c.clearErrors(f);
    await draw(list, c);
    shownOnce(list.querySelector('li[data-app-id="' + created.id + '"]'), created, c, APP_KEY);
  });
  f.id = 'open311-app-form';
  c.field(f, 'name', t('appsName'), c.input('text', 'name')).autocomplete = 'off';
  c.submitRow(f, t('appsCreate')).id = 'open311-app-create';
  body.appendChild(list);
  await draw(list, c);
  keptOnSwitch(list, c, APP_KEY);
}

/** Fills the list from GET /api/v1/admin/open311-apps, newest first as the API answers (keys by their hash prefix only). */
function draw(list, c) {
  return fill(list, c, function () { return c.api('GET', 'api/v1/admin/open311-apps'); }, c.t('appsNone'),
    { name: 'partners', arg: 'open311-apps' }, function (app) { return card(app, list, c); });
}

function card(app, list, c) {
  const t = c.t, make = c.make, I = c.I;
  const li = make('li', 'partner-card open311-app');
  li.dataset.appId = app.id;
  li.dataset.active = String(app.active);
  li.appendChild(make('h3', null, app.name));
  li.appendChild(make('p', 'row-meta partner-state', app.active ? t('appsActive') : t('appsRevokedOn', { date: I.date(app.revoked_at) })));
  li.appendChild(make('p', 'row-meta open311-app-key', t('appsKey', { id: app.key_id, made: I.date(app.created_at) })));
  li.appendChild(make('p', 'row-meta open311-app-reports', t('appsReports', { n: I.number(app.reports) })));
  const message = make('p', 'action-message');
  message.setAttribute('role', 'status');
  if (app.active) {
    const actions = make('div', 'actions');
    c.twice(actions, message, t('appsRevoke'), t('appsRevokeConfirm', { name: app.name }), function () {
      return c.api('DELETE', 'api/v1/admin/open311-apps/' + encodeURIComponent(app.id)).then(function () {
        return draw(list, c).then(function () {
          const m = list.querySelector('li[data-app-id="' + app.id + '"] .action-message');
          if (m) { m.textContent = t('appsRevoked', { name: app.name }); m.className = 'action-message done'; }
        });
      }, function (e) { message.textContent = t('failed', { reason: e.message }); message.className = 'action-message error'; });
    }, 'revoke');
    li.appendChild(actions);
  }
  li.appendChild(message);
  return li;
}
