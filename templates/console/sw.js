// Destek console service worker: shows the agent's Web Push alerts (alerts/services.py sends
// {title, body, url, tag}) and opens the conversation when one is clicked.
self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { body: event.data.text() };
  }
  event.waitUntil(self.registration.showNotification(data.title || 'Destek', {
    body: data.body || '',
    tag: data.tag,
    icon: '/static/favicon.svg',
    data: { url: data.url || '{{ inbox_url }}' },
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL(event.notification.data.url, self.location.origin).href;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const console_ = windows.find((client) => new URL(client.url).pathname.startsWith('{{ inbox_url }}'));
    if (console_) {
      await console_.focus();
      return console_.navigate(url);
    }
    return self.clients.openWindow(url);
  })());
});
