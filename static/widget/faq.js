// Destek widget: help articles inside the widget (docs/protocol.md: GET faq, faq/<id>,
// POST faq/<id>/feedback). widget.js loads this module with import() on first use, so it and
// faq.css are not part of the first open (bench/widget_size.py reports them "on demand").
// The panel lies over the chat views without touching them: the conversation, its scroll
// position and the typed draft are exactly as they were on "Back to chat".
// Only an article's body_html (sanitised on the server with nh3) goes into innerHTML.

const doc = document;
// The page's language (the host app's locale, else the browser's): texts come from the server
// (/widget/faq-texts), never from this file.
const lang = doc.documentElement.lang || navigator.language || 'en';
let L = null;
const texts = fetch('/widget/faq-texts?lang=' + encodeURIComponent(lang), { credentials: 'omit' })
  .then((r) => r.json())
  .then((t) => (L = t));
const fine = () => matchMedia('(pointer: fine)').matches;
const DEBOUNCE = 250;

const el = (tag, className = '', text = '') => {
  const e = doc.createElement(tag);
  if (className) e.className = className;
  if (text) e.textContent = text;
  return e;
};
const button = (className, text, onclick) => Object.assign(el('button', className, text), { type: 'button', onclick });
const ns = 'http://www.w3.org/2000/svg';
function icon(d, className = '') {
  const svg = doc.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  if (className) svg.setAttribute('class', className);
  const path = svg.appendChild(doc.createElementNS(ns, 'path'));
  path.setAttribute('d', d);
  path.setAttribute('class', 'stroke');
  return svg;
}
const ICON = {
  back: 'M15 5l-7 7 7 7',
  search: 'M10.5 17a6.5 6.5 0 1 0 0-13 6.5 6.5 0 0 0 0 13zM20 20l-4.8-4.8',
  next: 'M9 5l7 7-7 7',
  out: 'M14 4h6v6M20 4l-9 9M18 14v4a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h4',
  up: 'M7 11v9H4v-9zM7 11l4-8a2 2 0 0 1 2 2v4h5.3a2 2 0 0 1 2 2.3l-1.2 7A2 2 0 0 1 17.1 20H7',
  down: 'M7 13V4H4v9zM7 13l4 8a2 2 0 0 0 2-2v-4h5.3a2 2 0 0 0 2-2.3l-1.2-7A2 2 0 0 0 17.1 4H7',
  book: 'M4 5.5A1.5 1.5 0 0 1 5.5 4H10a2 2 0 0 1 2 2v14a2 2 0 0 0-2-2H4zM20 5.5A1.5 1.5 0 0 0 18.5 4H14a2 2 0 0 0-2 2v14a2 2 0 0 1 2-2h6z',
};

// The stylesheet first, so the panel never shows unstyled.
const sheet = Object.assign(doc.createElement('link'), {
  rel: 'stylesheet',
  href: new URL('faq.css', import.meta.url).href,
});
const styled = new Promise((resolve) => { sheet.onload = sheet.onerror = resolve; });
doc.head.append(sheet);

let api = null; // widget.js's fetch helper: visitor token, errors as Error(detail)
let panel, bar, backBtn, freshTag, allBtn, listPage, input, heading, results, empty, articlePage;
let art, feedback, thanks, writeBtn, yesBtn, noBtn, fullLink;
let prevFocus = null, watcher = null;
let searchSeq = 0, searchTimer = 0, shownQuery = null, articleSeq = 0, articleId = null, listTop = 0;

