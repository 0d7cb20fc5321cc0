// Destek widget: attachments (docs/protocol.md, "Attachments"). widget.js imports this module on
// the first attach, paste or drop, or the first message with files, so it and files.css are
// not part of the first open (bench/widget_size.py lists them "on demand").
// Files upload one by one as soon as they are chosen (XMLHttpRequest, for its progress events)
// and wait as chips above the composer; the next send carries their ids. Texts come from the
// server (/widget/files-texts, in the page's language). Server text: textContent only.
// `./widget.js` is the page's own module instance only while static files keep their names
// (no hashed manifest storage); it exports what this module needs.
import * as W from './widget.js';

const doc = document;
const $ = (id) => doc.getElementById(id);
const lang = doc.documentElement.lang || 'en';
const { el } = W;
const css = Object.assign(doc.createElement('link'), { rel: 'stylesheet', href: new URL('files.css', import.meta.url) });
doc.head.append(css);

let T = null;
const texts = fetch('/widget/files-texts?lang=' + encodeURIComponent(lang), { credentials: 'omit' })
  .then((r) => r.json())
  .then((t) => (T = t));
const say = (key, vars = {}) => String(T[key]).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');

const items = []; // {file, chip, bar, xhr, done: Promise, attachment}
const form = $('composer');
const input = $('composer-input');
let tray = null;
let sending = false;

// Bytes in words: the short form is "4 byte" in English (CLDR), "4 bytes" reads right.
function size(n) {
  const [v, unit] = n < 1024 ? [n, 'byte'] : n < 1048576 ? [n / 1024, 'kilobyte'] : [n / 1048576, 'megabyte'];
  try {
    const unitDisplay = unit == 'byte' ? 'long' : 'short';
    return new Intl.NumberFormat(lang, { style: 'unit', unit, unitDisplay, maximumFractionDigits: v < 10 ? 1 : 0 }).format(v);
  } catch {
    return Math.round(n / 1024) + ' KB';
  }
}
const kind = (name, type) => ((/\.(\w+)$/.exec(name) || [])[1] || type.split('/').pop() || '').toUpperCase().slice(0, 4);

// Waiting files, above the composer.
function ensureTray() {
  if (!tray) {
    tray = el('div', 'files-tray');
    tray.setAttribute('aria-live', 'polite');
    form.before(tray);
  }
  tray.hidden = !items.length;
  return tray;
}

function chipFor(file) {
  const chip = el('div', 'file-chip uploading');
  const icon = chip.appendChild(el('span', 'file-icon', kind(file.name, file.type || '')));
  const text = chip.appendChild(el('span', 'file-text'));
  text.append(el('span', 'file-name', file.name || 'file'), el('span', 'file-meta', size(file.size)));
  const bar = text.appendChild(el('progress', 'file-progress'));
  bar.max = 100;
  bar.value = 0;
  bar.setAttribute('aria-label', say('uploading', { name: file.name }));
  const remove = chip.appendChild(el('button', 'file-remove', '×'));
  remove.type = 'button';
  remove.setAttribute('aria-label', say('remove', { name: file.name }));
  return { chip, bar, icon, remove };
}

function drop(item) {
  clearTimeout(item.retry);
  item.giveUp?.();
  item.xhr?.abort();
  const i = items.indexOf(item);
  if (i >= 0) items.splice(i, 1);
  item.chip.remove();
  ensureTray();
}

function errorText(status, data) {
  const detail = data?.error?.detail;
  if (detail) return detail;
  return say(status === 413 ? 'big' : status === 415 ? 'type' : status === 429 ? 'many' : 'failed', { name: '', reason: '' });
}

const BUSY_RETRIES = 3;

function upload(item, conversationId) {
  return new Promise((resolve) => {
    const xhr = (item.xhr = new XMLHttpRequest());
    const body = new FormData();
    body.append('file', item.file, item.file.name || 'file');
    xhr.open('POST', `/api/widget/v1/conversations/${conversationId}/attachments`);
    xhr.setRequestHeader('Authorization', 'Bearer ' + W.token);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) item.bar.value = Math.round((e.loaded / e.total) * 100);
    };
    xhr.onload = () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch {}
      // 503 busy: the server decodes a few images at a time; try again when it says to.
      if (xhr.status === 503 && (item.retries = (item.retries || 0) + 1) <= BUSY_RETRIES) {
        const wait = Number(xhr.getResponseHeader('Retry-After')) || 5;
        item.retry = setTimeout(() => upload(item, conversationId).then(resolve), wait * 1000);
        item.giveUp = () => resolve(false);
        return;
      }
      if (xhr.status === 201 && data?.id) {
        item.attachment = data;
        item.bar.value = 100;
        item.chip.classList.replace('uploading', 'ready');
        item.bar.remove();
        if (data.thumbnail_url) {
          item.icon.textContent = '';
          item.icon.append(Object.assign(el('img'), { src: data.thumbnail_url, alt: '' }));
        }
        return resolve(true);
      }
      W.flashError(say('failed', { name: item.file.name, reason: errorText(xhr.status, data) }));
      drop(item);
      resolve(false);
    };
    xhr.onerror = () => {
      W.flashError(say('failed', { name: item.file.name, reason: errorText(0, null) }));
      drop(item);
      resolve(false);
    };
    xhr.onabort = () => resolve(false);
    xhr.send(body);
  });
}

async function conversationId() {
  if (W.cur) return W.cur.id;
  // The new-conversation view: start one (without a first message, with the chosen topic
  // and urgency) to upload into.
  return W.begin();
}

