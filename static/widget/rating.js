// Destek widget: the optional comment after the stars (docs/protocol.md, "Ratings"). widget.js
// imports this module when a star is pressed, so it is not part of the first open. The stars
// were stored with their message; the comment completes the same rating within its edit
// window (POST …/rating, 200). Server text: textContent only.
export default function comment(W, box, score) {
  if (box.nextElementSibling?.classList.contains('rate-comment')) return;
  const form = W.el('form', 'rate-comment');
  const text = Object.assign(W.el('textarea'), { maxLength: 1000, rows: 2, placeholder: W.T.rc });
  text.setAttribute('aria-label', W.T.rc);
  const send = Object.assign(W.el('button', 'btn btn-secondary', W.T.rs), { type: 'submit' });
  form.append(text, send);
  form.onsubmit = async (e) => {
    e.preventDefault();
    const body = text.value.trim();
    if (!body) return text.focus();
    send.disabled = true;
    try {
      await W.api(`conversations/${W.id}/rating`, { score: +score, comment: body });
      form.replaceChildren(W.el('p', 'rate-done', W.T.rt));
    } catch (err) {
      send.disabled = false;
      W.flashError(err.message);
    }
  };
  box.after(form);
  text.focus();
}
