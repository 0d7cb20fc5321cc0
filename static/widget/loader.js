// Destek: <script async src=".../widget/loader.js" data-widget-key="KEY"></script>; iframe on first click.
(() => {
  const d = document, w = window;
  const s = d.currentScript || d.querySelector('script[data-widget-key]');
  if (!s || w.__destekLoaded) return;
  w.__destekLoaded = 1;
  const key = s.getAttribute('data-widget-key') || '';
  const origin = new URL(s.src, location.href).origin;
  const label = /^tr\b/i.test(d.documentElement.lang || navigator.language)
    ? ['Sohbeti aç', 'Sohbeti kapat', 'Destek sohbeti'] : ['Open chat', 'Close chat', 'Support chat'];
  const mq = w.matchMedia('(max-width: 480px)');
  const ns = 'http://www.w3.org/2000/svg';
  const chat = 'M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.2 3.6A.5.5 0 0 1 5 19.2V16h-.5A.5.5 0 0 1 4 15.5z';
  const cross = 'M6.7 5.3 12 10.6l5.3-5.3 1.4 1.4-5.3 5.3 5.3 5.3-1.4 1.4-5.3-5.3-5.3 5.3-1.4-1.4 5.3-5.3-5.3-5.3z';
  let open = false, unread = 0, btn, badge, icon, frame, loaded;

  const el = (tag, css, id) => Object.assign(d.createElement(tag), { id, style: css });
  const set = (e, attrs) => { for (const k in attrs) e.setAttribute(k, attrs[k]); return e; };
  const post = (msg) => { if (frame && loaded) frame.contentWindow.postMessage(msg, origin); };

  function paint() {
    icon.setAttribute('d', open ? cross : chat);
    set(btn, { 'aria-label': label[+open] + (unread ? ` (${unread})` : ''), 'aria-expanded': open });
    badge.textContent = unread;
    badge.style.display = unread ? 'block' : 'none';
    if (!frame) return;
    // Phone: full screen, the widget's own close button.
    const small = mq.matches;
    frame.style.cssText = 'position:fixed;border:0;z-index:2147483001;background:#f6f7fb;box-shadow:0 12px 48px rgba(17,24,39,.28);color-scheme:normal;'
      + (small ? 'top:0;left:0;width:100%;height:100%;border-radius:0' : 'right:20px;bottom:92px;width:380px;height:600px;max-height:calc(100vh - 112px);border-radius:16px')
      + (open ? '' : ';display:none');
    btn.style.display = small && open ? 'none' : 'flex';
  }

  function toggle(show) {
    open = show;
    if (open && !frame) {
      frame = el('iframe', '', 'destek-frame');
      frame.title = label[2];
      frame.src = `${origin}/widget/?key=${encodeURIComponent(key)}&url=${encodeURIComponent(location.href)}`;
      frame.onload = () => { loaded = 1; if (open) post({ type: 'destek:open' }); };
      d.body.append(frame);
    }
    paint();
    post({ type: open ? 'destek:open' : 'destek:hide' });
    if (!open) btn.focus();
  }

  function init() {
    btn = el('button', 'position:fixed;right:20px;bottom:20px;width:60px;height:60px;border-radius:50%;border:0;padding:0;margin:0;cursor:pointer;background:#4338ca;color:#fff;box-shadow:0 6px 20px rgba(67,56,202,.4);display:flex;align-items:center;justify-content:center;z-index:2147483000', 'destek-launcher');
    btn.type = 'button';
    const svg = set(d.createElementNS(ns, 'svg'), { viewBox: '0 0 24 24', width: 28, height: 28, 'aria-hidden': true });
    icon = svg.appendChild(set(d.createElementNS(ns, 'path'), { fill: 'currentColor' }));
    badge = el('span', 'position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;padding:0 6px;border-radius:10px;background:#dc2626;color:#fff;font:700 12px/20px system-ui,sans-serif;text-align:center;box-sizing:border-box;box-shadow:0 0 0 2px #fff', 'destek-badge');
    btn.append(svg, badge);
    btn.onclick = () => toggle(!open);
    paint();
    d.body.append(btn);
    if (mq.addEventListener) mq.addEventListener('change', paint);
  }

  w.addEventListener('message', (e) => {
    if (!frame || e.origin !== origin || e.source !== frame.contentWindow) return;
    const m = e.data || {};
    if (m.type === 'destek:close') {
      if (open) toggle(false);
    } else if (m.type === 'destek:unread') {
      unread = Math.max(0, Math.min(99, parseInt(m.count, 10) || 0));
      paint();
    }
  });

  if (d.body) init();
  else d.addEventListener('DOMContentLoaded', init);
})();