function build() {
  panel = el('section', 'faq');
  panel.id = 'faq-panel';
  panel.hidden = true;
  panel.setAttribute('role', 'region');
  panel.setAttribute('aria-label', L.title);

  bar = panel.appendChild(el('div', 'faq-bar'));
  backBtn = bar.appendChild(button('faq-back', '', close));
  backBtn.id = 'faq-back';
  backBtn.append(icon(ICON.back), el('span', '', L.back));
  freshTag = backBtn.appendChild(el('span', 'faq-fresh', L.fresh));
  freshTag.hidden = true;
  allBtn = bar.appendChild(button('faq-all', '', () => showList()));
  allBtn.id = 'faq-all';
  allBtn.append(icon(ICON.book), el('span', '', L.all));

  listPage = panel.appendChild(el('div', 'faq-page'));
  listPage.id = 'faq-list';
  const form = listPage.appendChild(el('form', 'faq-search'));
  form.setAttribute('role', 'search');
  form.append(icon(ICON.search));
  input = form.appendChild(el('input'));
  Object.assign(input, {
    id: 'faq-search',
    type: 'search',
    placeholder: L.search,
    autocomplete: 'off',
    enterKeyHint: 'search',
    maxLength: 200,
  });
  input.setAttribute('aria-label', L.search);
  input.setAttribute('aria-controls', 'faq-results');
  input.oninput = () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(search, DEBOUNCE);
  };
  form.onsubmit = (e) => {
    e.preventDefault();
    clearTimeout(searchTimer);
    search(true);
  };
  heading = listPage.appendChild(el('h2', 'faq-heading', L.top));
  heading.id = 'faq-heading';
  heading.tabIndex = -1;
  results = listPage.appendChild(el('ul', 'faq-results'));
  results.id = 'faq-results';
  results.setAttribute('aria-labelledby', 'faq-heading');
  empty = listPage.appendChild(el('div', 'faq-empty'));
  empty.id = 'faq-empty';
  empty.setAttribute('role', 'status');
  empty.hidden = true;

  articlePage = panel.appendChild(el('div', 'faq-page faq-article-page'));
  articlePage.id = 'faq-article';
  articlePage.hidden = true;
  art = articlePage.appendChild(el('article', 'faq-article'));
  feedback = articlePage.appendChild(el('div', 'faq-feedback'));
  feedback.id = 'faq-feedback';
  const question = feedback.appendChild(el('p', 'faq-question', L.helpful));
  question.id = 'faq-question';
  const choices = feedback.appendChild(el('div', 'faq-choices'));
  choices.setAttribute('role', 'group');
  choices.setAttribute('aria-labelledby', 'faq-question');
  yesBtn = choices.appendChild(button('faq-vote', '', () => vote(true)));
  yesBtn.id = 'faq-yes';
  yesBtn.dataset.helpful = 'yes';
  yesBtn.append(icon(ICON.up), el('span', '', L.yes));
  noBtn = choices.appendChild(button('faq-vote', '', () => vote(false)));
  noBtn.id = 'faq-no';
  noBtn.dataset.helpful = 'no';
  noBtn.append(icon(ICON.down), el('span', '', L.no));
  thanks = feedback.appendChild(el('p', 'faq-thanks'));
  thanks.id = 'faq-thanks';
  thanks.setAttribute('role', 'status');
  thanks.hidden = true;
  // Not helpful: the chat is one tap away, with the cursor in the composer.
  writeBtn = feedback.appendChild(button('btn btn-secondary faq-write', L.write, () => {
    const composer = doc.getElementById('composer-input');
    prevFocus = composer.disabled ? prevFocus : composer;
    close();
  }));
  writeBtn.id = 'faq-write';
  writeBtn.hidden = true;
  fullLink = articlePage.appendChild(el('a', 'faq-full'));
  Object.assign(fullLink, { id: 'faq-full', target: '_blank', rel: 'noopener noreferrer' });
  fullLink.append(el('span', '', L.full), icon(ICON.out));

  doc.querySelector('.main').append(panel);
  // Escape closes the panel, not the whole widget (widget.js listens on document).
  addEventListener(
    'keydown',
    (e) => {
      if (e.key !== 'Escape' || panel.hidden || e.isComposing) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      close();
    },
    true,
  );
  // The header's "back to conversations" leaves the panel too (widget.js then goes home).
  doc.getElementById('back-button').addEventListener('click', close, true);
  // While reading, tell the visitor when the chat has news for them.
  watcher = new MutationObserver((records) => {
    if (panel.hidden) return;
    for (const r of records) {
      for (const n of r.addedNodes) if (n.classList && /msg-(agent|bot)/.test(n.className)) freshTag.hidden = false;
    }
  });
  watcher.observe(doc.getElementById('messages'), { childList: true });
}

function setOpen(on) {
  panel.hidden = !on;
  doc.body.classList.toggle('faq-open', on);
  // The chat stays rendered underneath, only out of reach.
  for (const v of doc.querySelectorAll('.main > .view')) v.inert = on;
  doc.getElementById('faq-button').setAttribute('aria-expanded', on);
}

function openPanel() {
  if (!panel.hidden) return;
  const a = doc.activeElement;
  prevFocus = a && a !== doc.body ? a : null;
  freshTag.hidden = true;
  setOpen(true);
}

function close() {
  if (panel.hidden) return;
  clearTimeout(searchTimer);
  setOpen(false);
  const target = prevFocus && prevFocus.isConnected && !prevFocus.disabled ? prevFocus : doc.getElementById('faq-button');
  prevFocus = null;
  target.focus({ preventScroll: true });
}

function page(name) {
  if (!listPage.hidden && name !== 'list') listTop = listPage.scrollTop;
  listPage.hidden = name !== 'list';
  articlePage.hidden = name !== 'article';
  allBtn.hidden = name === 'list';
  if (name === 'list') listPage.scrollTop = listTop;
}

function showList() {
  openPanel();
  page('list');
  if (shownQuery === null) search();
  // A phone's keyboard only when asked for: there, focus the heading instead.
  const target = fine() ? input : heading;
  target.focus({ preventScroll: true });
}

function skeleton(host, n) {
  host.textContent = '';
  for (let i = 0; i < n; i++) host.append(el('li', 'faq-skel'));
}