async function add(fileList) {
  await texts;
  const view = doc.body.dataset.view;
  if ((view !== 'new' && view !== 'conversation') || input.disabled) return;
  const chosen = Array.from(fileList);
  if (items.length + chosen.length > T.limit) return W.flashError(say('max', { n: T.limit }));
  let id;
  try {
    id = await conversationId();
  } catch (e) {
    return W.flashError(e.message);
  }
  for (const file of chosen) {
    const item = { file, ...chipFor(file) };
    item.remove.onclick = () => drop(item);
    items.push(item);
    ensureTray().append(item.chip);
    if (file.size > T.max_bytes) {
      W.flashError(say('failed', { name: file.name, reason: say('big') }));
      drop(item);
      continue;
    }
    item.done = upload(item, id);
  }
  $('file-input').value = '';
  input.focus();
}

// With files waiting, a send goes over HTTP with their ids (the socket echoes the message).
let sent = null; // the last send's content and client id, until it is answered
async function sendWithFiles() {
  if (sending || !W.cur) return;
  sending = true;
  try {
    await Promise.all(items.map((i) => i.done));
    const ready = items.filter((i) => i.attachment);
    if (!ready.length && !input.value.trim()) return;
    const body = input.value.trim();
    const attachments = ready.map((i) => i.attachment.id);
    // A client id names one message: sent again after a lost answer, the same text and
    // files keep theirs (the server answers with what it stored); anything else gets a new one.
    const what = JSON.stringify([W.cur.id, body, attachments]);
    if (!sent || sent.what !== what) {
      sent = { what, id: crypto.randomUUID ? crypto.randomUUID() : 'f-' + Date.now() + Math.random().toString(36).slice(2) };
    }
    const m = await W.api(`conversations/${W.cur.id}/messages`, { body, client_id: sent.id, attachments });
    sent = null;
    for (const i of ready) drop(i);
    input.value = '';
    input.dispatchEvent(new Event('input'));
    W.onMessage(m);
  } catch (e) {
    W.flashError(e.message);
  } finally {
    sending = false;
  }
}

const submit = form.onsubmit;
form.onsubmit = (e) => {
  if (!items.length) return submit(e);
  e.preventDefault();
  sendWithFiles();
};
const keydown = input.onkeydown;
input.onkeydown = (e) => {
  if (items.length && e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    return sendWithFiles();
  }
  return keydown(e);
};

// Drag feedback once loaded (the first drop itself is what loaded this module).
let depth = 0;
doc.addEventListener('dragenter', () => doc.body.classList.toggle('dragging', ++depth > 0));
doc.addEventListener('dragleave', () => doc.body.classList.toggle('dragging', --depth > 0));
doc.addEventListener('drop', () => doc.body.classList.remove('dragging', (depth = 0)));

// A message's files: image thumbnails that open full size here, other files as download chips.
async function fresh(conversation, a) {
  return W.api(`conversations/${conversation}/attachments/${a.id}`);
}

function lightbox(conversation, a) {
  const box = el('div', 'lightbox');
  box.setAttribute('role', 'dialog');
  box.setAttribute('aria-modal', 'true');
  box.setAttribute('aria-label', a.name);
  const img = box.appendChild(Object.assign(el('img', 'lightbox-img'), { src: a.url, alt: a.name }));
  let retried = false;
  img.onerror = async () => {
    if (retried) return W.flashError(say('expired'));
    retried = true;
    try { img.src = (await fresh(conversation, a)).url; } catch { W.flashError(say('expired')); }
  };
  const close = box.appendChild(el('button', 'lightbox-close', '×'));
  close.type = 'button';
  close.setAttribute('aria-label', say('close'));
  const shut = () => { box.remove(); doc.removeEventListener('keydown', onKey, true); };
  const onKey = (e) => { if (e.key === 'Escape') { e.stopPropagation(); shut(); } };
  close.onclick = shut;
  box.onclick = (e) => { if (e.target === box) shut(); };
  doc.addEventListener('keydown', onKey, true);
  doc.body.append(box);
  close.focus();
}

function show(msgEl, attachments) {
  const conversation = W.cur?.id;
  const box = el('div', 'msg-files');
  for (const a of attachments) {
    if (a.thumbnail_url) {
      const b = box.appendChild(el('button', 'file-thumb'));
      b.type = 'button';
      b.setAttribute('aria-label', say('open', { name: a.name }));
      const img = b.appendChild(Object.assign(el('img'), { src: a.thumbnail_url, alt: a.name, loading: 'lazy' }));
      img.onerror = async () => {
        if (img.dataset.retried) return;
        img.dataset.retried = '1';
        try { img.src = (await fresh(conversation, a)).thumbnail_url; } catch {}
      };
      b.onclick = () => lightbox(conversation, a);
    } else {
      const link = box.appendChild(el('a', 'file-chip file-link'));
      link.href = a.url;
      link.download = a.name;
      link.append(el('span', 'file-icon', kind(a.name, a.content_type)));
      const text = link.appendChild(el('span', 'file-text'));
      text.append(el('span', 'file-name', a.name), el('span', 'file-meta', `${size(a.size)} · ${a.content_type}`));
      let refreshed = false;
      link.onclick = async (e) => {
        if (refreshed) return;
        e.preventDefault();
        try { link.href = (await fresh(conversation, a)).url; } catch { return W.flashError(say('expired')); }
        refreshed = true;
        link.click();
        setTimeout(() => { refreshed = false; }, 60000);
      };
    }
  }
  const bubble = msgEl.querySelector('.bubble');
  if (!bubble) return msgEl.append(box);
  bubble.after(box);
  if (!bubble.textContent) bubble.remove();
}

export default async function files(fileList, msgEl, attachments) {
  await texts.catch(() => null);
  if (!T) return W.flashError();
  if (fileList) return add(fileList);
  if (msgEl && attachments) show(msgEl, attachments);
}
