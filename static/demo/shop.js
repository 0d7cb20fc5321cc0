// The demo shop (/demo/) as a customer's site would use the Destek SDK (docs/sdk.md): the stub
// queues calls until loader.js arrives; the cart tells Destek when it is left behind.
window.Destek = window.Destek || function () { (Destek.q = Destek.q || []).push(arguments); };
(() => {
  const KEY = 'lale-cafe-cart';
  const $ = (sel) => document.querySelector(sel);
  let cart = [];
  try { cart = JSON.parse(sessionStorage.getItem(KEY)) || []; } catch {}
  let told = false;

  function render() {
    $('.cart-count').textContent = cart.length;
    $('#cart-actions').hidden = !cart.length;
    $('#cart-total').textContent = '₺' + cart.reduce((sum, item) => sum + item.price, 0);
  }
  function save() {
    try { sessionStorage.setItem(KEY, JSON.stringify(cart)); } catch {}
    render();
  }
  // A cart left behind: the visitor heads for the address bar or leaves the tab.
  function abandoned() {
    if (!cart.length || told) return;
    told = true;
    Destek('track', 'cart_abandoned', { items: cart.length, total: cart.reduce((s, i) => s + i.price, 0) });
  }

  document.addEventListener('click', (e) => {
    const add = e.target.closest('.add');
    if (add) {
      cart.push({ name: add.dataset.name, price: +add.dataset.price });
      told = false;
      save();
    }
  });
  $('#checkout').onclick = () => { cart = []; save(); Destek('track', 'checkout'); };
  $('#later').onclick = abandoned;
  document.addEventListener('mouseout', (e) => { if (!e.relatedTarget && e.clientY <= 0) abandoned(); });
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') abandoned(); });

  // Logging in: the shop's server signed the user id (HMAC with the widget secret).
  const login = $('#login');
  login.onclick = () => {
    const d = login.dataset;
    Destek('identify', { external_id: d.externalId, hash: d.hash, name: d.name, email: d.email, attributes: { plan: 'Pro' } });
    login.hidden = true;
    $('#logout').hidden = false;
  };
  $('#logout').onclick = () => {
    Destek('reset');
    login.hidden = false;
    $('#logout').hidden = true;
  };
  render();
})();
