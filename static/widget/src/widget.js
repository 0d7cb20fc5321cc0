// Destek widget: ES module, docs/protocol.md, terse for bench/widget_size.py. Server text: textContent only.
const $ = (id) => document.getElementById(id);
const B = document.body;
const D = B.dataset;
const T = $('i18n').dataset;
const KEY = D.widgetKey;
const APP = D.appMode === '1';
const MAX = 4000;
const K_TOKEN = `destek:${KEY}:token`;
const K_OUTBOX = `destek:${KEY}:outbox`;
const K_VIEW = `destek:${KEY}:view`;
const framed = parent !== window;
// docs/sdk.md: PARENT, the host origin the server checked; I, what the host set.
const PARENT = D.parentOrigin;
const I = {};
const list = $('messages');
const scroller = $('scroller');
const input = $('composer-input');
const urgent = $('urgent-toggle');
const fine = () => matchMedia('(pointer: fine)').matches;

// localStorage may be blocked (third-party iframe).
const mem = {};
const load = (k) => {
  if (k in mem) return mem[k];
  try { return localStorage.getItem(k); } catch { return null; }
};
const keep = (k, v) => {
  try { localStorage.setItem(k, v); delete mem[k]; } catch { mem[k] = v; }
};

let token = load(K_TOKEN);
let S = null; // session
let convs = []; // newest first
let cur = null; // open conversation
let msgs = new Map();
let outbox = loadOutbox();
const failed = new Map();
const seen = new Set();
let maxId = 0, readSent = 0, topic = null, creating = false, ws = null, authed = false;
let gen = 0; // socket generation: an entry is sent once per socket
let attempt = 0, needSession = false, retryTimer = 0, pingTimer = 0, deadTimer = 0;
let opened = !framed;
let typingOn = false, typingAt = 0, typingIdle = 0, agentTyping = 0, errorTimer = 0, lastPosted = -1;

const el = (tag, className = '', textContent = '') => Object.assign(document.createElement(tag), { className, textContent });
const button = (cls, text, onclick) => Object.assign(el('button', cls, text), { type: 'button', onclick });
const link = (cls, text, href) => Object.assign(el('a', cls, text), { href, target: '_blank', rel: 'noopener noreferrer nofollow' });

function uuid() {
  try { return crypto.randomUUID(); } catch {}
  const r = () => Math.random().toString(36).slice(2);
  return 'c-' + Date.now().toString(36) + r() + r();
}

const post = (msg) => PARENT ? parent.postMessage(msg, PARENT) : self.destekOut?.(msg);

const lang = document.documentElement.lang || navigator.language;
function time(iso) {
  const d = new Date(iso);
  return isNaN(d) ? '' : d.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
}

function fillText(node, text) {
  String(text).split(/(https?:\/\/[^\s<>"']*[^\s<>"'.,!?;:)\]])/).forEach((p, i) => {
    if (i % 2) node.append(link('', p, p));
    else if (p) node.append(p);
  });
}

function flashError(text) {
  const e = $('composer-error');
  e.textContent = text || T.error;
  e.hidden = false;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => { e.hidden = true; }, 6000);
}

let stuck = true;
function toBottom() {
  stuck = true;
  scroller.scrollTop = scroller.scrollHeight;
}
scroller.onscroll = () => {
  if (scroller.clientHeight) stuck = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
};
if (window.ResizeObserver) new ResizeObserver(() => { if (stuck) scroller.scrollTop = scroller.scrollHeight; }).observe(scroller);

async function api(path, body, retried, method) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  const res = await fetch('/api/widget/v1/' + path, {
    method: method || (body && 'POST'), headers, body: body && JSON.stringify(body), credentials: 'omit',
  }).catch(() => { throw Object.assign(new Error(T.net), { network: true }); });
  const data = await res.json().catch(() => ({}));
  if (res.status === 401 && path !== 'session' && !retried) {
    await openSession();
    return api(path, body, true, method);
  }
  if (!res.ok) throw Object.assign(new Error(data.error?.detail || T.error), data.error);
  return data;
}

