// The Alerts page: turn this browser's Web Push subscription on and off (console/views/alerts.py).
(() => {
  const section = document.getElementById('push-section');
  const key = section?.dataset.vapidKey;
  if (!key) return;
  const state = document.getElementById('push-state');
  const enable = document.getElementById('push-enable');
  const disable = document.getElementById('push-disable');
  const csrf = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken'];
  const text = section.dataset;

  const bytes = (b64) => {
    const raw = atob((b64 + '='.repeat((4 - b64.length % 4) % 4)).replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  };
  const post = async (url, data) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf },
      body: JSON.stringify(data),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error?.detail || response.status);
    return body;
  };
  const show = (on, message) => {
    state.textContent = message || (on ? text.textOn : text.textOff);
    enable.hidden = on;
    disable.hidden = !on;
  };
  const registration = () => navigator.serviceWorker.register(text.swUrl, { scope: text.scope });

  if (!('serviceWorker' in navigator) || !('PushManager' in window)) {
    enable.hidden = true;
    state.textContent = text.textUnsupported;
    return;
  }
  registration().then(async (reg) => {
    const subscription = await reg.pushManager.getSubscription();
    show(Boolean(subscription) && Notification.permission === 'granted');
  });

  enable.addEventListener('click', async () => {
    enable.disabled = true;
    try {
      if (await Notification.requestPermission() !== 'granted') return show(false, text.textDenied);
      const reg = await registration();
      await navigator.serviceWorker.ready;
      const subscription = await reg.pushManager.getSubscription()
        || await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes(key) });
      await post(text.subscribeUrl, subscription.toJSON());
      show(true);
    } catch (error) {
      show(false, `${text.textFailed} ${error.message}`);
    } finally {
      enable.disabled = false;
    }
  });

  disable.addEventListener('click', async () => {
    const reg = await registration();
    const subscription = await reg.pushManager.getSubscription();
    if (subscription) {
      await post(text.unsubscribeUrl, { endpoint: subscription.endpoint });
      await subscription.unsubscribe();
    }
    show(false);
  });
})();
