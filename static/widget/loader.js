/* Destek loader: <script async src=".../widget/loader.js" data-widget-key="KEY"></script>
 * A launcher button; the chat iframe is made on first click. Styles via el.style only. */
(function () {
  var d = document, w = window;
  var s = d.currentScript || d.querySelector('script[data-widget-key]');
  if (!s || w.__destekLoaded) return;
  w.__destekLoaded = 1;
  var key = s.getAttribute('data-widget-key') || '';
  var origin = new URL(s.src, location.href).origin;
  var tr = /^tr\b/i.test(d.documentElement.lang || navigator.language);
  var label = tr ? ['Sohbeti aç', 'Sohbeti kapat', 'Destek sohbeti'] : ['Open chat', 'Close chat', 'Support chat'];
  var brand = '#4338ca', open = false, btn, badge, frame, loaded;
  var mq = w.matchMedia('(max-width: 480px)');
  var ns = 'http://www.w3.org/2000/svg';

  function css(el, o) { for (var k in o) el.style[k] = o[k]; return el; }
  function icon(path) {
    var svg = d.createElementNS(ns, 'svg'), p = d.createElementNS(ns, 'path');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', '28');
    svg.setAttribute('height', '28');
    svg.setAttribute('aria-hidden', 'true');
    p.setAttribute('d', path);
    p.setAttribute('fill', 'currentColor');
    svg.appendChild(p);
    return svg;
  }
  var chat = 'M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.2 3.6A.5.5 0 0 1 5 19.2V16h-.5A.5.5 0 0 1 4 15.5z';
  var cross = 'M6.7 5.3 12 10.6l5.3-5.3 1.4 1.4-5.3 5.3 5.3 5.3-1.4 1.4-5.3-5.3-5.3 5.3-1.4-1.4 5.3-5.3-5.3-5.3z';

  function post(msg) {
    if (frame && loaded) frame.contentWindow.postMessage(msg, origin);
  }

  function layout() {
    if (!frame) return;
    var small = mq.matches;
    css(frame, small
      ? { top: '0', left: '0', right: '0', bottom: '0', width: '100%', height: '100%', maxHeight: 'none', borderRadius: '0' }
      : { top: 'auto', left: 'auto', right: '20px', bottom: '92px', width: '380px', height: '600px', maxHeight: 'calc(100vh - 112px)', borderRadius: '16px' });
    // On a phone the widget covers the screen and has its own close button.
    btn.style.display = small && open ? 'none' : 'flex';
  }

  function toggle(show) {
    open = show;
    if (show && !frame) {
      frame = css(d.createElement('iframe'), {
        position: 'fixed', border: '0', zIndex: '2147483001', background: '#f6f7fb',
        boxShadow: '0 12px 48px rgba(17,24,39,.28)', colorScheme: 'normal',
      });
      frame.id = 'destek-frame';
      frame.title = label[2];
      frame.src = origin + '/widget/?key=' + encodeURIComponent(key) + '&url=' + encodeURIComponent(location.href);
      frame.addEventListener('load', function () { loaded = 1; if (open) post({ type: 'destek:open' }); });
      d.body.appendChild(frame);
    }
    if (frame) frame.style.display = open ? 'block' : 'none';
    btn.replaceChild(icon(open ? cross : chat), btn.firstChild);
    btn.setAttribute('aria-label', open ? label[1] : label[0]);
    btn.setAttribute('aria-expanded', String(open));
    layout();
    post({ type: open ? 'destek:open' : 'destek:hide' });
    if (!open) btn.focus();
  }

  function init() {
    btn = css(d.createElement('button'), {
      position: 'fixed', right: '20px', bottom: '20px', width: '60px', height: '60px',
      borderRadius: '50%', border: '0', padding: '0', margin: '0', cursor: 'pointer',
      background: brand, color: '#fff', boxShadow: '0 6px 20px rgba(67,56,202,.4)',
      display: 'flex', alignItems: 'center', justifyContent: 'center', zIndex: '2147483000',
    });
    btn.id = 'destek-launcher';
    btn.type = 'button';
    btn.setAttribute('aria-label', label[0]);
    btn.setAttribute('aria-expanded', 'false');
    btn.appendChild(icon(chat));
    badge = css(d.createElement('span'), {
      position: 'absolute', top: '-2px', right: '-2px', minWidth: '20px', height: '20px',
      padding: '0 6px', borderRadius: '10px', background: '#dc2626', color: '#fff',
      font: '700 12px/20px system-ui,sans-serif', textAlign: 'center', boxSizing: 'border-box',
      display: 'none', boxShadow: '0 0 0 2px #fff',
    });
    badge.id = 'destek-badge';
    btn.appendChild(badge);
    btn.addEventListener('click', function () { toggle(!open); });
    d.body.appendChild(btn);
  }

  w.addEventListener('message', function (e) {
    if (!frame || e.origin !== origin || e.source !== frame.contentWindow) return;
    var m = e.data || {};
    if (m.type === 'destek:close') {
      if (open) toggle(false);
    } else if (m.type === 'destek:unread') {
      var n = Math.max(0, Math.min(99, parseInt(m.count, 10) || 0));
      badge.textContent = n;
      badge.style.display = n ? 'block' : 'none';
      btn.setAttribute('aria-label', (open ? label[1] : label[0]) + (n ? ' (' + n + ')' : ''));
    }
  });
  if (mq.addEventListener) mq.addEventListener('change', layout);

  if (d.body) init();
  else d.addEventListener('DOMContentLoaded', init);
})();
