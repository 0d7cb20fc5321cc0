// The demo phone shows the café's replies as they come by reloading every few seconds, but
// not while the customer is writing: a reload would throw away what they typed.
const input = document.querySelector('input[name=text]');
setInterval(() => {
  if (!input.value && document.activeElement !== input) location.reload();
}, 5000);
