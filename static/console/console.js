/* Destek agent console: the small glue htmx does not do by itself.
   Fragments arrive over the console socket (htmx ws extension); this file keeps the message
   list ordered and unique, the inbox sorted, and sends inbox/typing/read/watch frames. */
(function () {
  "use strict";
  var body = document.body;
  var conversationId = parseInt(body.dataset.conversationId || "0", 10) || null;
  var socket = null;
  var socketOpen = false;
  // A reply sent over the socket and not yet answered: {clientId, timer}.
  var pendingReply = null;
  var REPLY_SOCKET_WAIT_MS = 5000;
  // Set by the composer, on pages that have one.
  var replyFallBack = function () {};
  var replyAnswered = function () {};
  var reconcileReply = function () {};
  // Read marks: one per burst of arriving messages, the newest id, after a short pause and at
  // most one a second however busy the page is (inbox rows keep arriving); at once when the
  // tab comes back.
  var READ_PAUSE_MS = 500;
  var READ_EVERY_MS = 1000;
  var readTimer = null;
  var readSentAt = 0;
  // Typing: "on" when it starts, then at most every few seconds (the visitor's indicator
  // fades after 6 s without one), "off" once.
  var TYPING_REPEAT_MS = 4000;
  var typingSentAt = 0;
  var typingStopTimer = null;
  var typingHideTimer = null;
  var lastReadSent = 0;

  function $(sel) { return document.querySelector(sel); }

  // Live fragments go to every console page of an agent (the inbox groups also carry the
  // notifications every page plays), and a row to consoles that may not list it: a fragment
  // whose target this page lacks (no inbox list on search or reports, no open conversation)
  // is skipped here, where htmx would log oobErrorNoTarget for it. Socket frames only.
  htmx.defineExtension("present-targets", {
    transformResponse: function (text, xhr) {
      if (xhr || text.indexOf("hx-swap-oob") < 0) return text;
      var template = document.createElement("template");
      template.innerHTML = text;
      var skipped = false;
      Array.prototype.slice.call(template.content.children).forEach(function (el) {
        var swap = el.getAttribute("hx-swap-oob");
        if (swap === null) return;
        var colon = swap.indexOf(":");
        var selector = colon >= 0 ? swap.slice(colon + 1) : "#" + el.id;
        if (!document.querySelector(selector)) { el.remove(); skipped = true; }
      });
      return skipped ? template.innerHTML : text;
    }
  });
  function send(frame) { if (socket) socket.send(JSON.stringify(frame)); }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function idsOf(selector, key) {
    return Array.prototype.map.call(document.querySelectorAll(selector),
      function (el) { return parseInt(el.dataset[key], 10); });
  }
  function lastMessageId() {
    return Math.max.apply(null, [0].concat(idsOf("#message-list [data-message-id]", "messageId")));
  }
  function lastNoteId() {
    return Math.max.apply(null, [0].concat(idsOf("#message-list [data-note-id]", "noteId")));
  }

  // Messages and internal notes share the list: in the order written, messages by id.
  function timelineOrder(a, b) {
    var byTime = parseFloat(a.dataset.at || 0) - parseFloat(b.dataset.at || 0);
    if (a.dataset.messageId && b.dataset.messageId) {
      return parseInt(a.dataset.messageId, 10) - parseInt(b.dataset.messageId, 10);
    }
    return byTime || (a.dataset.noteId ? 1 : 0) - (b.dataset.noteId ? 1 : 0);
  }

  function tidyMessages() {
    var list = $("#message-list");
    if (!list) return false;
    var seen = {}, items = Array.prototype.slice.call(list.children), changed = false;
    items.forEach(function (el) {
      if (seen[el.id]) { el.remove(); changed = true; } else { seen[el.id] = true; }
    });
    items = Array.prototype.slice.call(list.children);
    var sorted = items.slice().sort(timelineOrder);
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

  var RANK = { urgent: 3, high: 2, normal: 1, low: 0 };

  // The inbox this page shows, for the server: it sends the socket only the rows that inbox
  // lists, and withdraws the ones it no longer may (console.realtime.inbox_row_matches).
  function sendInbox() {
    var list = $("#inbox-list");
    if (!list) return;
    var f = list.dataset;
    send({ type: "inbox", view: f.view, status: f.status, priority: f.priority,
           topic: f.topic, label: f.label, channel: f.channel });
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
    // A changed row arrives at the top (oob_inbox_row.html): the first of an id is the newest.
    rows.forEach(function (row) {
      var older = seen[row.id];
      seen[row.id] = true;
      if (older) { row.remove(); return; }
      row.classList.toggle("active", row.id === "conv-row-" + conversationId);
    });
    rows = Array.prototype.slice.call(list.querySelectorAll(".inbox-row"));
    rows.sort(rowOrder(list.dataset.view));
    rows.forEach(function (row) { list.appendChild(row); });
    updateSla();
    // A list still loading (the conversation page's, aria-busy) is not an empty one.
    list.classList.toggle("is-empty", rows.length === 0 && list.getAttribute("aria-busy") !== "true");
    var unread = list.querySelectorAll(".inbox-row.unread:not(.active)").length;
    document.title = document.title.replace(/^\(\d+\) /, "");
    if (unread) document.title = "(" + unread + ") " + document.title;
  }

  // Following the thread: an agent at the bottom stays there, also when the list grows after
  // a message arrived (an image loading, a file chip); reading further up, the thread does not
  // move under them and a "New messages" pill says something arrived below.
  var follow = { atBottom: true, lastId: 0 };

  function scrollToBottom(force) {
    var scroller = $("#message-scroller");
    if (!scroller) return;
    if (force || follow.atBottom) {
      scroller.scrollTop = scroller.scrollHeight;
      follow.atBottom = true;
    } else if (lastMessageId() > follow.lastId) {
      $("#new-messages").hidden = false;
    }
    follow.lastId = lastMessageId();
  }

  function followThread() {
    var scroller = $("#message-scroller"), list = $("#message-list"), pill = $("#new-messages");
    if (!scroller || !list || !pill) return;
    follow.lastId = lastMessageId();
    scroller.addEventListener("scroll", function () {
      follow.atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
      if (follow.atBottom) pill.hidden = true;
    }, { passive: true });
    if (window.ResizeObserver) {
      var stay = new ResizeObserver(function () {
        if (follow.atBottom) scroller.scrollTop = scroller.scrollHeight;
      });
      stay.observe(list);
      stay.observe(scroller);
    }
    pill.addEventListener("click", function () {
      pill.hidden = true;
      scrollToBottom(true);
    });
    // The agent's own reply or note brings them to the end of the thread.
    if (composer) composer.addEventListener("htmx:confirm", function () { follow.atBottom = true; });
  }

  function sendRead(atOnce) {
    if (readTimer && atOnce !== true) return;
    clearTimeout(readTimer);
    var wait = atOnce === true ? 0
      : Math.max(READ_PAUSE_MS, readSentAt + READ_EVERY_MS - Date.now());
    readTimer = setTimeout(function () {
      readTimer = null;
      if (!conversationId || document.visibilityState !== "visible") return;
      // Only the visitor's messages are unread for the agent: the agent's own replies moved
      // the mark with them (support.services.conversation_record_message).
      var last = lastMessageId();
      if (lastVisitorMessageId() > lastReadSent) {
        lastReadSent = last;
        readSentAt = Date.now();
        send({ type: "read", conversation: conversationId, up_to: last });
        // The server does not send this socket its own mark back (console.inbox_read).
        rowRead(conversationId);
      }
    }, wait);
  }
  function lastVisitorMessageId() {
    return Math.max.apply(null, [0].concat(
      idsOf("#message-list .msg-visitor[data-message-id]", "messageId")));
  }

  // "12 min", "1 h 5 min", "2 d 3 h": the units come from the page (base.html data-text-*).
  function duration(seconds) {
    var T = body.dataset, minutes = Math.round(seconds / 60);
    if (minutes < 60) return T.textMinutes.replace("{m}", minutes);
    var hours = Math.floor(minutes / 60);
    if (hours < 24) return T.textHours.replace("{h}", hours).replace("{m}", minutes % 60);
    return T.textDays.replace("{d}", Math.floor(hours / 24)).replace("{h}", hours % 24);
  }

  // ("Assign to me" is hidden from the assignee by base.html's style rule, live headers too.)
  function tidyHeader() {
    var header = $("#conversation-header");
    // The contact panel lists this conversation too: its status follows the header's, which
    // every change (this agent's or a colleague's, live) replaces.
    var status = $("#conversation-status"), listed = $("#contact-conversations .current .pill");
    if (header && status && listed) {
      listed.className = "pill status-" + header.dataset.status;
      listed.textContent = status.textContent;
    }
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
        label.textContent = (state === "breach" ? body.dataset.textLate : body.dataset.textLeft)
          .replace("{time}", span);
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
    reconcileReply();
    markSeen();
    applyReadMarks();
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
    processNotifications();
  }

  // An agent read a conversation in another console (console.realtime.read_marked): its row
  // loses the unread mark, with no row sent again.
  function applyReadMarks() {
    document.querySelectorAll("#notify-queue .read-mark").forEach(function (el) {
      el.remove();
      rowRead(el.dataset.conversation);
    });
    // The open conversation's row, sent with a change committed before this page's read
    // mark, may still count messages this page has read: they are read.
    if (conversationId && lastReadSent && lastVisitorMessageId() <= lastReadSent) {
      rowRead(conversationId);
    }
  }
  function rowRead(conversation) {
    var row = document.getElementById("conv-row-" + conversation);
    if (!row) return;
    row.classList.remove("unread");
    var badge = row.querySelector(".badge");
    if (badge) badge.remove();
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
    socketOpen = true;
    setConnection("open");
    // A new socket: the read mark is sent again (one the last socket took with it when it
    // closed would otherwise be lost, and the row shown read by rowRead).
    lastReadSent = 0;
    sendInbox();
    if (conversationId) {
      // Resume: the server sends every message after the newest one on the page.
      // The header's state: the server sends it again only if a change came in between.
      var header = $("#conversation-header");
      send({ type: "watch", conversation: conversationId, after: lastMessageId(),
             notes_after: lastNoteId(), header_state: header ? header.dataset.state : null });
    }
  });
  body.addEventListener("htmx:wsClose", function () {
    socketOpen = false;
    setConnection("closed");
    replyFallBack();
  });
  // JSON frames answer a frame this page sent (a reply); everything else is HTML for htmx.
  body.addEventListener("htmx:wsBeforeMessage", function (event) {
    var text = event.detail.message;
    if (typeof text !== "string" || text.charAt(0) !== "{") return;
    event.preventDefault();
    var frame;
    try { frame = JSON.parse(text); } catch (e) { return; }
    replyAnswered(frame);
  });
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
  body.addEventListener("htmx:wsError", function () {
    socketOpen = false;
    setConnection("closed");
    replyFallBack();
  });
  body.addEventListener("htmx:wsAfterMessage", afterMessage);

  // The ws extension only reconnects after abnormal closes; a server restart closes cleanly
  // (1001/1000), so reload the page then, which also resynchronises the inbox.
  body.addEventListener("htmx:wsClose", function (event) {
    var code = event.detail && event.detail.event && event.detail.event.code;
    if (code === 1000 || code === 1001) setTimeout(function () { location.reload(); }, 2000);
  });

  document.addEventListener("visibilitychange", function () { sendRead(true); });

  var composer = $("#composer");
  var input = $("#composer-body");
  if (composer) {
    var error = $("#composer-error");
    input.addEventListener("keydown", function (event) {
      if (canned.open && handleCannedKey(event)) return;
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        if (input.value.trim() || files.ready()) composer.requestSubmit();
      }
    });
    input.addEventListener("input", updateCanned);
    input.addEventListener("click", updateCanned);
    input.addEventListener("blur", function () { setTimeout(closeCanned, 150); });
    composer.querySelectorAll(".mode-btn").forEach(function (button) {
      button.addEventListener("click", function () { setMode(button.dataset.mode); input.focus(); });
    });
    showPlaceholder();
    if (window.ResizeObserver) new ResizeObserver(showPlaceholder).observe(input);
    input.addEventListener("input", function () {
      if (composer.dataset.mode === "note") return;  // the visitor never sees notes being typed
      var now = Date.now();
      if (conversationId && now - typingSentAt > TYPING_REPEAT_MS) {
        typingSentAt = now;
        send({ type: "typing", conversation: conversationId, state: true });
      }
      clearTimeout(typingStopTimer);
      typingStopTimer = setTimeout(stopTyping, 3000);
    });
    var files = composerFiles(composer, input, error);
    composer.addEventListener("htmx:configRequest", function (event) {
      var forceHttp = composer.dataset.transport === "http";
      delete composer.dataset.transport;
      if (pendingReply) {
        // The previous reply is still on its way; its text stays until it is answered.
        event.preventDefault();
        return;
      }
      var clientId = $("#composer-client-id");
      composer.dataset.sentMode = forceHttp ? "reply" : composer.dataset.mode;
      // A client id names one message: the same text sent again (after a failure) keeps it,
      // so the server answers with what it stored and never stores it twice; another text
      // or other files get a new one (the server refuses a known id with another body).
      var what = JSON.stringify([composer.dataset.sentMode, input.value,
                                 new FormData(composer).getAll("attachments")]);
      if (!clientId.value || clientId.dataset.what !== what) {
        clientId.value = uuid();
        clientId.dataset.what = what;
      }
      event.detail.parameters.client_id = clientId.value;
      if (composer.dataset.mode === "note" && !forceHttp) {
        // Notes carry no files: attached ones stay in the tray for the reply.
        event.detail.path = composer.dataset.noteUrl;
        delete event.detail.parameters.attachments;
      } else if (socketOpen && !forceHttp) {
        // Replies go over the open console socket (no HTTP request per reply); the POST is
        // the fallback, with the same client_id, so a reply is never stored twice.
        event.preventDefault();
        replyOverSocket(clientId.value);
      }
    });
    function replyOverSocket(clientId) {
      var form = new FormData(composer);
      pendingReply = {
        clientId: clientId,
        frame: { type: "message.send", conversation: conversationId, client_id: clientId,
                 body: input.value, attachments: form.getAll("attachments") },
        timer: setTimeout(replyFallBack, REPLY_SOCKET_WAIT_MS),
      };
      // Until answered, the text is what was sent: a fallback sends exactly it again.
      input.readOnly = true;
      composer.setAttribute("aria-busy", "true");
      send(pendingReply.frame);
    }
    // The socket closed, or said nothing in time: send the same reply over HTTP.
    replyFallBack = function () {
      if (!pendingReply) return;
      clearTimeout(pendingReply.timer);
      pendingReply = null;
      input.readOnly = false;
      composer.removeAttribute("aria-busy");
      composer.dataset.transport = "http";
      composer.requestSubmit();
    };
    replyAnswered = function (frame) {
      if (!pendingReply || frame.client_id !== pendingReply.clientId) return;
      if (frame.type === "error" && frame.code === "rate_limited") { replyFallBack(); return; }
      if (frame.type === "error" && frame.code === "overloaded") {
        // The server is busy (docs/protocol.md, "Overload"): the same frame again after the
        // wait it asks for, not the POST, which would only add to the load.
        var reply = pendingReply;
        clearTimeout(reply.timer);
        error.textContent = frame.detail || "";
        reply.timer = setTimeout(function () {
          if (pendingReply !== reply) return;
          reply.timer = setTimeout(replyFallBack, REPLY_SOCKET_WAIT_MS);
          send(reply.frame);
        }, frame.retry_after || 1000);
        return;
      }
      clearTimeout(pendingReply.timer);
      pendingReply = null;
      input.readOnly = false;
      composer.removeAttribute("aria-busy");
      if (frame.type === "message.sent") replySent();
      else if (frame.type === "error") error.textContent = frame.detail || body.dataset.textSendFailed;
    };
    function replySent() {
      if (composer.dataset.sentMode !== "note") files.sent();
      input.value = "";
      $("#composer-client-id").value = "";
      error.textContent = "";
      stopTyping();
      input.focus();
    }
    // The reply's message on the page, with its client id, is its answer: the socket that
    // watches the conversation gets the fragment and no `message.sent`. A reply whose answer
    // was lost (socket and request cut) may have been stored all the same: once its message
    // is on the page (live, or resumed after reconnecting) the composer lets go of it too:
    // its text if still unchanged, the error, the id.
    reconcileReply = function () {
      var clientId = $("#composer-client-id");
      if (!clientId.value || !document.querySelector(
        '#message-list [data-client-id="' + CSS.escape(clientId.value) + '"]')) return;
      if (pendingReply && pendingReply.clientId === clientId.value) {
        replyAnswered({ type: "message.sent", client_id: clientId.value });
      } else if (JSON.parse(clientId.dataset.what || "[]")[1] === input.value) {
        replySent();
      } else {
        clientId.value = "";
        error.textContent = "";
      }
    };
    composer.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.successful) {
        replySent();
      } else {
        var xhr = event.detail.xhr;
        error.textContent = (xhr && xhr.status && xhr.responseText.trim()) ||
          body.dataset.textSendFailed;
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
      clearTimeout(item.retry);
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
        // 503 busy: the server decodes a few images at a time; try again when it says to.
        if (xhr.status === 503 && (item.retries = (item.retries || 0) + 1) <= 3) {
          var wait = Number(xhr.getResponseHeader("Retry-After")) || 5;
          item.retry = setTimeout(function () { upload(item); }, wait * 1000);
          return;
        }
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

  // Reply or internal note. A note mode stays on after sending: a note typed as a reply
  // would reach the visitor, a reply typed as a note only needs sending again.
  function setMode(mode) {
    if (!composer) return;
    composer.dataset.mode = mode;
    composer.querySelectorAll(".mode-btn").forEach(function (button) {
      var on = button.dataset.mode === mode;
      button.classList.toggle("active", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
    showPlaceholder();
    if (mode === "note") { stopTyping(); closeCanned(); }
  }

  // The mode's placeholder, its short form when the long one would not fit the box's lines
  // (a phone's composer cut "Type a reply… (Enter to send, …" off mid-sentence).
  var measure = null;
  function showPlaceholder() {
    measure = measure || document.createElement("canvas").getContext("2d");
    var data = composer.dataset, note = data.mode === "note";
    var text = note ? data.placeholderNote : data.placeholderReply;
    var style = getComputedStyle(input);
    var lineWidth = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    measure.font = style.font;
    // Wrapping at word ends leaves part of each line empty: count on 80% of the lines.
    if (measure.measureText(text).width > 0.8 * lineWidth * input.rows) {
      text = (note ? data.placeholderNoteShort : data.placeholderReplyShort) || text;
    }
    if (input.placeholder !== text) input.placeholder = text;
  }

  // Canned replies: "/" in the reply box opens a filtered list; the chosen reply comes back
  // from the server filled in for this conversation ({contact.name}, …).
  var cannedData = [];
  try { cannedData = JSON.parse(($("#canned-replies") || {}).textContent || "[]"); } catch (e) { /* none */ }
  var canned = { open: false, items: [], active: 0 };
  var cannedMenu = $("#canned-menu");

  function cannedToken() {
    var caret = input.selectionStart, before = input.value.slice(0, caret);
    var match = /(^|\s)\/([\w-]*)$/.exec(before);
    if (!match) return null;
    return { start: caret - match[2].length - 1, end: caret, query: match[2].toLowerCase() };
  }

  function closeCanned() {
    canned.open = false;
    if (cannedMenu) { cannedMenu.hidden = true; cannedMenu.textContent = ""; }
    if (input) input.removeAttribute("aria-activedescendant");
  }

  function renderCanned() {
    cannedMenu.textContent = "";
    if (!canned.items.length) {
      var empty = document.createElement("li");
      empty.className = "canned-empty";
      empty.textContent = body.dataset.textNoCanned;
      cannedMenu.appendChild(empty);
    }
    canned.items.forEach(function (item, index) {
      var li = document.createElement("li");
      li.id = "canned-option-" + item.id;
      li.className = "canned-option" + (index === canned.active ? " active" : "");
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", index === canned.active ? "true" : "false");
      li.dataset.cannedId = item.id;
      var code = document.createElement("code");
      code.textContent = "/" + item.shortcut;
      var title = document.createElement("strong");
      title.textContent = item.title;
      var preview = document.createElement("span");
      preview.className = "canned-preview";
      preview.textContent = item.preview;
      li.appendChild(code); li.appendChild(title); li.appendChild(preview);
      li.addEventListener("mousedown", function (event) {
        event.preventDefault();
        chooseCanned(item);
      });
      cannedMenu.appendChild(li);
    });
    var active = canned.items[canned.active];
    if (active) {
      input.setAttribute("aria-activedescendant", "canned-option-" + active.id);
      var el = document.getElementById("canned-option-" + active.id);
      if (el && el.scrollIntoView) el.scrollIntoView({ block: "nearest" });
    }
    cannedMenu.hidden = false;
    canned.open = true;
  }

  function updateCanned() {
    if (!cannedMenu || composer.dataset.mode === "note") { closeCanned(); return; }
    var token = cannedToken();
    if (!token) { closeCanned(); return; }
    var q = token.query;
    var items = cannedData.filter(function (item) {
      return !q || item.shortcut.indexOf(q) >= 0 || item.title.toLowerCase().indexOf(q) >= 0;
    });
    items.sort(function (a, b) {
      return (b.shortcut.indexOf(q) === 0 ? 1 : 0) - (a.shortcut.indexOf(q) === 0 ? 1 : 0);
    });
    canned.items = items;
    canned.active = 0;
    renderCanned();
  }

  function handleCannedKey(event) {
    var count = canned.items.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (count) {
        canned.active = (canned.active + (event.key === "ArrowDown" ? 1 : count - 1)) % count;
        renderCanned();
      }
      return true;
    }
    if (event.key === "Enter" || event.key === "Tab") {
      if (!count) { closeCanned(); return false; }
      event.preventDefault();
      chooseCanned(canned.items[canned.active]);
      return true;
    }
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      closeCanned();
      return true;
    }
    return false;
  }

  function chooseCanned(item) {
    var url = composer.dataset.cannedUrl.replace(/0$/, String(item.id));
    closeCanned();
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        var token = cannedToken() ||
          { start: input.selectionStart, end: input.selectionStart };
        var value = input.value;
        input.value = value.slice(0, token.start) + data.text + value.slice(token.end);
        var caret = token.start + data.text.length;
        input.focus();
        input.setSelectionRange(caret, caret);
      })
      .catch(function () { $("#composer-error").textContent = body.dataset.textCannedFailed; });
  }

  // A reply that is only "/word" was meant as a canned reply, never as text for the visitor:
  // with an exact shortcut it becomes that reply, otherwise nothing is sent and the composer
  // says no canned reply matches. Runs before htmx sends (Enter and the Send button alike).
  function guardCannedCommand(event) {
    if (composer.dataset.mode === "note") return;
    var match = /^\/([\w-]+)$/.exec(input.value.trim());
    if (!match) return;
    event.preventDefault();
    var shortcut = match[1].toLowerCase();
    var exact = cannedData.filter(function (item) { return item.shortcut.toLowerCase() === shortcut; })[0];
    input.value = input.value.trim();
    input.setSelectionRange(input.value.length, input.value.length);
    if (exact) { chooseCanned(exact); return; }
    closeCanned();
    $("#composer-error").textContent = body.dataset.textNoCanned;
  }
  if (composer) {
    composer.addEventListener("htmx:confirm", guardCannedCommand);
    input.addEventListener("input", function () {
      var error = $("#composer-error");
      if (error.textContent === body.dataset.textNoCanned) error.textContent = "";
    });
  }

  // The label picker goes back to its prompt after each use.
  body.addEventListener("htmx:afterRequest", function (event) {
    var select = $("#label-select");
    if (select && event.target && event.target.id === "label-form") select.selectedIndex = 0;
  });

  // Notifications: a sound and a desktop notification for a new visitor message in a
  // conversation that concerns this agent (theirs, or unassigned in their teams) and for
  // mentions. The server sends every console the facts; each decides for its agent.
  var notified = {};
  var audio = null;

  function soundEnabled() { return localStorage.getItem("destek.sound") !== "off"; }

  // Browsers start audio only after a user gesture: make the context on the first one.
  function unlockAudio() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) audio = new Context();
    if (audio && audio.state === "suspended") audio.resume();
  }
  document.addEventListener("pointerdown", unlockAudio, true);
  document.addEventListener("keydown", unlockAudio, true);

  function playSound() {
    body.dataset.soundCount = String(parseInt(body.dataset.soundCount || "0", 10) + 1);
    if (!audio) return;  // no gesture yet: the browser would refuse to play
    var now = audio.currentTime;
    [[880, 0], [1320, 0.12]].forEach(function (tone) {
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = tone[0];
      gain.gain.setValueAtTime(0.0001, now + tone[1]);
      gain.gain.exponentialRampToValueAtTime(0.25, now + tone[1] + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + tone[1] + 0.3);
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(now + tone[1]); osc.stop(now + tone[1] + 0.32);
    });
  }

  function format(template, name) { return (template || "").replace("%(name)s", name); }

  function desktopNotify(data) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    var title = format(data.kind === "mention" ? body.dataset.textMentioned
                                               : body.dataset.textNewMessage, data.name);
    var note = new Notification(title, { body: data.text, tag: data.id });
    note.onclick = function () { window.focus(); location.href = data.url; note.close(); };
  }

  function toast(text) {
    var area = $("#console-errors"), p = document.createElement("p");
    p.className = "toast toast-info";
    p.textContent = text;
    area.appendChild(p);
    setTimeout(function () { p.remove(); }, 8000);
  }

  function processNotifications() {
    document.querySelectorAll("#notify-queue .notify").forEach(function (el) {
      var data = el.dataset;
      el.remove();
      // The server sends only what concerns this agent (console.realtime.notify_concerns).
      if (notified[data.id]) return;
      notified[data.id] = true;
      var watching = parseInt(data.conversation, 10) === conversationId &&
        document.visibilityState === "visible";
      if (data.kind === "mention") toast(format(body.dataset.textMentioned, data.name));
      else if (watching) return;  // already in front of the agent
      body.dataset.notifyCount = String(parseInt(body.dataset.notifyCount || "0", 10) + 1);
      if (soundEnabled()) playSound();
      if (document.visibilityState !== "visible" || !watching) desktopNotify(data);
    });
  }

  var soundBox = $("#sound-enabled");
  if (soundBox) {
    soundBox.checked = soundEnabled();
    soundBox.addEventListener("change", function () {
      localStorage.setItem("destek.sound", soundBox.checked ? "on" : "off");
    });
  }
  var testButton = $("#sound-test");
  if (testButton) testButton.addEventListener("click", function () { unlockAudio(); playSound(); });

  function showDesktopState() {
    var state = $("#desktop-state"), button = $("#desktop-enable");
    if (!state) return;
    if (!("Notification" in window)) {
      state.textContent = body.dataset.textDesktopUnsupported; button.hidden = true; return;
    }
    button.hidden = Notification.permission !== "default";
    state.textContent = Notification.permission === "granted" ? body.dataset.textDesktopOn
      : Notification.permission === "denied" ? body.dataset.textDesktopDenied : "";
  }
  var desktopButton = $("#desktop-enable");
  if (desktopButton) {
    // Asked only when the agent presses the button, never on load.
    desktopButton.addEventListener("click", function () {
      if ("Notification" in window) Notification.requestPermission().then(showDesktopState);
    });
    showDesktopState();
  }

  // Keyboard shortcuts (? lists them). Outside text fields only, except Alt+arrows and Esc.
  var help = $("#shortcuts-help");
  function toggleHelp(show) {
    if (!help) return;
    help.hidden = !show;
    if (show) $("#shortcuts-close").focus();
  }
  if (help) {
    $("#shortcuts-close").addEventListener("click", function () { toggleHelp(false); });
    $("#shortcuts-open").addEventListener("click", function () { toggleHelp(true); });
    help.addEventListener("click", function (event) { if (event.target === help) toggleHelp(false); });
  }

  function moveConversation(step) {
    var rows = Array.prototype.slice.call(document.querySelectorAll("#inbox-list .inbox-row"));
    if (!rows.length) return;
    var index = rows.findIndex(function (row) { return row.id === "conv-row-" + conversationId; });
    var next = index < 0 ? (step > 0 ? 0 : rows.length - 1) : index + step;
    if (next < 0 || next >= rows.length) return;
    var link = rows[next].querySelector(".row-link");
    link.click();
  }

  function clickIfShown(selector) {
    var el = $(selector);
    // Shown: neither it nor a parent is hidden (by [hidden] or a style rule).
    if (el && el.getClientRects().length) el.click();
  }

  function focusComposer(mode) {
    if (!composer) return;
    setMode(mode);
    input.focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing) return;
    var target = event.target;
    var typing = target.closest && target.closest("input, textarea, select, [contenteditable]");
    if (event.altKey && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      moveConversation(event.key === "ArrowDown" ? 1 : -1);
      return;
    }
    if (event.key === "Escape") {
      if (help && !help.hidden) toggleHelp(false);
      else if (typing) target.blur();
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    var actions = {
      j: function () { moveConversation(1); },
      k: function () { moveConversation(-1); },
      r: function () { focusComposer("reply"); },
      n: function () { focusComposer("note"); },
      a: function () { clickIfShown("#take-button"); },
      e: function () { clickIfShown("#resolve-button"); },
      "?": function () { toggleHelp(help && help.hidden); },
      "/": function () {
        if (!composer) return;
        focusComposer("reply");
        if (!input.value) input.value = "/";
        input.setSelectionRange(input.value.length, input.value.length);
        updateCanned();
      },
    };
    var action = actions[event.key];
    if (action) { event.preventDefault(); action(); }
  });

  // Narrower screens keep the contact panel out of the way: the header's "Contact" button opens
  // it over the thread (full width on a phone), the × or Esc closes it.
  function contactPanelToggle() {
    function show(on) {
      body.classList.toggle("show-contact", on);
      var toggle = $("#contact-toggle");
      if (toggle) toggle.setAttribute("aria-expanded", on ? "true" : "false");
      if (on) $("#contact-close").focus();
    }
    document.addEventListener("click", function (event) {
      if (!event.target.closest) return;
      if (event.target.closest("#contact-toggle")) show(!body.classList.contains("show-contact"));
      else if (event.target.closest("#contact-close")) show(false);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && body.classList.contains("show-contact")) show(false);
    });
  }

  followThread();
  contactPanelToggle();
  document.addEventListener("DOMContentLoaded", function () {
    markSeen();
    tidyInbox();
    tidyHeader();
    scrollToBottom(true);
  });
  body.addEventListener("htmx:afterSwap", tidyHeader);
  // The conversation page's inbox rows arrive after the page (console/views/contexts.py).
  body.addEventListener("htmx:afterSettle", function (event) {
    if (!event.detail.target || event.detail.target.id !== "inbox-list") return;
    event.detail.target.removeAttribute("aria-busy");
    tidyInbox();
  });

  // Small forms outside the composer (a WhatsApp template, a delivery's Retry) show the
  // server's refusal in the element their data-error-target names, and clear it on success.
  body.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    var owner = elt && elt.closest ? elt.closest("[data-error-target]") : null;
    if (!owner) return;
    var box = document.querySelector(owner.dataset.errorTarget);
    if (!box) return;
    var failed = event.detail.failed || !event.detail.successful;
    box.textContent = failed && event.detail.xhr ? event.detail.xhr.responseText.trim() : "";
    if (!failed && owner.tagName === "FORM") owner.reset();
  });

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
