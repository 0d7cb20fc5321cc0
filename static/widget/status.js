// Texts the widget needs only while support is closed, the visitor waits in line or reads a
// resolved conversation: loaded by widget.js then (not part of the first open,
// bench/widget_size.py). Their texts come from the server (/widget/status-texts, in the page's
// language); P: the page's texts.
const texts = fetch('/widget/status-texts?lang=' + encodeURIComponent(document.documentElement.lang || 'en'), { credentials: 'omit' }).then((r) => r.json());
const today = (d) => d.toDateString() === new Date().toDateString();
const clock = (d, lang) => d.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });

// "Back at 09:00", "Back Monday at 09:00", "Back 3 Jan at 09:00"; "Closed" with no opening known.
export async function closed(P, lang, hours) {
  const T = { ...P, ...(await texts) };
  const d = new Date(hours.next_open_at || NaN);
  if (isNaN(d)) return T.closed;
  const day = d - new Date() < 5e8
    ? d.toLocaleDateString(lang, { weekday: 'long' })
    : d.toLocaleDateString(lang, { day: 'numeric', month: 'short' });
  return (today(d) ? T.at : T.on).replace('{time}', clock(d, lang)).replace('{day}', day);
}

// "You are number 3 in line · about 1 h 5 min", "You're next".
export async function queue(P, lang, q) {
  const T = await texts;
  const s = q.estimated_wait_seconds;
  const m = Math.max(1, Math.round(s / 60));
  const min = T.min.replace('{n}', m % 60);
  const eta = m < 60 ? min : T.h.replace('{n}', (m / 60) | 0) + (m % 60 ? ' ' + min : '');
  return T[(q.position > 1 ? 'line' : 'next') + (s == null ? '' : 'Eta')]
    .replace('{n}', q.position).replace('{time}', eta);
}

// Under a resolved conversation: "You can reopen it until 8 Dec" (reopen_until, the time if
// today), "It can no longer be reopened" once the window has passed.
export async function reopen(P, lang, c) {
  const T = await texts;
  const d = new Date(c.reopen_until || NaN);
  if (c.reopenable === false) return T.expired;
  if (isNaN(d)) return '';
  return T.until.replace('{date}', today(d) ? clock(d, lang) : d.toLocaleDateString(lang, { day: 'numeric', month: 'short' }));
}