function device() {
  return {
    platform: 'web',
    screen: `${screen.width}x${screen.height}`,
    locale: navigator.language,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || '',
    url: (I.url || document.referrer).slice(0, 500),
    user_agent: navigator.userAgent.slice(0, 500),
    ...I.device,
  };
}

async function openSession() {
  const { hash, external_id, attributes, ...id } = I.identity || {};
  const s = await api('session', {
    widget_key: KEY, visitor_token: token || undefined, locale: I.locale || navigator.language, device: device(),
    identity: I.identity && { external_id, hash }, contact: { ...id, attributes: { ...attributes, ...I.attributes } },
  });
  const changed = S && s.contact && S.contact.id !== s.contact.id;
  S = s;
  keep(K_TOKEN, (token = s.visitor_token));
  if (changed) {
    outbox = outbox.filter((e) => e.conversation == null);
    saveOutbox();
    route();
  }
}

function show(view) {
  D.view = view;
  const section = view === 'new' ? 'conversation' : view;
  for (const n of ['loading', 'error', 'home', 'conversation']) $('view-' + n).hidden = n !== section;
  $('back-button').hidden = section !== 'conversation';
  $('topics').hidden = view !== 'new';
  if (section === 'home' || section === 'conversation') try { sessionStorage.setItem(K_VIEW, cur ? cur.id : ''); } catch {}
}

function route() {
  setConvs(S.conversations);
  renderTopics();
  const h = S.hours;
  const shut = h.open === false;
  $('header-subtitle').textContent = T.now;
  if (shut) status('closed', h).then((t) => { $('header-subtitle').textContent = t; });
  let last = 0;
  try { last = +sessionStorage.getItem(K_VIEW); } catch {}
  const c = convs.find((x) => x.id === last) || convs.find((x) => x.status !== 'resolved');
  if (I.p || outbox.some((e) => e.conversation == null)) newConv();
  else if (c) openConv(c.id, c);
  else if (convs.length) home();
  else newConv();
}

async function start() {
  show('loading');
  try {
    if (I.reset) await api('session/end', {}).catch(() => {}), keep(K_TOKEN, (token = I.reset = ''));
    await openSession();
  } catch (e) {
    post({ type: 'destek:error', code: e.code, detail: e.message });
    $('session-error').textContent = e.message;
    return show('error');
  }
  post({ type: 'destek:ready', active: S.conversations.some((c) => c.status !== 'resolved') });
  route();
  tell();
  connect();
  flush();
}

// Destek.setConversationContext: onto the open conversation; a new one starts with it (opening).
const tell = () => I.c && cur && cur.status !== 'resolved' && api(`conversations/${cur.id}/context`, I.c)
  .catch((e) => post({ type: 'destek:error', code: e.code, detail: e.message }));

const findTopic = (slug) => S.topics.find((t) => t.slug === slug);

function sortConvs() {
  const t = (c) => Date.parse(c.updated_at) || 0;
  convs.sort((a, b) => t(b) - t(a) || b.id - a.id);
}
function setConvs(items) {
  convs = items.map((c) => ({ ...c }));
  sortConvs();
  notifyUnread();
}
function upsertConv(id, patch) {
  let c = convs.find((x) => x.id === id);
  if (!c) convs.push((c = { id, status: 'queued', unread: 0 }));
  for (const k in patch) if (patch[k] != null) c[k] = patch[k];
  sortConvs();
  if (D.view === 'home') renderHome();
  return c;
}

// Visitor history (history.js): loaded when the list first shows, not part of the first open.
const history = (f) => import('./history.js').then((m) => m[f](), () => flashError(T.net));
const renderHome = () => history('render');

function renderTopics() {
  const box = $('topic-list');
  box.textContent = '';
  for (const t of S.topics) {
    const b = button('topic', null, () => {
      pickTopic(topic === t.slug ? null : t.slug);
      input.focus();
    });
    b.dataset.topic = t.slug;
    const name = el('span', 'topic-name', t.name);
    if (t.open === false) name.append(' ', el('span', 'pill', T.closed));
    b.append(name);
    if (t.description) b.append(el('span', 'topic-desc', t.description));
    box.append(b);
  }
  box.hidden = !S.topics.length;
  pickTopic(null);
}

