// Offline, loaded after the first answers: registers the service worker (sw.js), which keeps the page, the last
// area's nearby answers and the facilities opened, and queues a "still here" or a report made offline until the
// connection returns. While the browser is offline the page says so; when it is back, the page asks again.

const words = {
  en: { offline: 'Offline: showing what was saved when you were last online.' },
  'zh-Hans': { offline: '离线：显示的是上次联网时保存的内容。' }
};

export function setup(P) {
  P.I.extend(words);
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('sw.js').catch(function () { /* not over plain HTTP on a public host: online only */ });
  }
  function update() {
    P.setNote('offline', navigator.onLine ? null : {});
    document.body.classList.toggle('offline', !navigator.onLine);
  }
  window.addEventListener('offline', update);
  window.addEventListener('online', function () { update(); P.refresh(); });
  update();
}
