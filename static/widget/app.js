// App mode (docs/mobile.md): a native app opens /widget/?mode=app&widget_key=KEY full screen in a
// WebView. Loaded by widget.js in app mode only, before the session opens. The app passes who the
// user is and its device by the query string, or by a bridge it adds before the page loads:
// iOS `window.destekApp = {...}` (a WKUserScript at document start), Android a JavascriptInterface
// `DestekAndroid` whose `config()` returns the same object as JSON. The bridge wins over the query.
// Events (ready, unread, message, error) go back through `webkit.messageHandlers.destek` (iOS) or
// `DestekAndroid.postMessage(json)` (Android).
export default function app(I) {
  const q = new URLSearchParams(location.search);
  const get = (k) => q.get(k) || undefined;
  const android = window.DestekAndroid;
  let bridge = window.destekApp || {};
  try {
    if (android?.config) bridge = JSON.parse(android.config()) || {};
  } catch {
    console.error('Destek: DestekAndroid.config() did not return JSON');
  }
  const id = get('external_id');
  Object.assign(I, {
    identity: id && { external_id: id, hash: get('hash'), name: get('name'), email: get('email') },
    locale: get('locale'),
    reset: get('reset'),
    device: {
      platform: get('platform') || 'app',
      os: get('os'),
      os_version: get('os_version'),
      app_version: get('app_version'),
      model: get('model'),
    },
  }, bridge);
  // Destek.setConversationContext in app mode: the bridge's `context`, or ?order_id= / ?table=.
  const c = bridge.context || ((get('order_id') || get('table')) && { order_id: get('order_id'), table: get('table') });
  if (c) I.c = c;
  self.destekOut = (m) => {
    window.webkit?.messageHandlers?.destek?.postMessage(m);
    android?.postMessage?.(JSON.stringify(m));
  };
  // The on-screen keyboard: iOS WebViews shrink the visual viewport, not the layout one, so the
  // shell follows visualViewport and the composer stays above the keyboard (dvh elsewhere).
  const vv = window.visualViewport;
  if (vv) {
    const fit = () => {
      document.documentElement.style.setProperty('--app-height', `${vv.height}px`);
      scrollTo(0, 0);
    };
    vv.addEventListener('resize', fit);
    fit();
  }
  document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: new URL('app.css', import.meta.url) }));
}