function pickTopic(slug) {
  topic = slug;
  for (const x of $('topic-list').children) x.setAttribute('aria-pressed', x.dataset.topic === slug);
  const t = findTopic(slug);
  if (($('urgent').hidden = !t?.urgent_allowed)) urgent.checked = false;
}

function leave() {
  stopTyping();
  hideTyping();
  list.textContent = '';
  msgs = new Map();
  maxId = readSent = 0;
  $('composer-error').hidden = true;
}

function home() {
  leave();
  cur = null;
  show('home');
  history('refresh');
}

function newConv() {
  leave();
  cur = null;
  pickTopic(null);
  show('new');
  applyStatus();
  if (I.p) list.append(renderMsg({ sender: { type: 'bot' }, body: I.p.m }));
  renderOutbox();
  if (fine()) input.focus();
}

async function openConv(id, s, initial) {
  leave();
  cur = { ...s, id, agent_last_read: s.agent_last_read || 0 };
  readSent = s.visitor_last_read || 0;
  show('conversation');
  applyStatus();
  (initial || []).forEach(addMsg);
  renderOutbox();
  toBottom();
  await fill(id);
  subscribe();
  markRead();
}

async function fill(id) {
  for (;;) {
    if (!cur || cur.id !== id) return;
    let r;
    try {
      r = await api(`conversations/${id}/messages?after=${maxId}`);
    } catch (e) {
      return flashError(e.message);
    }
    if (!cur || cur.id !== id) return;
    const stick = stuck;
    r.messages.forEach(addMsg);
    if (stick) toBottom();
    if (!r.has_more || !r.messages.length) return;
  }
}

function applyStatus() {
  const resolved = cur?.status === 'resolved';
  $('resolved-banner').hidden = !resolved;
  // Reopen within the window (reopen_until); after it, only a new conversation (status.js says which).
  const c = cur, note = $('reopen-note');
  $('reopen-button').hidden = c?.reopenable === false;
  note.textContent = '';
  if (resolved) status('reopen', c).then((t) => { if (cur === c && c.status === 'resolved') note.textContent = t; });
  input.disabled = $('send-button').disabled = resolved;
  B.classList.toggle('is-resolved', resolved);
  off(list);
  // Place in line until an agent has it.
  const q = cur?.queue;
  const e = $('queue-notice');
  if (!q) e.hidden = true;
  else status('queue', q).then((t) => { if (cur?.queue === q) e.textContent = t, e.hidden = false; });
  offerEmail();
}
// "Leave your email" (email.js) while the server says nobody can answer soon: the session's
// answer for a new chat, the conversation's email_offer once there is one (it turns true when the
// last agent goes offline; the session always brings the texts); gone when an agent can.
// Open hours but nobody to answer: the header does not promise a reply in minutes either.
function offerEmail() {
  const away = cur ? cur.email_offer : S.email?.offer, h = S.hours, shut = h.open === false;
  document.querySelector('.online-dot').hidden = shut || away;
  $('header-note').textContent = shut ? h.message || '' : away ? '' : T.soon;
  if (!away) return $('email-offer')?.remove();
  if (S.email?.texts && !$('email-offer')) import('./email.js').then((m) => (cur ? cur.email_offer : S.email.offer) && m.default(api, S.email), () => {});
}
// status.js: the closed, queue and reopen lines, loaded when one shows.
const status = (f, x) => import('./status.js').then((m) => m[f](T, lang, x));

// Who wrote an agent's or the assistant's message: their picture, else their initials (the
// widget's white label names the assistant and may hide avatars, widget.html).
const avatar = (name, src) => src ? Object.assign(el('img', 'msg-avatar'), { src, alt: '' })
  : Object.assign(el('span', 'msg-avatar', name.split(/\s+/).map((w) => w[0] || '').join('').slice(0, 2).toUpperCase()), { ariaHidden: 'true' });

