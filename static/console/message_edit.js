/* An agent's own messages: Edit and Delete within the window (the server checks again).
   The buttons are in every message fragment, shown here only to their author in time. */
(function () {
  "use strict";
  var body = document.body;
  var userId = body.dataset.userId;

  function csrf() {
    try { return JSON.parse(body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function url(kind, id) {
    return body.dataset.messageUrl.replace("/0/", "/" + id + "/").replace(/edit$/, kind);
  }

  function toast(text) {
    var area = document.getElementById("console-errors"), p = document.createElement("p");
    p.className = "toast";
    p.textContent = text;
    area.appendChild(p);
    setTimeout(function () { p.remove(); }, 8000);
  }

  function refresh() {
    var now = Date.now() / 1000;
    document.querySelectorAll("article.msg[data-author]").forEach(function (article) {
      var tools = article.querySelector(".msg-change");
      if (!tools) return;
      var mine = article.dataset.author === userId;
      tools.hidden = !(mine && now < parseInt(article.dataset.changeableUntil, 10));
    });
  }

  function post(article, kind, data) {
    var form = new FormData();
    Object.keys(data).forEach(function (k) { form.append(k, data[k]); });
    return fetch(url(kind, article.dataset.messageId), {
      method: "POST", body: form, credentials: "same-origin", headers: { "X-CSRFToken": csrf() }
    }).then(function (response) {
      return response.text().then(function (text) {
        if (!response.ok) { toast(text || body.dataset.textChangeFailed); return; }
        var holder = document.createElement("div");
        holder.innerHTML = text.trim();
        var fresh = holder.querySelector("article.msg");
        var current = document.getElementById(article.id);
        if (fresh && current) current.replaceWith(fresh);
        refresh();
      });
    }, function () { toast(body.dataset.textChangeFailed); });
  }

  function startEdit(article) {
    if (article.querySelector(".msg-edit-form")) return;
    var bubble = article.querySelector(".bubble");
    var form = document.createElement("form");
    form.className = "msg-edit-form";
    var area = document.createElement("textarea");
    area.name = "body";
    area.rows = 3;
    area.value = bubble ? bubble.innerText : "";
    area.setAttribute("aria-label", body.dataset.textEditLabel);
    var save = document.createElement("button");
    save.type = "submit";
    save.className = "btn btn-primary";
    save.textContent = body.dataset.textSave;
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "btn btn-ghost";
    cancel.textContent = body.dataset.textCancel;
    form.append(area, save, cancel);
    if (bubble) bubble.hidden = true;
    article.insertBefore(form, article.querySelector(".msg-meta"));
    area.focus();
    cancel.addEventListener("click", function () { form.remove(); if (bubble) bubble.hidden = false; });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      post(article, "edit", { body: area.value });
    });
    area.addEventListener("keydown", function (event) {
      if (event.key === "Escape") cancel.click();
      event.stopPropagation();  // the console's one-key shortcuts stay out of the edit box
    });
  }

  document.addEventListener("click", function (event) {
    var article = event.target.closest("article.msg");
    if (!article) return;
    if (event.target.matches(".msg-edit")) startEdit(article);
    if (event.target.matches(".msg-delete") && window.confirm(body.dataset.textDeleteConfirm)) {
      post(article, "delete", {});
    }
  });
  document.addEventListener("htmx:afterSettle", refresh);
  document.addEventListener("htmx:wsAfterMessage", refresh);
  document.addEventListener("DOMContentLoaded", refresh);
  setInterval(refresh, 30000);
})();

/* "m" outside text fields opens the conversation's macro menu (its list loads on opening). */
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "m" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) return;
    var menu = document.getElementById("macro-menu");
    if (!menu) return;
    event.preventDefault();
    menu.open = true;
    var first = menu.querySelector(".macro-run");
    if (first) first.focus();
  });
})();
