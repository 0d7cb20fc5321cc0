/* Destek chat widget (iframe or app webview); protocol: docs/protocol.md.
 * Server data reaches the DOM only through textContent, never innerHTML. */
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const B = document.body;
  const D = B.dataset;
  const T = $('i18n').dataset;
  const KEY = D.widgetKey;
  const API = D.apiBase || '/api/widget/v1/';
  const APP = D.appMode === '1';
  const MAX = 4000;
  const K_TOKEN = `destek:${KEY}:token`;
  const K_OUTBOX = `destek:${KEY}:outbox`;
  const K_VIEW = `destek:${KEY}:view`; // sessionStorage: view to restore on reload
  const framed = window.parent !== window;
  const list = $('messages');
  const scroller = $('scroller');
  const input = $('composer-input');

  // localStorage may be blocked (third-party iframe): use memory.
  const mem = {};
  const store = {
    get(k) {
      if (k in mem) return mem[k];
      try { return localStorage.getItem(k); } catch (e) { return null; }
    },
    set(k, v) {
      try { localStorage.setItem(k, v); delete mem[k]; } catch (e) { mem[k] = v; }
    },
  };

  let token = store.get(K_TOKEN);
  let S = null; // the session response
  let convs = []; // conversation summaries, newest first
  let cur = null; // open conversation; null on the new-conversation view
  let msgs = new Map(); // message id -> element
  let maxId = 0;
  let readSent = 0;
  let topic = null;
  let outbox = loadOutbox();
  const failed = new Map(); // client_id -> refused outbox entry
  const seen = new Set(); // message ids already counted
  let creating = false;
  let ws = null;
  let authed = false;
  let gen = 0; // socket generation: each outbox entry is sent once per socket
  let attempt = 0;
  let needSession = false;
  let retryTimer = 0;
  let pingTimer = 0;
  let deadTimer = 0;
  let opened = !framed; // framed: visible after destek:open
  let typingOn = false;
  let typingAt = 0;
  let typingIdle = 0;
  let agentTyping = 0;
  let errorTimer = 0;
  let lastPosted = -1;

  const parentOrigin = (() => {
    try {
      const a = location.ancestorOrigins;
      const o = a && a.length ? a[0] : new URL(D.hostUrl || document.referrer).origin;
      return o && o !== 'null' ? o : '*';
    } catch (e) { return '*'; }
  })();

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function button(cls, text, onclick) {
    const b = el('button', cls, text);
    b.type = 'button';
    b.addEventListener('click', onclick);
    return b;
  }

  function uuid() {
    try { return crypto.randomUUID(); } catch (e) { /* insecure context */ }
    return 'c-' + Date.now().toString(36) + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
  }

  function post(msg, origin) {
    if (!framed) return;
    try { window.parent.postMessage(msg, origin || parentOrigin); } catch (e) { /* bad origin */ }
  }

  const lang = document.documentElement.lang || navigator.language;
  function time(iso) {
    const d = new Date(iso);
    return isNaN(d) ? '' : d.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
  }
  function when(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return '';
    return d.toDateString() === new Date().toDateString() ? time(iso) : d.toLocaleDateString(lang, { day: 'numeric', month: 'short' });
  }

  function link(cls, text, href) {
    const a = el('a', cls, text);
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer nofollow';
    return a;
  }

  // Text with clickable http(s) links, from text nodes only.
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

  // Follow new messages while the reader is at the bottom.
  let stuck = true;
  function toBottom() {
    stuck = true;
    scroller.scrollTop = scroller.scrollHeight;
  }
  scroller.addEventListener('scroll', () => {
    if (scroller.clientHeight) stuck = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  }, { passive: true });
  if (window.ResizeObserver) new ResizeObserver(() => { if (stuck) scroller.scrollTop = scroller.scrollHeight; }).observe(scroller);

  async function api(path, opts = {}) {
    const headers = { Accept: 'application/json' };
    if (opts.body) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = 'Bearer ' + token;
    let res;
    try {
      res = await fetch(API + path, {
        method: opts.method || (opts.body ? 'POST' : 'GET'),
        headers,
        body: opts.body && JSON.stringify(opts.body),
        credentials: 'omit',
      });
    } catch (e) {
      throw Object.assign(new Error(T.networkError), { network: true });
    }
    let data = {};
    try { data = await res.json(); } catch (e) { /* not JSON */ }
    if (res.status === 401 && path !== 'session' && !opts.retried) {
      await openSession(); // the token expired or was revoked
      return api(path, { ...opts, retried: true });
    }
    if (!res.ok) {
      const er = data.error || {};
      throw Object.assign(new Error(er.detail || T.error), { status: res.status, code: er.code });
    }
    return data;
  }

  function parseOS(ua) {
    let m;
    if ((m = ua.match(/Windows NT ([\d.]+)/))) return ['Windows', m[1]];
    if ((m = ua.match(/(?:iPhone|iPad|iPod).*? OS (\d+(?:_\d+)*)/))) return ['iOS', m[1].replace(/_/g, '.')];
    if ((m = ua.match(/Android ([\d.]+)/))) return ['Android', m[1]];
    if ((m = ua.match(/Mac OS X (\d+(?:[_.]\d+)*)/))) return ['macOS', m[1].replace(/_/g, '.')];
    if (/Linux/.test(ua)) return ['Linux', ''];
    return ['', ''];
  }

  function device() {
    const ua = navigator.userAgent;
    const [os, osVersion] = parseOS(ua);
    let tz = '';
    try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) { /* none */ }
    return {
      platform: APP ? 'app' : 'web',
      os,
      os_version: osVersion,
      screen: `${screen.width}x${screen.height}`,
      locale: navigator.language,
      timezone: tz,
      url: (D.hostUrl || document.referrer || '').slice(0, 500),
      user_agent: ua.slice(0, 500),
    };
  }

  async function openSession() {
    const s = await api('session', {
      body: {
        widget_key: KEY,
        visitor_token: token || undefined,
        locale: navigator.language,
        device: device(),
      },
    });
    const changed = S && S.contact && s.contact && S.contact.id !== s.contact.id;
    S = s;
    token = s.visitor_token;
    store.set(K_TOKEN, token);
    if (changed) {
      // A new visitor (old token expired): what we knew is someone else's.
      outbox = outbox.filter((e) => e.conversation == null);
      saveOutbox();
      route();
    }
    return s;
  }

  function show(view) {
    B.dataset.view = view;
    const section = view === 'new' ? 'conversation' : view;
    for (const n of ['loading', 'error', 'home', 'conversation']) $('view-' + n).hidden = n !== section;
    $('back-button').hidden = section !== 'conversation';
    $('topics').hidden = view !== 'new';
    if (section === 'home' || section === 'conversation') {
      try { sessionStorage.setItem(K_VIEW, cur ? cur.id : ''); } catch (e) { /* blocked */ }
    }
  }

  function route() {
    setConvs(S.conversations || []);
    renderTopics();
    // Hours, in the visitor's own zone and language.
    const h = S.hours || {};
    const d = new Date(h.next_open_at || NaN);
    const shut = h.open === false;
    document.querySelector('.online-dot').hidden = shut;
    $('header-subtitle').textContent = !shut ? T.openNow : isNaN(d) ? T.closed
      : (d.toDateString() === new Date().toDateString() ? T.backAt : T.backOn).replace('{time}', time(d))
        .replace('{day}', d - new Date() < 5e8 ? d.toLocaleDateString(lang, { weekday: 'long' }) : when(d));
    $('header-note').textContent = shut ? h.message || '' : T.replySoon;
    let last = 0;
    try { last = +sessionStorage.getItem(K_VIEW); } catch (e) { /* blocked */ }
    const kept = convs.find((c) => c.id === last);
    const active = convs.find((c) => c.status !== 'resolved');
    if (outbox.some((e) => e.conversation == null)) newConv();
    else if (kept || active) openConv((kept || active).id, kept || active);
    else if (convs.length) home();
    else newConv();
  }

  async function start() {
    show('loading');
    try {
      await openSession();
    } catch (e) {
      $('session-error').textContent = e.message;
      show('error');
      return;
    }
    route();
    connect();
    flush();
  }

  function topicName(slug) {
    const t = (S.topics || []).find((x) => x.slug === slug);
    return t ? t.name : '';
  }

  function sortConvs() {
    const t = (c) => Date.parse(c.updated_at) || 0;
    convs.sort((a, b) => t(b) - t(a) || b.id - a.id);
  }
  function setConvs(items) {
    convs = items.map((c) => Object.assign({}, c));
    sortConvs();
    notifyUnread();
  }
  function upsertConv(id, patch) {
    let c = convs.find((x) => x.id === id);
    if (!c) {
      c = { id, status: 'queued', topic: null, last_message: '', unread: 0, updated_at: new Date().toISOString() };
      convs.push(c);
    }
    for (const k in patch) if (patch[k] != null) c[k] = patch[k];
    sortConvs();
    if (B.dataset.view === 'home') renderHome();
    return c;
  }

  function renderHome() {
    const ul = $('conversation-list');
    ul.textContent = '';
    $('history').hidden = !convs.length;
    for (const c of convs) {
      const b = button('conv-item', null, () => openConv(c.id, c));
      b.dataset.conversationId = c.id;
      const top = el('span', 'conv-top');
      top.append(
        el('span', 'conv-title', topicName(c.topic) || T.conversation),
        el('span', 'pill pill-' + c.status, T['status' + c.status[0].toUpperCase() + c.status.slice(1)] || c.status),
        el('span', 'conv-time', when(c.updated_at)),
      );
      const bottom = el('span', 'conv-bottom');
      bottom.append(el('span', 'conv-last', c.last_message || T.noMessages));
      if (c.unread) {
        const u = el('span', 'badge', String(c.unread));
        u.setAttribute('aria-label', `${c.unread} ${T.unread}`);
        bottom.append(u);
      }
      b.append(top, bottom);
      const li = el('li');
      li.append(b);
      ul.append(li);
    }
  }

  function renderTopics() {
    const box = $('topic-list');
    box.textContent = '';
    for (const t of S.topics || []) {
      const b = button('topic', null, () => {
        topic = topic === t.slug ? null : t.slug;
        for (const x of box.children) x.setAttribute('aria-pressed', String(x.dataset.topic === topic));
        input.focus();
      });
      b.dataset.topic = t.slug;
      b.setAttribute('aria-pressed', 'false');
      const name = el('span', 'topic-name', t.name);
      if (t.open === false) name.append(' ', el('span', 'pill', T.closed));
      b.append(name);
      if (t.description) b.append(el('span', 'topic-desc', t.description));
      box.append(b);
    }
    box.hidden = !box.children.length;
  }

  function leave() {
    stopTyping();
    hideTyping();
    list.textContent = '';
    msgs = new Map();
    maxId = 0;
    readSent = 0;
    $('composer-error').hidden = true;
  }

  function home() {
    leave();
    cur = null;
    renderHome();
    show('home');
  }

  function newConv() {
    leave();
    cur = null;
    topic = null;
    for (const x of $('topic-list').children) x.setAttribute('aria-pressed', 'false');
    show('new');
    applyStatus();
    renderOutbox();
    if (matchMedia('(pointer: fine)').matches) input.focus();
  }

  async function openConv(id, summary, initial) {
    leave();
    const s = summary || {};
    cur = { id, status: s.status, agent_last_read: s.agent_last_read || 0, visitor_last_read: s.visitor_last_read || 0 };
    readSent = cur.visitor_last_read;
    show('conversation');
    applyStatus();
    (initial || []).forEach(addMsg);
    renderOutbox();
    toBottom();
    await fill(id);
    subscribe();
    markRead();
  }

  // Fetch every message after the newest we hold, page by page.
  async function fill(id) {
    for (;;) {
      if (!cur || cur.id !== id) return;
      let r;
      try {
        r = await api(`conversations/${id}/messages?after=${maxId}`);
      } catch (e) {
        flashError(e.message);
        return;
      }
      if (!cur || cur.id !== id) return;
      const stick = stuck;
      r.messages.forEach(addMsg);
      if (stick) toBottom();
      if (!r.has_more || !r.messages.length) return;
    }
  }

  function applyStatus() {
    const resolved = !!cur && cur.status === 'resolved';
    $('resolved-banner').hidden = !resolved;
    input.disabled = resolved;
    $('send-button').disabled = resolved;
    B.classList.toggle('is-resolved', resolved);
  }

  function renderMsg(m) {
    const type = m.sender.type;
    const e = el('div', `msg msg-${type}`);
    e.dataset.messageId = m.id || '';
    e.dataset.clientId = m.client_id || '';
    if ((type === 'agent' || type === 'bot') && (m.sender.name || m.created_at)) {
      e.append(el('div', 'msg-name', [m.sender.name, time(m.created_at)].filter(Boolean).join(' · ')));
    }
    const bubble = el('div', 'bubble');
    fillText(bubble, m.body);
    if (m.created_at) bubble.title = new Date(m.created_at).toLocaleString(lang);
    e.append(bubble);
    const acts = (m.actions || []).filter((a) => a && a.label && a.type !== 'rating');
    if (acts.length && (type === 'bot' || type === 'system')) {
      const box = el('div', 'msg-actions');
      for (const a of acts) {
        const faq = a.type === 'faq' && /^https?:\/\//.test(a.value || '');
        box.append(faq ? link('chip', a.label, a.value) : button('chip', a.label, () => send(a.label)));
      }
      e.append(box);
    }
    return e;
  }

  function pendingEl(cid) {
    for (const e of list.querySelectorAll('.pending, .failed')) if (e.dataset.clientId === cid) return e;
    return null;
  }

  function addMsg(m) {
    if (!cur || m.conversation !== cur.id) return false;
    seen.add(m.id);
    if (m.client_id) {
      const p = pendingEl(m.client_id);
      if (p) p.remove();
    }
    if (msgs.has(m.id)) {
      updateStatus();
      return false;
    }
    const e = renderMsg(m);
    msgs.set(m.id, e);
    // Sorted by id; pending (id-less) messages stay last.
    let after = list.lastElementChild;
    while (after && !(+after.dataset.messageId && +after.dataset.messageId < m.id)) after = after.previousElementSibling;
    list.insertBefore(e, after ? after.nextSibling : list.firstChild);
    if (m.id > maxId) maxId = m.id;
    updateStatus();
    return true;
  }

  function renderPending(entry) {
    const e = renderMsg({ sender: { type: 'visitor' }, body: entry.body, client_id: entry.client_id });
    e.classList.add('pending');
    e.append(el('div', 'msg-status', T.sending));
    list.append(e);
    return e;
  }

  function renderOutbox() {
    const conv = cur ? cur.id : null;
    for (const e of outbox) if (e.conversation === conv && !pendingEl(e.client_id)) renderPending(e);
    for (const e of failed.values()) {
      if (e.conversation === conv && !pendingEl(e.client_id)) markFailed(renderPending(e), e.client_id);
    }
    updateStatus();
  }

  // "Sent" / "Seen" under the visitor's last acknowledged message.
  function updateStatus() {
    for (const s of list.querySelectorAll('.msg-status.ack')) s.remove();
    let own = list.lastElementChild;
    while (own && !own.classList.contains('msg-visitor')) own = own.previousElementSibling;
    const id = own && +own.dataset.messageId;
    if (!id) return;
    const seenIt = cur && cur.agent_last_read >= id;
    own.append(el('div', 'msg-status ack' + (seenIt ? ' seen' : ''), seenIt ? T.seen : T.sent));
  }

  function markFailed(p, cid) {
    p.classList.remove('pending');
    p.classList.add('failed');
    const st = p.querySelector('.msg-status');
    st.textContent = T.notSent + ' ';
    st.append(button('retry', T.retry, () => retry(cid)));
  }

  function loadOutbox() {
    try {
      const v = JSON.parse(store.get(K_OUTBOX) || '[]');
      return Array.isArray(v) ? v.filter((x) => x && typeof x.client_id === 'string' && typeof x.body === 'string') : [];
    } catch (e) { return []; }
  }
  function saveOutbox() {
    store.set(K_OUTBOX, JSON.stringify(outbox.map((e) => {
      const o = { client_id: e.client_id, conversation: e.conversation, body: e.body };
      if (e.topic) o.topic = e.topic;
      return o;
    })));
  }
  function unqueue(cid) {
    const i = outbox.findIndex((x) => x.client_id === cid);
    const e = i < 0 ? null : outbox.splice(i, 1)[0];
    if (e) saveOutbox();
    return e;
  }

  function send(text) {
    const body = String(text).trim();
    if (!body) return false;
    if (body.length > MAX) {
      flashError(T.tooLong);
      return false;
    }
    const entry = { client_id: uuid(), conversation: cur ? cur.id : null, body };
    if (!cur && topic) entry.topic = topic;
    outbox.push(entry);
    saveOutbox();
    stopTyping();
    renderPending(entry);
    updateStatus();
    toBottom();
    flush();
    return true;
  }

  let flushTimer = 0;
  let resendAll = false;
  function later(resend) {
    resendAll = resendAll || resend;
    clearTimeout(flushTimer);
    flushTimer = setTimeout(() => {
      if (resendAll) for (const e of outbox) e.sent = -1;
      resendAll = false;
      flush();
    }, 11000);
  }

  function flush() {
    const first = outbox.find((e) => e.conversation == null);
    if (first && !creating) create(first);
    if (!authed) return;
    let n = 0; // under the socket's frame limit (20 per 10 s) as a long outbox drains
    for (const e of outbox) {
      if (e.conversation != null && e.sent !== gen) {
        if (++n > 10) {
          later(false);
          return;
        }
        e.sent = gen;
        wsSend({ type: 'message.send', conversation: e.conversation, client_id: e.client_id, body: e.body });
      }
    }
  }

  // A new conversation's first message goes over HTTP (POST conversations).
  async function create(entry) {
    creating = true;
    let c;
    try {
      c = await api('conversations', {
        body: { body: entry.body, client_id: entry.client_id, topic: entry.topic || undefined },
      });
    } catch (e) {
      creating = false;
      if (!e.network) fail(entry.client_id, e.message); // a network failure stays queued
      return;
    }
    creating = false;
    unqueue(entry.client_id);
    for (const x of outbox) if (x.conversation == null) x.conversation = c.id; // follow-ups
    saveOutbox();
    const last = c.messages && c.messages[c.messages.length - 1];
    upsertConv(c.id, { status: c.status, topic: c.topic, last_message: last && last.body, updated_at: (last && last.created_at) || c.created_at });
    if (!cur && B.dataset.view === 'new') await openConv(c.id, c, c.messages);
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
      p.classList.remove('failed');
      p.classList.add('pending');
      p.querySelector('.msg-status').textContent = T.sending;
    }
    flush();
  }

  function wsSend(frame) {
    if (!ws || ws.readyState !== 1) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  function banner(down) { $('connection-status').hidden = !down; }

  function connect() {
    clearTimeout(retryTimer);
    if (ws || !S) return;
    let sock;
    try {
      sock = new WebSocket(S.ws_url);
    } catch (e) {
      closed(1006);
      return;
    }
    ws = sock;
    sock.onopen = () => sock.send(JSON.stringify({ type: 'auth', visitor_token: token }));
    sock.onmessage = (ev) => {
      clearTimeout(deadTimer);
      let f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f && typeof f.type === 'string') onFrame(f);
    };
    sock.onclose = (ev) => { if (ws === sock) closed(ev.code); };
  }

  function closed(code) {
    ws = null;
    authed = false;
    clearInterval(pingTimer);
    clearTimeout(deadTimer);
    hideTyping();
    typingOn = false;
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
        if (B.dataset.view === 'error') route();
      } catch (e) {
        if (!e.network) flashError(e.message);
        closed(0);
        return;
      }
    }
    connect();
  }

  function kill() {
    const s = ws;
    if (!s) return;
    closed(1006);
    try { s.close(); } catch (e) { /* already closing */ }
  }

  function subscribe() {
    if (authed && cur) wsSend({ type: 'subscribe', conversation: cur.id, after: maxId });
  }

  function onFrame(f) {
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
      case 'subscribed':
        if (f.has_more && cur && f.conversation === cur.id) fill(cur.id);
        break;
      case 'conversation.updated':
        if (f.conversation) onConversation(f.conversation);
        break;
      case 'typing':
        onTyping(f);
        break;
      case 'read':
        if (f.reader === 'agent' && cur && f.conversation === cur.id) {
          cur.agent_last_read = Math.max(cur.agent_last_read || 0, f.up_to || 0);
          updateStatus();
        }
        break;
      case 'error':
        if (f.code === 'rate_limited') {
          later(true); // the dropped frame is unnamed: resend all unacknowledged later
        }
        if (f.client_id && (outbox.some((e) => e.client_id === f.client_id) || pendingEl(f.client_id))) {
          fail(f.client_id, f.detail);
        } else {
          flashError(f.detail);
        }
        break;
      default: // pong and future frame types
    }
  }

  function onMessage(m) {
    if (m.client_id) {
      unqueue(m.client_id);
      failed.delete(m.client_id);
    }
    const fresh = !seen.has(m.id);
    const here = !!cur && m.conversation === cur.id;
    const fromAgent = m.sender && (m.sender.type === 'agent' || m.sender.type === 'bot');
    const c = upsertConv(m.conversation, { last_message: m.body, updated_at: m.created_at });
    if (here) {
      const stick = stuck || m.sender.type === 'visitor';
      addMsg(m);
      if (stick) toBottom();
      if (fromAgent) hideTyping();
    }
    seen.add(m.id);
    if (fresh && fromAgent && !(here && visible())) {
      c.unread = (c.unread || 0) + 1;
      if (B.dataset.view === 'home') renderHome();
    }
    markRead();
    notifyUnread();
  }

  function onConversation(c) {
    upsertConv(c.id, { status: c.status, topic: c.topic });
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
    if (!cur || f.conversation !== cur.id || !f.sender || f.sender.type === 'visitor') return;
    if (!f.state) {
      hideTyping();
      return;
    }
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
    counter.textContent = T.charsLeft.replace('{n}', left);
    counter.classList.toggle('over', left <= 0);
    if (!cur || !authed || !input.value.trim()) return;
    const now = Date.now();
    if (now - typingAt >= 2500) {
      if (wsSend({ type: 'typing', conversation: cur.id, state: true })) {
        typingOn = true;
        typingAt = now;
      }
    }
    clearTimeout(typingIdle);
    typingIdle = setTimeout(stopTyping, 3000);
  }

  function visible() { return opened && document.visibilityState === 'visible'; }

  function markRead() {
    if (!cur || !visible()) return;
    let top = 0;
    for (const [id, e] of msgs) if (id > top && (e.classList.contains('msg-agent') || e.classList.contains('msg-bot'))) top = id;
    if (top > readSent && authed && wsSend({ type: 'read', conversation: cur.id, up_to: maxId })) readSent = maxId;
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
    post({ type: 'destek:unread', count: n }, '*'); // a bare count: safe for any origin
  }

  function close() {
    opened = false;
    stopTyping();
    post({ type: 'destek:close' });
  }

  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    if (input.disabled) return;
    if (send(input.value)) {
      input.value = '';
      onInput();
    }
    input.focus();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $('composer').requestSubmit ? $('composer').requestSubmit() : $('composer').dispatchEvent(new Event('submit', { cancelable: true }));
    }
  });
  input.addEventListener('input', onInput);
  $('back-button').addEventListener('click', home);
  $('new-conversation').addEventListener('click', newConv);
  $('start-new-button').addEventListener('click', newConv);
  $('session-retry').addEventListener('click', start);
  $('reopen-button').addEventListener('click', async (ev) => {
    const b = ev.currentTarget;
    if (!cur) return;
    b.disabled = true;
    try {
      onConversation(await api(`conversations/${cur.id}/reopen`, { method: 'POST' }));
    } catch (e) {
      flashError(e.message);
    }
    b.disabled = false;
  });
  const closeBtn = $('close-button');
  if (closeBtn) {
    closeBtn.hidden = !framed; // opened directly: nothing to close
    closeBtn.addEventListener('click', close);
  }
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && framed && !APP) close(); });

  window.addEventListener('message', (e) => {
    if (e.source !== window.parent || !e.data || typeof e.data !== 'object') return;
    if (e.data.type === 'destek:open') {
      opened = true;
      markRead();
      if (!input.disabled && !$('view-conversation').hidden && matchMedia('(pointer: fine)').matches) input.focus();
    } else if (e.data.type === 'destek:hide') {
      opened = false;
      stopTyping();
    }
  });
  function wake() {
    if (ws || !S) return;
    attempt = 0;
    reconnect();
  }
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible') return;
    markRead();
    wake();
  });
  window.addEventListener('online', wake);
  window.addEventListener('offline', kill);

  start();
})();
