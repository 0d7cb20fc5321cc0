// Destek loader, docs/sdk.md. The source: `make widget` builds static/widget/loader.js from it (≤ 2 KB gz).
((w, d) => {
  const s = d.currentScript;
  if (w.Destek?._) return;
  const U = encodeURIComponent, A = s.dataset, key = U(A.widgetKey), O = new URL(s.src).origin, K = `destek:${key}:`;
  const E = (m) => console.error('Destek: ' + m);
  const ls = (k, v) => { try { return v == null ? localStorage[K + k] : (localStorage[K + k] = v); } catch {} };
  const I = { url: location.href }, H = {}, X = { A, O, K, I, E, ls, key, t: [] };
  let C, open = 0, n = 0, btn, badge, icon, f, ready, ok;
  const emit = (e, ...x) => H[e]?.map((h) => setTimeout(h, 0, ...x));
  const post = (type, v) => ok && f.contentWindow.postMessage({ type, v }, O);
  const el = (t, style, id) => Object.assign(d.createElement(t), { id, style });
  const side = X.side = () => (A.position || C?.position) == 'left' ? 'left:20px;' : 'right:20px;';
  const Z = 'position:fixed;z-index:2147483000;border:0;';
  const load = (n) => d.head.appendChild(el('script')).src = `${O}/static/widget/${n}.js`;

  function make() {
    if (f) return;
    f = el('iframe', 'display:none', 'destek-frame');
    f.src = `${O}/widget/?key=${key}&origin=${U(location.origin)}&lang=${U(I.locale||'')}`;
    d.body.append(f);
    load('preview'); // replies while closed: a bubble and the page title's count
    paint();
  }
  const set = X.set = (v) => {
    Object.assign(I, v);
    f ? post('destek:set', v) : d.body && make();
  };
  function paint() {
    const m = innerWidth < 481;
    if (f) f.title = C ? C.labels[2] : '', f.style = Z + 'background:#f6f7fb;box-shadow:0 6px 24px #0005;'
      + (m ? 'inset:0;width:100%;height:100%' : side() + 'bottom:92px;width:380px;height:600px;max-height:calc(100% - 112px);border-radius:16px')
      + (open ? '' : ';display:none');
    if (!btn) return;
    icon.setAttribute('d', open ? 'M6 6l12 12M18 6 6 18' : 'M4 4h16v12h-9l-5 4v-4H4z');
    btn.ariaLabel = C.labels[open] + (n ? ` (${n})` : '');
    badge.textContent = n;
    badge.hidden = !n;
    btn.hidden = m && open;
  }
  const toggle = X.toggle = (v) => {
    open = +!!v;
    make();
    paint();
    post(open ? 'destek:open' : 'destek:hide');
    emit(open ? 'open' : 'close');
    open || btn?.focus();
  };
  const api = {
    open: () => toggle(1),
    close: () => toggle(0),
    toggle: () => toggle(!open),
    identify: (identity) => set({ identity }),
    setAttributes: (attributes) => set({ attributes }),
    setLocale: (locale) => set({ locale }),
    // kept for the widget's next hello; no frame is made for it
    setConversationContext: (c) => post('destek:set', { c: (I.c = c) }),
    track: (...e) => (X.t.push(e[0]), emit('track', ...e)),
    reset() {
      ls('a', '');
      delete I.identity, delete I.attributes, delete I.p;
      emit('reset');
      // null: the widget forgets them too
      post('destek:set', (I.reset = { reset: 1, identity: null, attributes: null, p: null }));
    },
    on: (e, h) => { (H[e] = H[e] || []).push(h); e == 'ready' && ready && h(); },
  };
  const q = w.Destek?.q || [];
  const D = w.Destek = Object.assign((m, ...a) => api[m] ? api[m](...a) : E(m), api, { _: X });

  async function init() {
    I.locale ||= A.locale || d.documentElement.lang || navigator.language;
    const r = await fetch(`${O}/api/widget/v1/config?widget_key=${key}&lang=${U(I.locale)}`).catch(E);
    const j = await r?.json().catch(E);
    if (!r?.ok) return E(j?.error?.detail);
    X.C = C = j;
    btn = X.btn = el('button', Z + side() + `bottom:20px;height:60px;border-radius:30px;padding:0 16px;cursor:pointer;background:${A.color||C.color};color:${C.fg};box-shadow:0 6px 24px #0005;display:flex;gap:8px;align-items:center;font:600 16px system-ui`, 'destek-launcher');
    btn.innerHTML = '<svg viewBox="0 0 24 24" width="28" fill="none" stroke="currentColor" stroke-width="2"><path/></svg>';
    icon = btn.querySelector('path');
    badge = el('span', 'position:absolute;top:-2px;right:-2px;padding:0 6px;border-radius:9px;background:#dc2626;font:700 12px/20px system-ui', 'destek-badge');
    btn.append(A.launcherText || C.text, badge);
    btn.onclick = api.toggle;
    paint();
    d.body.append(btn);
    addEventListener('resize', paint);
    if (ls('a') || I.identity) make(); // a chat in progress may have unread messages
    if (C.triggers[0] || A.greeting || C.greeting) load('proactive');
    ready = 1;
    emit('ready');
  }

  addEventListener('message', (e) => {
    const m = e.data || {}, t = m.type;
    if (!f || e.origin != O || e.source != f.contentWindow) return;
    // the widget asks once it listens: the state so far (identity, attributes, locale, open)
    if (t == 'destek:hello') ok = 1, post('destek:init', { ...I, open });
    if (t == 'destek:close') toggle(0);
    if (t == 'destek:unread') emit('unread', (n = Math.min(99, m.count | 0))), paint();
    if (t == 'destek:ready') ls('a', m.active ? 1 : '');
    if (t == 'destek:message') emit('message', m.message);
    if (t == 'destek:error') E(m.detail), emit('error', m);
  });
  q.map((a) => D(...a));
  d.body ? init() : d.addEventListener('DOMContentLoaded', init);
})(window, document);
