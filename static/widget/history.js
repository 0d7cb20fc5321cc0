// Destek widget: the visitor's conversations, newest first, with unread badges (docs/protocol.md
// GET conversations). widget.js loads this module with import() when the list first shows, so it
// is not part of the first open (bench/widget_size.py reports it "on demand"). Texts come from
// the page (#i18n, W.T); server text goes in with textContent only.
const $ = (id) => document.getElementById(id);
let more = false;

// Its styles come with it; the list draws once they are in.
const sheet = Object.assign(document.createElement('link'), { rel: 'stylesheet', href: new URL('history.css', import.meta.url).href });
document.head.append(sheet);
await new Promise((resolve) => { sheet.onload = sheet.onerror = resolve; });

export function render(W) {
  const { T, el, button, when } = W;
  const ul = $('conversation-list');
  ul.textContent = '';
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
    older = button('btn btn-secondary btn-block', T.older, () => load(W, W.convs.length));
    older.id = 'history-more';
    ul.after(older);
  }
  older.hidden = !more;
}

// The server is the truth for statuses and unread counts: fetch them whenever the list shows.
export const refresh = (W) => {
  render(W);
  return load(W, 0);
};

async function load(W, offset) {
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
  if (document.body.dataset.view === 'home') render(W);
}
