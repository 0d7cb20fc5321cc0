/* Destek agent console: the small glue htmx does not do by itself.
   Fragments arrive over the console socket (htmx ws extension); this file keeps the message
   list ordered and unique, the inbox filtered and sorted, and sends typing/read/watch frames. */
(function () {
  "use strict";
  var body = document.body;
  var userId = body.dataset.userId;
  var conversationId = parseInt(body.dataset.conversationId || "0", 10) || null;
  var socket = null;
  var typingSentAt = 0;
  var typingStopTimer = null;
  var typingHideTimer = null;
  var lastReadSent = 0;

  function $(sel) { return document.querySelector(sel); }
  function send(frame) { if (socket) socket.send(JSON.stringify(frame)); }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function messageIds() {
    return Array.prototype.map.call(
      document.querySelectorAll("#message-list [data-message-id]"),
      function (el) { return parseInt(el.dataset.messageId, 10); });
  }
  function lastMessageId() { return Math.max.apply(null, [0].concat(messageIds())); }

  function tidyMessages() {
    var list = $("#message-list");
    if (!list) return false;
    var seen = {}, items = Array.prototype.slice.call(list.children), changed = false;
    items.forEach(function (el) {
      var id = el.dataset.messageId;
      if (seen[id]) { el.remove(); changed = true; } else { seen[id] = true; }
    });
    items = Array.prototype.slice.call(list.children);
    var sorted = items.slice().sort(function (a, b) {
      return parseInt(a.dataset.messageId, 10) - parseInt(b.dataset.messageId, 10);
    });
    if (sorted.some(function (el, i) { return el !== items[i]; })) {
      sorted.forEach(function (el) { list.appendChild(el); });
    }
    return changed;
  }

  function markSeen() {
    var mark = $("#visitor-read-mark");
    var upTo = mark ? parseInt(mark.dataset.upTo || "0", 10) : 0;
    var agentMessages = document.querySelectorAll("#message-list .msg-agent");
    var lastSeen = null;
    agentMessages.forEach(function (el) {
      var seen = parseInt(el.dataset.messageId, 10) <= upTo;
      el.classList.toggle("seen", seen);
      el.classList.remove("last-seen");
      if (seen) lastSeen = el;
    });
    if (lastSeen) lastSeen.classList.add("last-seen");
  }

  var teamIds = (body.dataset.teamIds || "").split(",").filter(Boolean);
  var RANK = { urgent: 3, high: 2, normal: 1, low: 0 };

  // The same rules as support.selectors.conversation_list_for_inbox, for rows that arrive live.
  function rowVisible(row, list) {
    var d = row.dataset, f = list.dataset;
    if (f.status === "active" ? d.status === "resolved" : d.status !== f.status) return false;
    if (f.priority && d.priority !== f.priority) return false;
    if (f.topic && d.topic !== f.topic) return false;
    if (f.view === "mine") return d.assignee === userId;
    if (f.view === "unassigned") return !d.assignee;
    if (f.view === "teams") return teamIds.indexOf(d.team) >= 0;
    return true;
  }

  function rowOrder(view) {
    var fifo = view === "unassigned";
    return function (a, b) {
      var byBreach = (b.dataset.breached ? 1 : 0) - (a.dataset.breached ? 1 : 0);
      if (byBreach) return byBreach;
      var byRank = RANK[b.dataset.priority] - RANK[a.dataset.priority];
      if (byRank) return byRank;
      if (fifo) return parseFloat(a.dataset.queued || 0) - parseFloat(b.dataset.queued || 0);
      return parseFloat(b.dataset.last || 0) - parseFloat(a.dataset.last || 0);
    };
  }

  function tidyInbox() {
    var list = $("#inbox-list");
    if (!list) return;
    var rows = Array.prototype.slice.call(list.querySelectorAll(".inbox-row"));
    var seen = {};
    rows.forEach(function (row) {
      if (seen[row.id] || !rowVisible(row, list)) { row.remove(); return; }
      seen[row.id] = true;
      row.classList.toggle("active", row.id === "conv-row-" + conversationId);
    });
    rows = Array.prototype.slice.call(list.querySelectorAll(".inbox-row"));
    rows.sort(rowOrder(list.dataset.view));
    rows.forEach(function (row) { list.appendChild(row); });
    updateSla();
    list.classList.toggle("is-empty", rows.length === 0);
    var unread = list.querySelectorAll(".inbox-row.unread:not(.active)").length;
    document.title = document.title.replace(/^\(\d+\) /, "");
    if (unread) document.title = "(" + unread + ") " + document.title;
  }

  function scrollToBottom(force) {
    var scroller = $("#message-scroller");
    if (!scroller) return;
    var nearBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 160;
    if (force || nearBottom) scroller.scrollTop = scroller.scrollHeight;
  }

  function sendRead() {
    if (!conversationId || document.visibilityState !== "visible") return;
    var last = lastMessageId();
    if (last > lastReadSent) {
      lastReadSent = last;
      send({ type: "read", conversation: conversationId, up_to: last });
    }
  }

  function duration(seconds) {
    var minutes = Math.round(seconds / 60);
    if (minutes < 60) return minutes + "m";
    var hours = Math.floor(minutes / 60);
    if (hours < 24) return hours + "h " + (minutes % 60) + "m";
    return Math.floor(hours / 24) + "d " + (hours % 24) + "h";
  }

  // Fragments rendered once for every agent cannot know who is looking: hide "Assign to me"
  // from the assignee here.
  function tidyHeader() {
    var header = $("#conversation-header"), take = $("#take-button");
    if (header && take) take.closest("form").hidden = header.dataset.assignee === userId;
  }

  // Response targets: amber from 75% of the allowed time, red once breached.
  function updateSla() {
    var now = Date.now() / 1000;
    document.querySelectorAll("[data-due-at]").forEach(function (el) {
      var due = parseFloat(el.dataset.dueAt), from = parseFloat(el.dataset.dueFrom || due);
      var state = now >= due ? "breach" : (now - from) >= 0.75 * (due - from) ? "warn" : "ok";
      el.classList.remove("sla-ok", "sla-warn", "sla-breach");
      el.classList.add("sla-" + state);
      var label = el.querySelector(".sla");
      if (label) {
        var span = duration(Math.abs(due - now));
        label.textContent = state === "breach" ? span + " late" : span + " left";
      }
    });
  }
  setInterval(updateSla, 5000);

  function afterMessage(event) {
    tidyHeader();
    var text = (event && event.detail && event.detail.message) || "";
    if (text.indexOf("conv-row-") >= 0) {
      body.dispatchEvent(new CustomEvent("inbox-changed"));
    }
    tidyMessages();
    markSeen();
    tidyInbox();
    scrollToBottom(false);
    sendRead();
    var typing = $("#typing-indicator");
    if (typing && typing.classList.contains("on")) {
      clearTimeout(typingHideTimer);
      typingHideTimer = setTimeout(function () {
        typing.classList.remove("on"); typing.textContent = "";
      }, 6000);
    }
    document.querySelectorAll("#console-errors .toast").forEach(function (toast) {
      setTimeout(function () { toast.remove(); }, 5000);
    });
  }

  function setConnection(state) {
    var dot = $("#connection");
    if (dot) dot.dataset.state = state;
    // Say so while the live connection is down: nothing new shows up until it is back.
    var banner = $("#connection-banner");
    if (banner) banner.hidden = state !== "closed";
  }

  body.addEventListener("htmx:wsOpen", function (event) {
    socket = event.detail.socketWrapper;
    setConnection("open");
    if (conversationId) {
      // Resume: the server sends every message after the newest one on the page.
      send({ type: "watch", conversation: conversationId, after: lastMessageId() });
    }
  });
  body.addEventListener("htmx:wsClose", function () { setConnection("closed"); });
  // Heartbeat: keeps this agent "online" for automatic assignment.
  // At each ping the server also sends messages whose live fragment never arrived (a
  // channel-layer outage drops them), so nothing is lost while the socket stays open.
  setInterval(function () { send({ type: "ping" }); }, 20000);

  document.addEventListener("change", function (event) {
    if (event.target.classList && event.target.classList.contains("js-autosubmit")) {
      event.target.form.submit();
    }
  });
  // Keep the inbox's view and filters when opening a conversation.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".row-link");
    var list = $("#inbox-list");
    if (link && list && list.dataset.query && link.href.indexOf("?") < 0) {
      link.href += "?" + list.dataset.query;
    }
  });
  body.addEventListener("htmx:wsError", function () { setConnection("closed"); });
  body.addEventListener("htmx:wsAfterMessage", afterMessage);

  // The ws extension only reconnects after abnormal closes; a server restart closes cleanly
  // (1001/1000), so reload the page then, which also resynchronises the inbox.
  body.addEventListener("htmx:wsClose", function (event) {
    var code = event.detail && event.detail.event && event.detail.event.code;
    if (code === 1000 || code === 1001) setTimeout(function () { location.reload(); }, 2000);
  });

  document.addEventListener("visibilitychange", sendRead);

  var composer = $("#composer");
  if (composer) {
    var input = $("#composer-body");
    var error = $("#composer-error");
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        if (input.value.trim() || files.ready()) composer.requestSubmit();
      }
    });
    input.addEventListener("input", function () {
      var now = Date.now();
      if (conversationId && now - typingSentAt > 2500) {
        typingSentAt = now;
        send({ type: "typing", conversation: conversationId, state: true });
      }
      clearTimeout(typingStopTimer);
      typingStopTimer = setTimeout(stopTyping, 3000);
    });
    var files = composerFiles(composer, input, error);
    composer.addEventListener("htmx:configRequest", function (event) {
      // One id per send, so a retried request never makes a second message.
      var clientId = $("#composer-client-id");
      if (!clientId.value) clientId.value = uuid();
      event.detail.parameters.client_id = clientId.value;
    });
    composer.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.successful) {
        files.sent();
        input.value = "";
        $("#composer-client-id").value = "";
        error.textContent = "";
        stopTyping();
        input.focus();
      } else {
        var xhr = event.detail.xhr;
        error.textContent = (xhr && xhr.status && xhr.responseText.trim()) ||
          "Could not send — check your connection and try again.";
      }
    });
    input.focus();
  }

  // Attachments: the attach button, pasted screenshots and dropped files upload at once (with a
  // progress bar) to the conversation; the reply then carries their ids as `attachments`.
  function composerFiles(form, input, error) {
    var tray = $("#composer-files");
    var picker = $("#composer-file-input");
    var items = [];
    if (!tray || !picker) return { ready: function () { return false; }, sent: function () {} };
    var T = tray.dataset;
    var maxBytes = parseInt(T.maxBytes, 10), maxFiles = parseInt(T.maxFiles, 10);
    function say(text, vars) {
      return String(text).replace(/\{(\w+)\}/g, function (_, k) { return vars && k in vars ? vars[k] : ""; });
    }
    function size(n) {
      return n < 1024 ? n + " B" : n < 1048576 ? (n / 1024).toFixed(n < 10240 ? 1 : 0) + " KB" : (n / 1048576).toFixed(1) + " MB";
    }
    function node(tag, cls, text) {
      var e = document.createElement(tag);
      if (cls) e.className = cls;
      if (text != null) e.textContent = text;
      return e;
    }
    function sync() {
      tray.hidden = !items.length;
      var ready = items.some(function (i) { return i.attachment; });
      // A reply may be files only.
      input.required = !ready;
    }
    function drop(item) {
      if (item.xhr) item.xhr.abort();
      items.splice(items.indexOf(item), 1);
      item.chip.remove();
      sync();
    }
    function fail(item, reason) {
      error.textContent = say(T.textFailed, { name: item.file.name, reason: reason });
      drop(item);
    }
    function reason(status, xhr) {
      try {
        var data = JSON.parse(xhr.responseText);
        if (data.error && data.error.detail) return data.error.detail;
      } catch (e) { /* not JSON: a proxy's page */ }
      return status === 413 ? T.textBig : status === 415 ? T.textType : status === 429 ? T.textMany : T.textNetwork;
    }
    function upload(item) {
      var xhr = item.xhr = new XMLHttpRequest();
      var body = new FormData();
      body.append("file", item.file, item.file.name || "file");
      xhr.open("POST", T.uploadUrl);
      xhr.setRequestHeader("X-CSRFToken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      xhr.upload.onprogress = function (event) {
        if (event.lengthComputable) item.bar.value = Math.round(event.loaded / event.total * 100);
      };
      xhr.onload = function () {
        item.xhr = null;
        if (xhr.status !== 201) return fail(item, reason(xhr.status, xhr));
        var data = JSON.parse(xhr.responseText);
        item.attachment = data;
        item.chip.classList.add("ready");
        item.bar.remove();
        var hidden = node("input");
        hidden.type = "hidden";
        hidden.name = "attachments";
        hidden.value = data.id;
        item.chip.append(hidden);
        if (data.thumbnail_url) {
          var img = node("img", "file-chip-thumb");
          img.src = data.thumbnail_url;
          img.alt = "";
          item.icon.replaceWith(img);
        }
        sync();
      };
      xhr.onerror = function () { item.xhr = null; fail(item, T.textNetwork); };
      xhr.send(body);
    }
    function add(list) {
      var chosen = Array.prototype.slice.call(list || []);
      if (!chosen.length) return;
      error.textContent = "";
      if (items.length + chosen.length > maxFiles) {
        error.textContent = say(T.textMax, { n: maxFiles });
        return;
      }
      chosen.forEach(function (file) {
        var chip = node("div", "file-chip");
        var icon = node("span", "file-chip-icon", ((/\.(\w+)$/.exec(file.name) || [])[1] || "").toUpperCase().slice(0, 4));
        var text = node("span", "file-chip-text");
        text.append(node("span", "file-chip-name", file.name), node("span", "file-chip-meta", size(file.size)));
        var bar = node("progress", "file-chip-progress");
        bar.max = 100;
        bar.value = 0;
        bar.setAttribute("aria-label", say(T.textUploading, { name: file.name }));
        text.append(bar);
        var remove = node("button", "file-chip-remove", "×");
        remove.type = "button";
        remove.setAttribute("aria-label", say(T.textRemove, { name: file.name }));
        chip.append(icon, text, remove);
        var item = { file: file, chip: chip, bar: bar, icon: icon };
        remove.addEventListener("click", function () { drop(item); });
        items.push(item);
        tray.append(chip);
        sync();
        if (file.size > maxBytes) return fail(item, T.textBig);
        upload(item);
      });
      picker.value = "";
      input.focus();
    }
    picker.addEventListener("change", function () { add(picker.files); });
    input.addEventListener("paste", function (event) {
      var list = event.clipboardData && event.clipboardData.files;
      if (list && list.length) { event.preventDefault(); add(list); }
    });
    // Drop anywhere on the page: a file dropped beside the composer must not open in the tab.
    document.addEventListener("dragover", function (event) {
      event.preventDefault();
      form.classList.add("dragging");
    });
    document.addEventListener("dragleave", function (event) {
      if (!event.relatedTarget) form.classList.remove("dragging");
    });
    document.addEventListener("drop", function (event) {
      event.preventDefault();
      form.classList.remove("dragging");
      add(event.dataTransfer && event.dataTransfer.files);
    });
    // Still uploading: the reply waits, so no file is left behind.
    form.addEventListener("htmx:confirm", function (event) {
      if (items.some(function (i) { return i.xhr; })) {
        event.preventDefault();
        error.textContent = T.textWait;
      }
    });
    return {
      ready: function () { return items.some(function (i) { return i.attachment; }); },
      sent: function () {
        items.slice().forEach(function (i) { if (i.attachment) drop(i); });
      },
    };
  }

  function stopTyping() {
    clearTimeout(typingStopTimer);
    if (typingSentAt && conversationId) {
      typingSentAt = 0;
      send({ type: "typing", conversation: conversationId, state: false });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    markSeen();
    tidyInbox();
    tidyHeader();
    scrollToBottom(true);
  });
  body.addEventListener("htmx:afterSwap", tidyHeader);

  // "Load earlier messages": pages arrive above the list; keep the reader where they were.
  var earlierFrom = null;
  body.addEventListener("htmx:beforeSwap", function (event) {
    var scroller = $("#message-scroller");
    if (scroller && event.detail.target && event.detail.target.id === "message-list") {
      earlierFrom = scroller.scrollHeight - scroller.scrollTop;
    }
  });
  body.addEventListener("htmx:afterSettle", function (event) {
    if (earlierFrom === null || !event.detail.target || event.detail.target.id !== "message-list") return;
    tidyMessages();
    markSeen();
    var scroller = $("#message-scroller");
    scroller.scrollTop = scroller.scrollHeight - earlierFrom;
    earlierFrom = null;
  });
  if (document.readyState !== "loading") { markSeen(); tidyInbox(); scrollToBottom(true); }
})();