function renderMsg(m) {
  const type = m.sender.type;
  const e = el('div', `msg msg-${type}`);
  e.dataset.messageId = m.id || '';
  e.dataset.clientId = m.client_id || '';
  const named = type === 'agent' || type === 'bot';
  const name = type === 'bot' ? T.bot : m.sender.name || '';
  if (named && (name || m.created_at)) {
    e.append(el('div', 'msg-name', [name, time(m.created_at)].filter(Boolean).join(' · ')));
  }
  const row = named ? e.appendChild(el('div', 'msg-row')) : e;
  if (named) row.append(avatar(name || T.someone, m.sender.avatar_url || (type === 'bot' && D.assistantAvatar)));
  const bubble = row.appendChild(el('div', 'bubble'));
  // Changed after sending (protocol: Changed messages): deleted shows a line, edited says so.
  if (m.deleted_at) e.classList.add('msg-deleted'), bubble.textContent = T.deleted;
  else fillText(bubble, m.body);
  if (m.edited_at && !m.deleted_at) e.append(el('div', 'msg-edited', T.edited));
  if (m.attachments?.[0]) files(0, e, m.attachments);
  if (m.created_at) bubble.title = new Date(m.created_at).toLocaleString(lang);
  const acts = (m.actions || []).filter((a) => a && a.label);
  if (acts.length && (type === 'bot' || type === 'system')) {
    // The rating prompt: five stars on one line, 1 to 5 (the server sends 5 first).
    const stars = acts.every((a) => a.type == 'rating');
    const box = e.appendChild(el('div', 'msg-actions' + (stars ? ' stars' : '')));
    for (const a of stars ? acts.reverse() : acts) {
      // faq: read it here; the others answer the bot, once.
      const b = box.appendChild(button('chip' + (a.type == 'faq' ? '' : ' act'), stars ? '★' : a.label, () => a.type == 'faq' ? faq(a.value) : send(a.label, a) && (stars ? rate(box, a.value) : off(box, 1))));
      b.dataset.actionType = a.type;
      b.value = a.value;
    }
    off(e);
  }
  return e;
}

// Chips answer the bot: off once one was pressed (all) or the bot is done. The stars are
// rating.js's (their styles in rating.css, which of them are on, the comment after a press),
// loaded once a rating prompt is in the thread: not part of the first open.
function off(root, all) {
  for (const c of root.querySelectorAll('.act')) if (c.dataset.actionType != 'rating' && (all || cur?.status != 'bot')) c.disabled = true;
  if (list.querySelector('.stars')) rate();
}
const rate = (box, n) => import('./rating.js').then((m) => m.default(box, n), () => flashError(T.net));
// Help articles (faq.js + faq.css): loaded on first use, not part of the first open.
const faq = (id) => import('./faq.js').then((m) => m.default(api, id), () => flashError(T.net));
// prechat.js: the pre-chat form, only while the widget has questions for the topic picked.
const pc = (...x) => import('./prechat.js').then((m) => m.default(...x), () => flashError(T.net));
// What the modules loaded later (history, rating, files, pre-chat) use, as live bindings.
export { api, cur, token, begin, onMessage, flashError, I, S, send, topic, T, el, button, time, list, convs, findTopic, openConv, setConvs };
// files.js: on first attach, paste, drop or message with files.
const files = (...a) => import('./files.js').then((m) => m.default(...a), () => flashError(T.net));

function pendingEl(cid) {
  for (const e of list.querySelectorAll('.pending,.failed')) if (e.dataset.clientId === cid) return e;
}

function addMsg(m) {
  if (!cur || m.conversation !== cur.id) return;
  seen.add(m.id);
  pendingEl(m.client_id)?.remove();
  if (!msgs.has(m.id)) {
    const e = renderMsg(m);
    msgs.set(m.id, e);
    let after = list.lastElementChild;
    while (after && !(+after.dataset.messageId && +after.dataset.messageId < m.id)) after = after.previousElementSibling;
    list.insertBefore(e, after ? after.nextSibling : list.firstChild);
    if (m.id > maxId) maxId = m.id;
    if (e.querySelector('.stars')) off(list); // a new prompt: its stars on, older ones off
  }
  // An agent's message says the agent read up to it: no `read` frame comes for it.
  if (m.sender?.type === 'agent') cur.agent_last_read = Math.max(cur.agent_last_read || 0, m.id);
  updateStatus();
}

