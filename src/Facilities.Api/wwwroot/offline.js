// Offline, loaded after the first answers: registers the service worker (sw.js), which keeps the page, the last
// area's nearby answers and the facilities opened. While the browser is offline the page says so and the nearest list
// is headed as the saved one; when it is back, the page asks again. A "still here" or a report made offline waits in
// the outbox (outbox.js) and is sent when the connection returns, at the next load, or a minute after a send that
// found none (a phone can be "online" on a network that goes nowhere, and then no 'online' event comes).

const words = {
  en: {
    offline: 'Offline: showing what was saved when you were last online.',
    nearestOffline: 'Saved nearby list · offline',
    savedSent: 'Back online: sent what you saved offline ({n}).',
    savedRefused: 'Not sent: {reason}'
  },
  'zh-Hans': {
    offline: '离线：显示的是上次联网时保存的内容。',
    nearestOffline: '已保存的附近列表 · 离线',
    savedSent: '已恢复联网：离线时保存的内容已发送（{n}）。',
    savedRefused: '未发送：{reason}'
  }
};

const RETRY_MS = 60000;
const NOTE_MS = 20000;

// Whether the outbox holds anything (outbox.js marks it): most loads have nothing to send, and then load neither
// outbox.js nor auth.js.
function kept() {
  try { return localStorage.getItem('facilities.outbox') !== null; } catch (e) { return true; }
}

export function setup(P) {
  P.I.extend(words);
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('sw.js').catch(function () { /* not over plain HTTP on a public host: online only */ });
  }
  let retry = null, clearing = null;

  function update() {
    P.state.offline = !navigator.onLine;
    P.setNote('offline', P.state.offline ? {} : null);
    document.body.classList.toggle('offline', P.state.offline);
    if (P.state.offline) { P.el.nearestTitle.textContent = P.t('nearestOffline'); }
  }

  function deliver() {
    clearTimeout(retry);
    if (!navigator.onLine || !kept()) { return; } // offline, the 'online' event sends
    Promise.all([import('./outbox.js'), import('./details.js')]).then(function (parts) {
      return parts[0].send().then(function (result) {
        if (result.waiting) { retry = setTimeout(deliver, RETRY_MS); }
        tell(result.answered, parts[1]);
      });
    }).catch(function () { /* no IndexedDB here (some private windows): nothing was kept */ });
  }

  function tell(answered, details) {
    if (!answered.length) { return; }
    answered.forEach(details.sent);
    const sent = answered.filter(function (a) { return a.ok; }).length;
    const refused = answered.filter(function (a) { return !a.ok; }).map(function (a) { return a.detail; });
    P.setNote('savedSent', sent ? { n: sent } : null);
    P.setNote('savedRefused', refused.length ? { reason: refused.join(' · ') } : null);
    clearTimeout(clearing);
    clearing = setTimeout(function () { P.setNote('savedSent', null); P.setNote('savedRefused', null); }, NOTE_MS);
  }

  window.addEventListener('offline', update);
  window.addEventListener('online', function () { update(); P.refresh(); deliver(); });
  document.addEventListener('facilities:outbox', deliver);
  update();
  deliver();
}
