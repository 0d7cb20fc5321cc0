// Destek widget: the "leave your email" form (docs/protocol.md, "Email"). widget.js imports this
// module only when the server offers it (support closed or nobody online, at open or later in
// the chat), so it and email.css are not part of the first open. Texts come with every session
// (server, the visitor's language); server text is set as textContent only.
const doc = document;
const el = (tag, className = '', text = '') => Object.assign(doc.createElement(tag), { className, textContent: text });
doc.head.append(Object.assign(doc.createElement('link'), { rel: 'stylesheet', href: new URL('email.css', import.meta.url).href }));

export default function offer(api, E) {
  const T = E.texts;
  doc.getElementById('email-offer')?.remove();
  const form = Object.assign(el('form', 'email-offer'), { id: 'email-offer', noValidate: true });
  const note = el('p', 'email-note', E.address ? T.saved.replace('{email}', E.address) : T.lead);
  note.setAttribute('role', 'status');
  const input = Object.assign(el('input', 'email-input'), { type: 'email', id: 'email-input', value: E.address || '', autocomplete: 'email', placeholder: T.label });
  input.setAttribute('aria-label', T.label);
  const box = Object.assign(el('input'), { type: 'checkbox', id: 'email-transcript' });
  const label = el('label', 'email-transcript');
  label.append(box, ' ' + T.transcript);
  const save = Object.assign(el('button', 'btn btn-primary', T.save), { type: 'submit' });
  form.append(el('p', 'email-title', T.title), note, input, label, save);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    save.disabled = true;
    form.classList.remove('is-error');
    try {
      const r = await api('contact/email', { email: input.value.trim(), transcript: box.checked });
      note.textContent = T.saved.replace('{email}', r.email);
      form.classList.add('is-saved');
    } catch (err) {
      note.textContent = err.code === 'invalid_email' ? T.invalid : err.message;
      form.classList.add('is-error');
      input.focus();
    }
    save.disabled = false;
  });
  const view = doc.getElementById('view-conversation');
  view.insertBefore(form, doc.getElementById('queue-notice'));
}