function renderPending(entry) {
  const e = renderMsg({ sender: { type: 'visitor' }, body: entry.body, client_id: entry.client_id });
  e.classList.add('pending');
  e.append(el('div', 'msg-status', T.sending));
  return list.appendChild(e);
}

function renderOutbox() {
  const conv = cur?.id ?? null;
  for (const e of outbox) if (e.conversation === conv && !pendingEl(e.client_id)) renderPending(e);
  for (const e of failed.values()) {
    if (e.conversation === conv && !pendingEl(e.client_id)) markFailed(renderPending(e), e.client_id);
  }
  updateStatus();
}

function updateStatus() {
  for (const s of list.querySelectorAll('.ack')) s.remove();
  let own = list.lastElementChild;
  while (own && !own.classList.contains('msg-visitor')) own = own.previousElementSibling;
  const id = own && +own.dataset.messageId;
  if (!id) return;
  const seenIt = cur?.agent_last_read >= id;
  const st = own.appendChild(el('div', 'msg-status ack' + (seenIt ? ' seen' : ''), seenIt ? T.seen : T.sent));
  // Not seen yet: the visitor may take their last message back.
  if (!seenIt && !own.classList.contains('msg-deleted')) st.append(' · ', button('msg-del', T.delete, () => unsend(id)));
}

async function unsend(id) {
  const conv = cur?.id;
  try {
    onChanged(await api(`conversations/${conv}/messages/${id}`, null, false, 'DELETE'));
  } catch (e) {
    flashError(e.message);
  }
}

// An edited or deleted message, in place (the `message.updated` frame or the delete's answer).
function onChanged(m) {
  const old = msgs.get(m.id);
  if (!old || !cur || m.conversation !== cur.id) return;
  const e = renderMsg(m);
  old.replaceWith(e);
  msgs.set(m.id, e);
  updateStatus();
}

function markFailed(p, cid) {
  p.classList.replace('pending', 'failed');
  const st = p.querySelector('.msg-status');
  st.textContent = T.unsent + ' ';
  st.append(button('retry', T.retry, () => retry(cid)));
}

function loadOutbox() {
  try {
    const v = JSON.parse(load(K_OUTBOX) || '[]');
    return v.filter((x) => x && typeof x.client_id === 'string' && typeof x.body === 'string');
  } catch { return []; }
}
function saveOutbox() {
  keep(K_OUTBOX, JSON.stringify(outbox.map(({ sent, ...e }) => e)));
}
function unqueue(cid) {
  const i = outbox.findIndex((x) => x.client_id === cid);
  const e = i < 0 ? null : outbox.splice(i, 1)[0];
  if (e) saveOutbox();
  return e;
}

// What the visitor chose before the conversation began: it starts with it, by text or file.
function opening() {
  const o = {};
  if (I.c) o.context = I.c;
  if (I.p) o.proactive = I.p.t;
  if (I.pre) o.prechat = I.pre;
  if (topic) o.topic = topic, urgent.checked && (o.priority_hint = 'urgent');
  return o;
}
// files.js: a file before any message starts the conversation.
async function begin() {
  const c = await api('conversations', opening());
  I.p = 0;
  await openConv(c.id, c, c.messages);
  return c.id;
}

function send(text, a) {
  const body = String(text).trim();
  if (!body) return;
  if (body.length > MAX) return flashError(T.long);
  if (!cur && !I.pre && S.prechat?.some((q) => !q.topic || q.topic == topic)) return void pc(body, a);
  const entry = { client_id: uuid(), conversation: cur?.id ?? null, body };
  if (a) entry.action = { type: a.type, value: a.value };
  if (!cur) Object.assign(entry, opening());
  outbox.push(entry);
  saveOutbox();
  stopTyping();
  renderPending(entry);
  updateStatus();
  toBottom();
  flush();
  return true;
}

// `ms` (the server's retry_after): nothing is sent until then, so nothing overtakes.
let flushTimer = 0, resendAll = false, held = false;
function later(resend, ms) {
  resendAll = resendAll || resend;
  held = held || !!ms;
  clearTimeout(flushTimer);
  flushTimer = setTimeout(() => {
    if (resendAll) for (const e of outbox) e.sent = -1;
    const one = held; // after overloaded: the oldest only, the rest once it is acknowledged
    resendAll = held = false;
    flush(one ? 1 : 10);
  }, ms || 11000);
}

