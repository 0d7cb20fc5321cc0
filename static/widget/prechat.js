// Destek widget: the pre-chat form (docs/protocol.md, "Pre-chat form"). widget.js imports this
// module only when the session lists questions still to ask (`prechat`) for the topic picked,
// at the visitor's first message, so a widget without a form never loads it. The answers go
// with the conversation's start (`prechat`); the server checks them again and answers a bad
// one with `fields`, and this form comes back with each problem. Texts come from the server
// (/widget/prechat-texts, in the page's language). Server text: textContent only.
import * as W from './widget.js';

const doc = document;
const $ = (id) => doc.getElementById(id);
const lang = doc.documentElement.lang || 'en';
const { el } = W;
const css = Object.assign(doc.createElement('link'), { rel: 'stylesheet', href: new URL('prechat.css', import.meta.url) });
doc.head.append(css);

let T = null;
const texts = fetch('/widget/prechat-texts?lang=' + encodeURIComponent(lang), { credentials: 'omit' })
  .then((r) => r.json())
  .then((t) => (T = t));
// Every question of the session: contact questions answered once are not asked again, but a
// form sent back by the server shows them with their problem.
let all = null;
const TYPES = { email: 'email', phone: 'tel', date: 'date', link: 'url' };
const AUTOCOMPLETE = { name: 'name', email: 'email', phone: 'tel' };

function field(q, value, problem) {
  const id = 'prechat-' + q.name;
  const row = el('div', 'prechat-field');
  const label = el('label', '', q.label);
  label.htmlFor = id;
  if (!q.required) label.append(' ', el('span', 'prechat-optional', T.optional));
  let input;
  if (q.type === 'list') {
    input = el('select');
    input.append(el('option', '', '—'));
    for (const o of q.options) input.append(Object.assign(el('option', '', o), { value: o }));
  } else {
    input = el('input');
    input.type = TYPES[q.type] || 'text';
    if (q.type === 'number') input.inputMode = 'decimal';
    if (AUTOCOMPLETE[q.kind]) input.autocomplete = AUTOCOMPLETE[q.kind];
    input.maxLength = 500;
  }
  Object.assign(input, { id, name: q.name, required: q.required, value: value || '' });
  if (q.type === 'list') input.options[0].value = '';
  row.append(label, input);
  const error = el('p', 'prechat-error');
  error.id = id + '-error';
  error.setAttribute('role', 'alert');
  row.append(error);
  mark(input, problem);
  return row;
}

function mark(input, problem) {
  const error = input.nextElementSibling;
  error.textContent = problem || '';
  error.hidden = !problem;
  if (problem) input.setAttribute('aria-invalid', 'true'), input.setAttribute('aria-describedby', error.id);
  else input.removeAttribute('aria-invalid');
}

// The visitor's first message (body, action) waits until the form is sent; `problems` are the
// server's, by question name.
export default async function prechat(body, action, problems) {
  await texts;
  all = all || W.S.prechat.slice();
  const questions = (problems ? all : W.S.prechat).filter((q) => !q.topic || q.topic == W.topic);
  $('prechat')?.remove();
  const form = el('form', 'prechat');
  form.id = 'prechat';
  form.noValidate = true;
  form.setAttribute('aria-labelledby', 'prechat-title');
  const title = el('h2', 'prechat-title', T.title);
  title.id = 'prechat-title';
  form.append(title, el('p', 'prechat-intro', T.intro));
  const before = W.I.preTyped || {};
  for (const q of questions) form.append(field(q, before[q.name], problems?.[q.name]));
  const submit = el('button', 'prechat-submit', T.start);
  submit.type = 'submit';
  form.append(submit);
  form.onsubmit = (e) => {
    e.preventDefault();
    const answers = {};
    let first = null;
    for (const q of questions) {
      const input = form.elements[q.name];
      const value = input.value.trim();
      let problem = '';
      if (q.required && !value) problem = T.required;
      else if (value && input.type === 'email' && !input.checkValidity()) problem = T.email;
      mark(input, problem);
      if (problem && !first) first = input;
      if (value) answers[q.name] = value;
    }
    if (first) return first.focus();
    W.I.preTyped = answers;
    W.I.pre = answers;
    // Contact questions are asked once; order and table numbers at each new conversation.
    W.S.prechat = all.filter((q) => q.repeat);
    form.remove();
    $('composer-input').value = '';
    W.send(body, action);
  };
  $('messages').append(form);
  (form.querySelector('[aria-invalid]') || form.elements[0])?.focus();
  form.scrollIntoView({ block: 'nearest' });
}
