// Destek widget: the rating prompt's stars and the optional comment after them (docs/protocol.md,
// "Ratings"). widget.js imports this module once a prompt is in the thread, so it is not part of
// the first open; the stars stay hidden (widget.css) until rating.css applies. The stars were
// stored with their message; the comment completes the same rating within its edit window
// (POST …/rating, 200). Texts come from the server (/widget/rating-texts, in the page's
// language). Server text: textContent only.
import * as W from './widget.js';

const lang = document.documentElement.lang || 'en';
const texts = fetch('/widget/rating-texts?lang=' + encodeURIComponent(lang), { credentials: 'omit' }).then((r) => r.json());
document.head.append(Object.assign(document.createElement('link'), {
  rel: 'stylesheet',
  href: new URL('rating.css', import.meta.url).href,
}));

// Only the newest prompt's stars are on, while the current resolution is resolved and unrated
// (then they show its score). `n`: the star just pressed in `box` (its prompt is done; the
// comment opens).
export default function stars(box, n) {
  const cur = W.cur, r = cur?.rating, all = [...W.list.querySelectorAll('.stars')], last = all.pop();
  if (n) box.dataset.done = 1;
  for (const p of [...all, last]) {
    for (const c of p.children) {
      c.disabled = !!(p.dataset.done || cur?.status != 'resolved' || r || p != last);
      if (p == (n ? box : r && last)) c.classList.toggle('on', c.value <= (n || r.score));
    }
  }
  texts.then((T) => {
    for (const c of W.list.querySelectorAll('.stars .chip')) c.title = c.ariaLabel = T.star.replace('{n}', c.value);
    if (n) comment(T, box, n);
  }, () => W.flashError(W.T.net));
}

function comment(T, box, score) {
  if (box.nextElementSibling?.classList.contains('rate-comment')) return;
  const form = W.el('form', 'rate-comment');
  const text = Object.assign(W.el('textarea'), { maxLength: 1000, rows: 2, placeholder: T.rc });
  text.setAttribute('aria-label', T.rc);
  const send = Object.assign(W.el('button', 'btn btn-secondary', T.rs), { type: 'submit' });
  form.append(text, send);
  form.onsubmit = async (e) => {
    e.preventDefault();
    const body = text.value.trim();
    if (!body) return text.focus();
    send.disabled = true;
    try {
      await W.api(`conversations/${W.cur.id}/rating`, { score: +score, comment: body });
      form.replaceChildren(W.el('p', 'rate-done', T.rt));
    } catch (err) {
      send.disabled = false;
      W.flashError(err.message);
    }
  };
  box.after(form);
  text.focus();
}
