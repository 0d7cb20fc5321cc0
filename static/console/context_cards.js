// Context cards (templates/console/_context_cards.html): "Insert #1042" puts the order's
// reference into the reply box at the caret, with a space on either side where needed.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".order-insert");
    var input = document.getElementById("composer-body");
    if (!button || !input) return;
    var text = button.getAttribute("data-insert") || "";
    // A textarea keeps its selection when it loses focus to the button: the caret the agent left.
    var start = input.selectionStart, end = input.selectionEnd;
    var before = input.value.slice(0, start), after = input.value.slice(end);
    if (before && !/\s$/.test(before)) text = " " + text;
    if (!/^\s/.test(after)) text += " ";
    input.setRangeText(text, start, end, "end");
    // The composer's own listeners (height, canned-reply menu, draft) see a normal edit.
    input.dispatchEvent(new Event("input", { bubbles: true }));
    // On a phone the panel covers the thread: close it, so the reply box is in view.
    if (document.body.classList.contains("show-contact")) {
      var close = document.getElementById("contact-close");
      if (close) close.click();
    }
    input.focus();
  });
})();
