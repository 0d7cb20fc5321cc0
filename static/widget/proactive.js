// Destek proactive messages (docs/sdk.md): loader.js adds this script when the widget has triggers or a
// greeting. It watches the triggers' conditions, asks the server to fire one (the server enforces the
// frequency cap and business hours) and shows the message as a bubble by the launcher.
(() => {
  const D = window.Destek, X = D._, { A, O, K, I, E, ls, key, C } = X;
  const rnd = () => Math.random().toString(36).slice(2) + Date.now().toString(36);
  let vid = ls('v'), back = 1, bub;
  // A returning visitor: known from an earlier session of this browser.
  try { back = sessionStorage[K + 'b'] = sessionStorage[K + 'b'] || (vid ? 2 : 1); } catch {}
  if (!vid) ls('v', (vid = rnd()));

  // The chat is open when its frame exists and is shown (the loader hides it with display:none;
  // shown, its display is empty). Open, no bubble covers it: the message waits for a later page.
  const open = () => {
    const f = document.getElementById('destek-frame');
    return !!f && f.style.display !== 'none';
  };

  function hide() {
    if (bub) bub.remove();
    bub = null;
  }

  function bubble(text, token) {
    if (open() || bub || !text) return;
    bub = Object.assign(document.createElement('div'), { id: 'destek-bubble' });
    bub.style = `position:fixed;${X.side()}bottom:92px;max-width:300px;z-index:2147483000;display:flex;align-items:flex-start;background:#fff;color:#111827;border-radius:14px;box-shadow:0 8px 28px #0003;font:15px/1.4 system-ui,sans-serif`;
    bub.setAttribute('role', 'status');
    const say = Object.assign(document.createElement('button'), { type: 'button', id: 'destek-bubble-text', textContent: text });
    say.style = 'all:unset;cursor:pointer;padding:12px 4px 12px 14px;flex:1;overflow-wrap:anywhere';
    const x = Object.assign(document.createElement('button'), { type: 'button', textContent: '×' });
    x.style = 'all:unset;cursor:pointer;padding:8px 12px;color:#6b7280;font-size:20px;line-height:1';
    x.setAttribute('aria-label', C.labels[3]);
    say.onclick = () => {
      hide();
      // The reply to this bubble starts a conversation counted as the trigger's conversion.
      if (token) X.set({ p: { t: token, m: text } });
      X.toggle(1);
    };
    x.onclick = hide;
    bub.append(say, x);
    document.body.append(bub);
  }

  async function fire(t) {
    const cap = 'c' + t.id;
    if (+ls(cap) > Date.now() || open() || bub) return;
    let r, j;
    try {
      // text/plain: a "simple" cross-origin request, no preflight
      r = await fetch(`${O}/api/widget/v1/triggers/${t.id}/fire`, {
        method: 'POST',
        credentials: 'omit',
        body: JSON.stringify({ widget_key: decodeURIComponent(key), visitor_id: vid, identity: I.identity, url: location.href, lang: I.locale }),
      });
      j = await r.json();
    } catch (e) {
      return E(e);
    }
    // Shown or refused as capped: not again in this browser for cap days either.
    if (r.ok || j.error?.code === 'capped') ls(cap, Date.now() + t.cap * 864e5);
    if (r.ok) bubble(j.message, j.token);
    else if (r.status !== 409) E(j.error?.detail);
  }

  const arm = (t) => setTimeout(fire, t.wait * 1e3, t);
  const path = location.pathname + location.search;
  const events = {};
  for (const t of C.triggers) {
    if (t.url && !new RegExp(t.url).test(path)) continue;
    if (t.on === 'event') (events[t.event] = events[t.event] || []).push(t);
    else if (t.on !== 'returning' || back == 2) arm(t);
  }
  const track = (name) => (events[name] || []).forEach(arm);
  X.t.forEach(track); // events the page tracked before this script arrived
  D.on('track', track);
  D.on('open', hide);
  D.on('reset', () => ls('v', (vid = rnd())));

  // The widget's greeting, once, on a visitor's first visit.
  const greeting = A.greeting || C.greeting;
  if (greeting && back == 1 && !ls('g')) {
    setTimeout(() => open() || (ls('g', 1), bubble(greeting)), 3000);
  }
})();