function flush(max = 10) {
  const first = outbox.find((e) => e.conversation == null);
  if (first && !creating) create(first);
  if (!authed || held) return;
  let n = 0; // max 20 frames / 10 s
  for (const e of outbox) {
    if (e.conversation != null && e.sent !== gen) {
      if (++n > max) return max > 1 && later(false);
      e.sent = gen;
      wsSend({ type: 'message.send', conversation: e.conversation, client_id: e.client_id, body: e.body, action: e.action });
    }
  }
}

async function create(entry) {
  creating = true;
  let c;
  try {
    const { conversation, ...body } = entry;
    c = await api('conversations', body);
  } catch (e) {
    creating = false;
    if (e.fields) return unqueue(entry.client_id), pendingEl(entry.client_id)?.remove(), pc(entry.body, entry.action, e.fields);
    if (!e.network) fail(entry.client_id, e.message);
    return;
  }
  creating = false;
  if (c.accepted) return accepted(entry.client_id); // nothing more to show (protocol: Blocks)
  I.p = I.pre = 0;
  unqueue(entry.client_id);
  for (const x of outbox) if (x.conversation == null) x.conversation = c.id;
  saveOutbox();
  const last = c.messages[c.messages.length - 1];
  upsertConv(c.id, { status: c.status, topic: c.topic, last_message: last?.body, updated_at: last?.created_at || c.created_at });
  if (!cur && D.view === 'new') await openConv(c.id, c, c.messages);
  flush();
}

// Accepted with no message back (protocol: Blocks): shown as sent, never sent again.
function accepted(cid) {
  unqueue(cid);
  failed.delete(cid);
  const p = pendingEl(cid);
  if (p) {
    p.classList.remove('pending', 'failed');
    p.querySelector('.msg-status').textContent = T.sent;
  }
  flush();
}

function fail(cid, detail) {
  const e = unqueue(cid);
  if (e) failed.set(cid, e);
  const p = pendingEl(cid);
  if (p) markFailed(p, cid);
  flashError(detail);
}

function retry(cid) {
  const e = failed.get(cid);
  if (!e) return;
  failed.delete(cid);
  if (e.conversation == null && cur) e.conversation = cur.id;
  e.sent = -1;
  outbox.push(e);
  saveOutbox();
  const p = pendingEl(cid);
  if (p) {
    p.classList.replace('failed', 'pending');
    p.querySelector('.msg-status').textContent = T.sending;
  }
  flush();
}

function wsSend(frame) {
  if (ws && ws.readyState === 1) return ws.send(JSON.stringify(frame)) || true;
}

const banner = (down) => { $('connection-status').hidden = !down; };

function connect() {
  clearTimeout(retryTimer);
  if (ws || !S) return;
  let sock;
  try {
    sock = new WebSocket(S.ws_url);
  } catch {
    return closed(1006);
  }
  ws = sock;
  sock.onopen = () => sock.send(JSON.stringify({ type: 'auth', visitor_token: token }));
  sock.onmessage = (ev) => {
    clearTimeout(deadTimer);
    let f;
    try { f = JSON.parse(ev.data); } catch { return; }
    if (f && typeof f.type === 'string') onFrame(f);
  };
  sock.onclose = (ev) => { if (ws === sock) closed(ev.code); };
}

function closed(code) {
  ws = null;
  authed = typingOn = false;
  clearInterval(pingTimer);
  clearTimeout(deadTimer);
  hideTyping();
  banner(true);
  if (code === 4401) needSession = true;
  const d = Math.min(15000, 500 * 2 ** attempt);
  attempt = Math.min(attempt + 1, 10);
  clearTimeout(retryTimer);
  retryTimer = setTimeout(reconnect, d / 2 + Math.random() * d / 2);
}

async function reconnect() {
  if (ws) return;
  if (needSession || !S) {
    try {
      await openSession();
      needSession = false;
      if (D.view === 'error') route();
    } catch (e) {
      if (!e.network) flashError(e.message);
      return closed(0);
    }
  }
  connect();
}

