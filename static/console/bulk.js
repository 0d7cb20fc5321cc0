/* The inbox's bulk bar and the snooze menus: which choices show, how many rows are selected,
   and the browser's time zone for them. The forms work without it (every choice shown, the
   profile's zone); this only hides what does not apply. */
(function () {
  "use strict";

  // Snooze choices ("tomorrow 09:00") are on the agent's clock: the server reads the
  // browser's zone from this cookie (console/views/access.py, TIME_ZONE_COOKIE).
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone) {
      document.cookie = "console_time_zone=" + zone + "; path=/console/; SameSite=Lax" +
        (location.protocol === "https:" ? "; Secure" : "");
    }
  } catch (e) { /* no Intl: the profile's zone applies */ }

  function checks() { return document.querySelectorAll("#inbox-list .bulk-check"); }

  // The rows' ids the agent selected: a row re-rendered live (a new message, an assignment)
  // arrives unchecked, and must not drop out of the selection.
  var selected = new Set();

  function remember() {
    checks().forEach(function (box) {
      if (box.checked) selected.add(box.value); else selected.delete(box.value);
    });
  }

  function restore() {
    checks().forEach(function (box) { if (selected.has(box.value)) box.checked = true; });
  }

  function selectedCount() {
    return document.querySelectorAll("#inbox-list .bulk-check:checked").length;
  }

  function refreshBar() {
    var bar = document.getElementById("bulk-form");
    if (!bar) return;
    var count = selectedCount(), all = checks().length;
    bar.classList.toggle("has-selection", count > 0);
    var label = document.getElementById("bulk-count");
    label.textContent = count ? label.dataset.text.replace("{n}", count) : "";
    var selectAll = document.getElementById("bulk-select-all");
    selectAll.checked = all > 0 && count === all;
    selectAll.indeterminate = count > 0 && count < all;
    refreshChoices(bar);
  }

  // Show the value choice of the chosen action, and the time field for "a time I choose".
  function refreshChoices(form) {
    var actionSelect = form.querySelector("[name=action]");
    var action = actionSelect ? actionSelect.value : "snooze";
    form.querySelectorAll("[data-for]").forEach(function (el) {
      var kind = el.dataset.for;
      var show = kind === action;
      if (kind === "snooze-at") {
        var snooze = form.querySelector("[name=snooze]");
        show = action === "snooze" && snooze && snooze.value === "at";
        el.required = show;
      }
      el.hidden = !show;
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.id === "bulk-select-all") {
      checks().forEach(function (box) { box.checked = target.checked; });
    }
    if (target.matches(".bulk-check, #bulk-select-all")) { remember(); refreshBar(); }
    var form = target.closest("#bulk-form, .snooze-form");
    if (form && target.matches("select")) refreshChoices(form);
  });

  // A snooze menu arrives with each header swap; live rows arrive over the socket.
  function afterSwap() {
    document.querySelectorAll(".snooze-form").forEach(refreshChoices);
    restore();
    refreshBar();
  }
  document.addEventListener("htmx:afterSettle", afterSwap);
  document.addEventListener("htmx:wsAfterMessage", afterSwap);
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".snooze-form").forEach(refreshChoices);
    refreshBar();
  });
})();