async function search(force) {
  const q = input.value.trim();
  if (q === shownQuery && !force) return;
  const n = ++searchSeq;
  results.setAttribute('aria-busy', 'true');
  if (shownQuery === null) skeleton(results, 4);
  let r;
  try {
    r = await api(`faq?q=${encodeURIComponent(q)}&lang=${encodeURIComponent(lang)}`);
  } catch (e) {
    if (n !== searchSeq) return;
    results.removeAttribute('aria-busy');
    results.textContent = '';
    return problem(empty, e.message, () => search(true));
  }
  if (n !== searchSeq) return; // an older answer than the one shown
  shownQuery = q;
  results.removeAttribute('aria-busy');
  heading.textContent = q ? L.results : L.top;
  results.textContent = '';
  for (const a of r.results || []) {
    const item = button('faq-item', '', () => showArticle(a.id));
    item.dataset.articleId = a.id;
    const text = item.appendChild(el('span', 'faq-item-text'));
    text.append(el('span', 'faq-item-title', a.title));
    if (a.snippet) text.append(el('span', 'faq-item-snippet', a.snippet));
    item.append(icon(ICON.next, 'faq-chevron'));
    results.appendChild(el('li')).append(item);
  }
  heading.hidden = results.hidden = !results.children.length;
  empty.hidden = !!results.children.length;
  if (empty.hidden) return;
  empty.textContent = '';
  empty.append(el('p', 'faq-empty-title', q ? L.none.replace('{q}', q) : L.noneHint));
  if (q) empty.append(el('p', '', L.noneHint));
}

function problem(host, message, again) {
  host.hidden = false;
  host.textContent = '';
  host.append(el('p', 'faq-error', message), button('btn btn-secondary', L.retry, again));
}

async function showArticle(id) {
  openPanel();
  page('article');
  articlePage.scrollTop = 0;
  const n = ++articleSeq;
  articleId = String(id);
  art.textContent = '';
  art.setAttribute('aria-busy', 'true');
  feedback.hidden = fullLink.hidden = true;
  for (const w of ['70%', '100%', '92%', '96%', '60%']) art.appendChild(el('div', 'faq-skel')).style.width = w;
  let a;
  try {
    if (!/^\d+$/.test(articleId)) throw new Error('?');
    a = await api('faq/' + articleId);
  } catch (e) {
    if (n !== articleSeq) return;
    art.removeAttribute('aria-busy');
    art.textContent = '';
    return problem(art, e.message, () => showArticle(id));
  }
  if (n !== articleSeq) return;
  art.removeAttribute('aria-busy');
  art.textContent = '';
  const title = art.appendChild(el('h2', 'faq-title', a.title));
  title.id = 'faq-title';
  title.tabIndex = -1;
  const date = new Date(a.updated_at);
  if (!isNaN(date)) {
    const when = date.toLocaleDateString(lang, { day: 'numeric', month: 'long', year: 'numeric' });
    art.append(el('p', 'faq-meta', L.updated.replace('{date}', when)));
  }
  const body = art.appendChild(el('div', 'faq-body'));
  body.id = 'faq-body';
  body.lang = a.language || '';
  body.innerHTML = a.body_html; // sanitised on the server (faq/markdown.py): the one innerHTML
  for (const link of body.querySelectorAll('a[href]')) {
    link.target = '_blank';
    link.rel = 'noopener noreferrer nofollow';
  }
  for (const img of body.querySelectorAll('img')) img.loading = 'lazy';
  for (const table of body.querySelectorAll('table')) {
    const wrap = el('div', 'faq-table');
    table.replaceWith(wrap);
    wrap.append(table);
  }
  feedback.hidden = false;
  thanks.hidden = writeBtn.hidden = true;
  yesBtn.parentNode.hidden = false;
  yesBtn.disabled = noBtn.disabled = false;
  fullLink.hidden = !a.url;
  fullLink.href = a.url || '';
  title.focus({ preventScroll: true });
}

async function vote(helpful) {
  const id = articleId;
  yesBtn.disabled = noBtn.disabled = true;
  try {
    await api(`faq/${id}/feedback`, { helpful });
  } catch (e) {
    if (id !== articleId) return;
    yesBtn.disabled = noBtn.disabled = false;
    thanks.textContent = e.message;
    thanks.className = 'faq-thanks faq-error';
    thanks.hidden = false;
    return;
  }
  if (id !== articleId) return;
  yesBtn.parentNode.hidden = true;
  thanks.className = 'faq-thanks';
  thanks.textContent = helpful ? L.thanksYes : L.thanksNo;
  thanks.hidden = false;
  writeBtn.hidden = helpful;
}

/** widget.js: `faq(api)` toggles the panel (header button), `faq(api, id)` opens an article. */
export default async function faq(fetchApi, id) {
  api = fetchApi;
  await Promise.all([styled, texts]);
  if (!panel) build();
  if (id != null) return showArticle(id);
  if (!panel.hidden) return close();
  showList();
}