function kill() {
  const s = ws;
  if (!s) return;
  closed(1006);
  try { s.close(); } catch {}
}

function subscribe() {
  if (authed && cur) wsSend({ type: 'subscribe', conversation: cur.id, after: maxId });
}

function onFrame(f) {
  const here = !!cur && f.conversation === cur.id;
  switch (f.type) {
    case 'auth.ok':
      authed = true;
      attempt = 0;
      gen += 1;
      banner(false);
      clearInterval(pingTimer);
      pingTimer = setInterval(() => {
        if (wsSend({ type: 'ping' })) deadTimer = setTimeout(kill, 10000);
      }, 25000);
      subscribe();
      flush();
      break;
    case 'message.new':
      if (f.message) onMessage(f.message);
      break;
    case 'message.updated':
      if (f.message) onChanged(f.message);
      break;
    case 'message.accepted':
      if (f.client_id) accepted(f.client_id);
      break;
    case 'subscribed':
      if (f.has_more && here) fill(cur.id);
      break;
    case 'conversation.updated':
      if (f.conversation) onConversation(f.conversation);
      break;
    case 'typing':
      if (here && f.sender && f.sender.type !== 'visitor') onTyping(f);
      break;
    case 'read':
      if (f.reader === 'agent' && here) {
        cur.agent_last_read = Math.max(cur.agent_last_read || 0, f.up_to || 0);
        updateStatus();
      }
      break;
    case 'error':
      // Overloaded: the message stays in the outbox (shown as sending); the whole outbox goes
      // again, in order and with the same client_ids, after retry_after.
      // Past the message limit (with the wait it asks for): the same, nothing is lost.
      if (f.code === 'overloaded' || (f.code === 'rate_limited' && f.retry_after)) return later(true, f.retry_after);
      if (f.code === 'rate_limited') later(true);
      if (f.client_id && (outbox.some((e) => e.client_id === f.client_id) || pendingEl(f.client_id))) fail(f.client_id, f.detail);
      else flashError(f.detail);
  }
}

function onMessage(m) {
  if (unqueue(m.client_id)) flush();
  failed.delete(m.client_id);
  const fresh = !seen.has(m.id);
  const here = !!cur && m.conversation === cur.id;
  const fromAgent = /agent|bot/.test(m.sender.type);
  const c = upsertConv(m.conversation, { last_message: m.body, updated_at: m.created_at });
  if (here) {
    const stick = stuck || m.sender.type === 'visitor';
    addMsg(m);
    if (stick) toBottom();
    if (fromAgent) hideTyping();
  }
  seen.add(m.id);
  if (fresh && fromAgent) post({ type: 'destek:message', message: m });
  if (fresh && fromAgent && !(here && visible())) {
    c.unread = (c.unread || 0) + 1;
    if (D.view === 'home') renderHome();
  }
  markRead();
  notifyUnread();
}

function onConversation(c) {
  upsertConv(c.id, { status: c.status, topic: c.topic, reopenable: c.reopenable, reopen_until: c.reopen_until });
  if (!cur || cur.id !== c.id) return;
  Object.assign(cur, c);
  readSent = Math.max(readSent, c.visitor_last_read || 0);
  applyStatus();
  updateStatus();
  markRead();
}

function hideTyping() {
  clearTimeout(agentTyping);
  $('typing').hidden = true;
}

function onTyping(f) {
  if (!f.state) return hideTyping();
  const stick = stuck;
  $('typing-text').textContent = T.typing.replace('{name}', f.sender.name || T.someone);
  $('typing').hidden = false;
  if (stick) toBottom();
  clearTimeout(agentTyping);
  agentTyping = setTimeout(hideTyping, 6000);
}

function stopTyping() {
  clearTimeout(typingIdle);
  if (typingOn && cur) wsSend({ type: 'typing', conversation: cur.id, state: false });
  typingOn = false;
  typingAt = 0;
}

