// Destek widget: the visitor's conversations, newest first, with unread badges (docs/protocol.md
// GET conversations). widget.js loads this module with import() when the list first shows, so it
// is not part of the first open (bench/widget_size.py reports it "on demand"). Its texts come
// from the server (/widget/history-texts, in the page's language); server text goes in with
// textContent only.
import * as W from './widget.js';

const $ = (id) => document.getElementById(id);
let more = false;

// Its styles and texts come with it; the list draws once they are in (without texts, if their
// request fails: the list still works).
const texts = fetch('/widget/history-texts?lang=' + encodeURIComponent(document.documentElement.lang || 'en'), { credentials: 'omit' })
  .then((r) => r.json()).catch(() => ({}));
const sheet = Object.assign(document.createElement('link'), { rel: 'stylesheet', href: new URL('history.css', import.meta.url).href });
document.head.append(sheet);
await new Promise((resolve) => { sheet.onload = sheet.onerror = resolve; });
const T = await texts;

// Today's time ("14:05"), else the day ("8 Dec").
function when(iso) {
  const d = new Date(iso);
  if (isNaN(d) || d.toDateString() === new Date().toDateString()) return W.time(iso);
  return d.toLocaleDateString(document.documentElement.lang || navigator.language, { day: 'numeric', month: 'short' });
}

export function render() {
  const { el, button } = W;
  const ul = $('conversation-list');
  ul.textContent = '';
  $('history-title').textContent = T.title || '';
  $('history').hidden = !W.convs.length;
  for (const c of W.convs) {
    const b = button('conv-item', null, () => W.openConv(c.id, c));
    b.dataset.conversationId = c.id;
    b.dataset.status = c.status;
    const top = el('span', 'conv-top');
    const at = el('time', 'conv-time', when(c.updated_at));
    at.dateTime = c.updated_at || '';
    top.append(
      el('span', 'conv-title', W.findTopic(c.topic)?.name || T.conv),
      el('span', 'pill pill-' + c.status, T[c.status] || c.status),
      at,
    );
    const bottom = el('span', 'conv-bottom');
    bottom.append(el('span', 'conv-last', c.last_message || T.empty));
    if (c.unread) bottom.appendChild(el('span', 'badge', c.unread)).setAttribute('aria-label', `${c.unread} ${T.unread}`);
    b.append(top, bottom);
    ul.appendChild(el('li')).append(b);
  }
  let older = $('history-more');
  if (!older) {
    older = button('btn btn-secondary btn-block', T.older, () => load(W.convs.length));
    older.id = 'history-more';
    ul.after(older);
  }
  older.hidden = !more;
}

// The server is the truth for statuses and unread counts: fetch them whenever the list shows.
export const refresh = () => {
  render();
  return load(0);
};

async function load(offset) {
  const limit = offset ? 50 : Math.min(100, Math.max(50, W.convs.length));
  let r;
  try {
    r = await W.api(`conversations?limit=${limit}&offset=${offset}`);
  } catch (e) {
    return offset && W.flashError(e.message);
  }
  more = r.has_more;
  const fresh = new Set(r.conversations.map((c) => c.id));
  W.setConvs([...(offset ? W.convs.filter((c) => !fresh.has(c.id)) : []), ...r.conversations]);
  if (document.body.dataset.view === 'home') render();
}
