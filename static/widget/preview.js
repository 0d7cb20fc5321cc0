// Destek reply preview (docs/sdk.md): loader.js adds this script once the chat's frame exists.
// While the chat is closed, an agent's new reply shows as a bubble by the launcher (who wrote,
// the first line; a click opens the chat) and the host page's title counts the unread replies
// ("(2) Shop"), restored when they are read or the chat opens.
(() => {
  const D = window.Destek, X = D._;
  let bub;

  const open = () => {
    const f = document.getElementById('destek-frame');
    return !!f && f.style.display !== 'none';
  };

  function hide() {
    bub?.remove();
    bub = null;
  }

  function firstLine(m) {
    const line = String(m.body || '').trim().split('\n')[0];
    if (line) return line.length > 90 ? line.slice(0, 89) + '…' : line;
    return m.attachments?.[0]?.name || '';
  }

  function show(m) {
    const text = firstLine(m);
    if (open() || !text) return;
    hide();
    document.getElementById('destek-bubble')?.remove(); // a proactive bubble gives way to a reply
    const C = X.C, el = (t, p) => Object.assign(document.createElement(t), p);
    bub = el('div', { id: 'destek-preview' });
    bub.style = `position:fixed;${X.side()}bottom:92px;max-width:300px;z-index:2147483000;display:flex;align-items:flex-start;background:var(--destek-bubble-bg,#fff);color:var(--destek-bubble-fg,#111827);border-radius:14px;box-shadow:0 8px 28px #0003;font:15px/1.4 system-ui,sans-serif`;
    bub.setAttribute('role', 'status');
    const say = el('button', { type: 'button', id: 'destek-preview-text' });
    say.style = 'all:unset;cursor:pointer;padding:10px 4px 12px 14px;flex:1;overflow-wrap:anywhere;display:grid;gap:2px';
    const who = el('strong', { textContent: m.sender?.name || '' });
    who.style = 'font-size:13px;color:' + (C?.color || '#4338ca');
    const line = el('span', { textContent: text });
    say.append(who, line);
    const x = el('button', { type: 'button', textContent: '×' });
    x.style = 'all:unset;cursor:pointer;padding:8px 12px;color:#6b7280;font-size:20px;line-height:1';
    x.setAttribute('aria-label', C?.labels[3] || 'Dismiss');
    say.onclick = () => (hide(), X.toggle(1));
    x.onclick = hide;
    bub.append(say, x);
    document.body.append(bub);
  }

  D.on('message', show);
  D.on('open', hide);
  D.on('unread', (n) => {
    // The page's own title without our count: a single-page app may have changed it since.
    const title = document.title.replace(/^\(\d+\) /, '');
    document.title = n ? `(${n}) ${title}` : title;
    if (!n) hide();
  });
})();