function onInput() {
  input.style.height = 'auto';
  input.style.height = Math.min(input.scrollHeight, 140) + 'px';
  const left = MAX - input.value.length;
  const counter = $('char-counter');
  counter.hidden = left > 400;
  counter.textContent = T.left.replace('{n}', left);
  counter.classList.toggle('over', left <= 0);
  if (!cur || !authed || !input.value.trim()) return;
  const now = Date.now();
  if (now - typingAt >= 4000 && wsSend({ type: 'typing', conversation: cur.id, state: true })) {
    typingOn = true;
    typingAt = now;
  }
  clearTimeout(typingIdle);
  typingIdle = setTimeout(stopTyping, 3000);
}

const visible = () => opened && document.visibilityState === 'visible';

// Read marks: one per burst of messages, the newest id, after a short pause and at most one a
// second; at once when the widget opens or its tab comes back.
let readTimer = 0, readAt = 0;
function sendRead() {
  readTimer = 0;
  if (!cur || !visible()) return;
  let top = 0;
  for (const [id, e] of msgs) if (id > top && /msg-(agent|bot)/.test(e.className)) top = id;
  if (top > readSent && authed && wsSend({ type: 'read', conversation: cur.id, up_to: maxId })) readSent = maxId, readAt = Date.now();
}

function markRead(now) {
  if (!cur || !visible()) return;
  if (now) clearTimeout(readTimer), sendRead();
  else if (!readTimer) readTimer = setTimeout(sendRead, Math.max(500, readAt + 1000 - Date.now()));
  const c = convs.find((x) => x.id === cur.id);
  if (c && c.unread) {
    c.unread = 0;
    notifyUnread();
  }
}

function notifyUnread() {
  const n = convs.reduce((a, c) => a + (c.unread || 0), 0);
  if (n === lastPosted) return;
  lastPosted = n;
  post({ type: 'destek:unread', count: n });
}

function close() {
  opened = false;
  stopTyping();
  post({ type: 'destek:close' });
}

function submit(e) {
  e.preventDefault();
  if (input.disabled) return;
  if (send(input.value)) {
    input.value = '';
    onInput();
  }
  input.focus();
}
$('composer').onsubmit = submit;
input.onkeydown = (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) submit(e);
};
input.oninput = onInput;
$('back-button').onclick = home;
$('new-conversation').onclick = $('start-new-button').onclick = newConv;
$('session-retry').onclick = start;
$('faq-button').onclick = () => faq();
ondragover = (e) => e.preventDefault();
document.onpaste = ondrop = $('file-input').onchange = (e) => {
  const l = (e.dataTransfer || e.clipboardData || e.target).files;
  if (l?.[0]) e.preventDefault(), files(l);
};
$('reopen-button').onclick = async (ev) => {
  const b = ev.currentTarget;
  if (!cur) return;
  b.disabled = true;
  try {
    onConversation(await api(`conversations/${cur.id}/reopen`, {}));
  } catch (e) {
    flashError(e.message);
  }
  b.disabled = false;
};
const closeBtn = $('close-button');
if (closeBtn) {
  closeBtn.hidden = !framed;
  closeBtn.onclick = close;
}
document.onkeydown = (e) => { if (e.key === 'Escape' && framed && !APP) close(); };

onmessage = (e) => {
  const t = PARENT && e.source === parent && e.origin === PARENT && e.data && e.data.type;
  const v = t && e.data.v;
  if (t === 'destek:init' || t === 'destek:set') {
    Object.assign(I, v);
    if (t === 'destek:set' && 'c' in v) return tell(); // the context alone: the session goes on
    if (t === 'destek:set') kill(), clearTimeout(retryTimer);
    start();
  }
  if (t === 'destek:open' || v?.open) {
    opened = true;
    markRead(true);
    if (!input.disabled && !$('view-conversation').hidden && fine()) input.focus();
  } else if (t === 'destek:hide') {
    opened = false;
    stopTyping();
  }
};
function wake() {
  if (ws || !S) return;
  attempt = 0;
  reconnect();
}
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState !== 'visible') return;
  markRead(true);
  wake();
});
ononline = wake;
onoffline = kill;

if (PARENT) post({ type: 'destek:hello' });
else if (APP) import('./app.js').then((m) => m.default(I), () => {}).then(start);
else start();
