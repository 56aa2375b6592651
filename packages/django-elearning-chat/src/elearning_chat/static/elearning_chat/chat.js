/*
 * django-elearning chat client (no framework, no build step).
 *
 * Mounts on every element with a [data-chat-room] attribute; the element holds the
 * JSON configuration written by the room page (see elearning_chat/room.html):
 *
 *   wsPath      path of the room's WebSocket (/ws/chat/<room>/)
 *   apiUrl      GET endpoint of the room's messages (?before=<id> pages back)
 *   user        {id, username} of the signed-in user
 *   canModerate show delete buttons
 *   maxLength   longest accepted message body
 *   historyLimit number of messages the server sends on connect
 *   closeCodes  close codes meaning "removed from the room": do not reconnect
 *
 * Presence: a "presence" frame on connect holds the first names (by username) and the
 * total; "presence_delta" frames then say who entered or left that list and the new
 * total. The panel shows the names it has and "and N more" for the rest.
 *   strings     translated user-facing texts (%(name)s placeholders)
 *
 * Every text coming from the server is written with textContent, never innerHTML.
 * The client picks wss:// on HTTPS pages, reconnects with exponential back-off
 * and, after every reconnect, sends {"type": "resync", "after": <last id seen>}
 * so nothing is missed; messages are de-duplicated by id and kept in id order.
 *
 * Acknowledged messages: every message the user sends gets a client_id (a random UUID)
 * and waits in an outbox, shown as pending under the conversation and kept in
 * sessionStorage (a reload does not lose it), until the server answers with an "ack"
 * (the stored message, shown at once) or an "error" carrying the client_id (the message
 * is marked "Not sent" with Retry or Edit, and Discard). Pending messages are sent again
 * after every reconnect, after its resync; the server stores each client_id once, so a
 * message is never stored or shown twice.
 *
 * The running client is available as element.chatClient (state, socket, outbox, stop(),
 * reconnectNow()), and the element fires "chat:state" and "chat:message" events.
 */
(function () {
  "use strict";

  var TYPING_SEND_EVERY_MS = 3000;
  var TYPING_SHOW_MS = 5000;
  var MAX_BACKOFF_MS = 30000;
  var GROUP_MS = 5 * 60 * 1000;
  var STABLE_MS = 5000;
  var RETRYABLE = { rate_limited: true, server_error: true };

  // Control characters other than tab and line feed, and unpaired UTF-16 surrogates:
  // what the server refuses (it normalizes line endings first, as the client does).
  var CONTROLS = /[\x00-\x08\x0B-\x1F\x7F]/;
  var LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;

  // A body as the server stores it: line endings as \n, trimmed.
  function normalize(text) {
    return String(text).replace(/\r\n?/g, "\n").trim();
  }

  // Length in characters (code points), as the server counts it.
  function charCount(text) {
    return Array.from(text).length;
  }

  function newClientId() {
    if (window.crypto && window.crypto.randomUUID) {
      try { return window.crypto.randomUUID(); } catch (err) { /* not a secure context */ }
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.from(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function format(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (_, key) {
      return values[key] === undefined ? "" : String(values[key]);
    });
  }

  function sameDay(a, b) {
    return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
  }

  function ChatClient(root) {
    this.root = root;
    this.config = JSON.parse(root.getAttribute("data-chat-room") || "{}");
    this.strings = this.config.strings || {};
    this.maxLength = this.config.maxLength || 2000;
    this.historyLimit = this.config.historyLimit || 50;
    this.user = this.config.user || {};
    this.socket = null;
    this.state = "idle";
    this.lastId = 0;          // highest message id seen: what resync asks after
    this.oldestId = null;     // lowest id shown: where "load older" continues
    this.items = new Map();   // message id -> list item
    this.typers = new Map();  // user id -> {name, timer}
    this.present = new Map(); // user id -> user: the presence window the server keeps us in
    this.presentCount = 0;    // everyone in the room, listed or not
    this.attempt = 0;
    this.retryTimer = null;
    this.countdownTimer = null;
    this.lastTypingSent = 0;
    this.stopped = false;
    this.everConnected = false;
    this.outbox = [];         // unacknowledged messages: {clientId, body, state, code, detail}
    this.storageKey = "elearning_chat:outbox:" + (this.config.room || this.config.wsPath) + ":" + this.user.id;
    this.generation = 0;      // one per successful connection
    this.unread = 0;          // messages that arrived while the tab was hidden
    this.baseTitle = document.title;

    var q = function (name) { return root.querySelector("[data-chat-" + name + "]"); };
    this.list = q("messages");
    this.scroller = q("scroller") || this.list;
    this.empty = q("empty");
    this.loading = q("loading");
    this.status = q("status");
    this.statusText = q("status-text");
    this.announcer = q("announce");
    this.reconnectButton = q("reconnect");
    this.form = q("form");
    this.input = q("input");
    this.sendButton = q("send");
    this.counter = q("counter");
    this.inputError = q("input-error");
    this.alerts = q("alerts");
    this.presenceList = q("presence");
    this.presenceCount = q("presence-count");
    this.typingLine = q("typing");
    this.olderButton = q("older");
    this.beginning = q("beginning");
    this.jumpButton = q("jump");

    this.outboxList = q("outbox");
    if (!this.outboxList && this.list) {
      this.outboxList = el("ol", "chat-messages chat-outbox");
      this.outboxList.setAttribute("data-chat-outbox", "");
      this.outboxList.setAttribute("aria-label", this.t("outbox_label"));
      this.list.parentNode.insertBefore(this.outboxList, this.list.nextSibling);
    }

    if (this.config.canModerate) root.classList.add("chat-moderator");
    this.bind();
    this.updateCounter();
    this.restoreOutbox();
    this.connect();
  }

  ChatClient.prototype.t = function (key, values) {
    return format(this.strings[key] || key, values || {});
  };

  /* ---- connection ------------------------------------------------------ */

  ChatClient.prototype.socketUrl = function () {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + this.config.wsPath;
  };

  ChatClient.prototype.setState = function (state, detail) {
    var previous = this.state;
    this.state = state;
    this.root.setAttribute("data-chat-state", state);
    if (this.status) {
      this.status.className = "badge chat-status chat-status-" + state;
    }
    var texts = {
      connecting: this.everConnected ? this.t("reconnecting_now") : this.t("connecting"),
      connected: this.t("connected"),
      reconnecting: this.t("reconnecting", { seconds: detail }),
      offline: this.t("offline"),
      closed: this.t("closed") // the reason is in an alert beside the composer
    };
    if (this.statusText) this.statusText.textContent = texts[state] || state;
    if (this.reconnectButton) this.reconnectButton.hidden = !(state === "reconnecting" || state === "offline");
    // Messages written while the connection is down wait in the outbox.
    if (this.sendButton) this.sendButton.disabled = state === "closed";
    this.renderOutboxStates();
    if (state === previous) return; // a countdown tick: update the badge, announce nothing
    // The badge counts down every second; screen readers hear only the changes.
    var announce = state === "reconnecting" ? this.t("lost") : texts[state];
    if (this.announcer && state !== "connecting" && this.announcer.textContent !== announce) {
      this.announcer.textContent = announce;
    }
    this.root.dispatchEvent(new CustomEvent("chat:state", { detail: { state: state } }));
  };

  ChatClient.prototype.connect = function () {
    var self = this;
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    clearInterval(this.countdownTimer);
    this.setState("connecting");
    var socket;
    try {
      socket = new WebSocket(this.socketUrl());
    } catch (err) {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    var opened = false;
    socket.onopen = function () {
      if (self.socket !== socket) return;
      opened = Date.now();
      var reconnect = self.everConnected;
      self.everConnected = true;
      self.generation += 1;
      self.setState("connected");
      // The server sends the latest history by itself; after a reconnect also ask
      // for everything after the last message seen, so a long gap is filled.
      if (reconnect && self.lastId) self.resync(self.lastId);
      self.flushOutbox(); // then what is still unacknowledged, in order
    };
    socket.onmessage = function (event) {
      if (self.socket !== socket) return;
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (err) {
        return;
      }
      self.handle(frame);
    };
    socket.onclose = function (event) {
      if (self.socket !== socket) return;
      self.socket = null;
      self.clearTyping();
      if (self.stopped) return;
      // Close codes after which reconnecting cannot help (access withdrawn).
      if ((self.config.closeCodes || []).indexOf(event.code) !== -1) {
        self.finish(self.t("removed"));
        return;
      }
      if (!opened) {
        // The handshake failed: maybe the server is down, maybe access was withdrawn.
        self.checkAccess();
      } else if (Date.now() - opened > STABLE_MS) {
        // Back-off starts over only after a connection that lasted: a server that
        // accepts and drops at once is not hammered every half second.
        self.attempt = 0;
      }
      self.scheduleReconnect();
    };
  };

  // After a refused handshake, ask the room page itself why: a redirect means the
  // session ended (log-in page), 403/404 that the room policy now refuses the user.
  ChatClient.prototype.checkAccess = function () {
    var self = this;
    if (!window.fetch || this.checkingAccess) return;
    this.checkingAccess = true;
    fetch(window.location.href, { credentials: "same-origin", redirect: "manual", cache: "no-store" })
      .then(function (response) {
        if (response.type === "opaqueredirect") self.finish(self.t("logged_out"));
        else if (response.status === 403 || response.status === 404) self.finish(self.t("removed"));
        else if (response.status === 429) self.finish(self.t("room_limit"));
      })
      .catch(function () { /* network down: keep retrying */ })
      .then(function () { self.checkingAccess = false; });
  };

  ChatClient.prototype.scheduleReconnect = function () {
    var self = this;
    if (this.stopped) return;
    // Offline only after the browser said the network went away while the page was open.
    // navigator.onLine alone is false on a machine with no network but loopback, where a
    // server on the same machine still answers: the page itself was served that way.
    if (this.networkDown) {
      this.setState("offline");
      return; // the "online" event reconnects
    }
    // 0.5 s, 1 s, 2 s ... up to 30 s, with jitter so clients do not reconnect in step.
    var base = Math.min(MAX_BACKOFF_MS, 500 * Math.pow(2, this.attempt));
    var delay = Math.round(base / 2 + Math.random() * base / 2);
    this.attempt += 1;
    var due = Date.now() + delay;
    var tick = function () {
      self.setState("reconnecting", Math.max(1, Math.ceil((due - Date.now()) / 1000)));
    };
    tick();
    clearInterval(this.countdownTimer);
    this.countdownTimer = setInterval(tick, 1000);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(function () { self.connect(); }, delay);
  };

  ChatClient.prototype.reconnectNow = function () {
    this.attempt = 0;
    if (this.socket) this.socket.close();
    else this.connect();
  };

  ChatClient.prototype.finish = function (message) {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.countdownTimer);
    this.setState("closed");
    this.failPending(message);
    // The server usually explained itself in an error frame just before closing.
    if (!this.lastForbiddenAt || Date.now() - this.lastForbiddenAt > 3000) this.showAlert(message, "danger", false);
    if (this.input) this.input.disabled = true;
    if (this.loading) this.loading.hidden = true;
    // No more presence frames will come: a list left on screen would show people as
    // being with a user who is no longer in the room.
    this.present = new Map();
    this.presentCount = 0;
    this.renderPresence();
  };

  ChatClient.prototype.stop = function () {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.countdownTimer);
    if (this.socket) this.socket.close(1000);
  };

  ChatClient.prototype.resync = function (after) {
    this.send({ type: "resync", after: after });
  };

  ChatClient.prototype.send = function (frame) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  };

  /* ---- incoming frames ------------------------------------------------- */

  ChatClient.prototype.handle = function (frame) {
    switch (frame.type) {
      case "history": return this.onHistory(frame);
      case "message": return this.onMessage(frame, true);
      case "presence": return this.onPresence(frame);
      case "presence_delta": return this.onPresenceDelta(frame);
      case "typing": return this.onTyping(frame);
      case "deleted": return this.onDeleted(frame);
      case "ack": return this.onAck(frame);
      case "error": return this.onError(frame);
      default: return undefined;
    }
  };

  ChatClient.prototype.onHistory = function (frame) {
    var messages = frame.messages || [];
    var firstLoad = this.items.size === 0;
    var stick = this.nearBottom();
    this.list.setAttribute("aria-busy", "true");
    for (var i = 0; i < messages.length; i++) this.addMessage(messages[i], false);
    this.list.setAttribute("aria-busy", "false");
    // Each history says what it answers: "after" of the resync it answers, or null
    // for the one the server sends on connect.
    var after = frame.after;
    var onConnect = after === null;
    if (onConnect && !this.historyKnown) {
      // Fewer messages than the server sends at most: there is nothing older.
      this.historyKnown = true;
      this.olderExhausted = messages.length < this.historyLimit;
      this.refreshEmpty();
    }
    this.forgetDeleted(messages, onConnect, after);
    if (firstLoad || stick) this.scrollToBottom();
    // A resync answer is paged: ask for the page after this one until the server is done.
    if (frame.has_more && messages.length) {
      this.resync(messages[messages.length - 1].id);
    }
  };

  // A history frame lists every visible message in the id range it covers. Messages
  // this client got before the current connection, inside that range and missing from
  // it, were deleted while it was disconnected: remove them. (Messages received on the
  // current connection are left alone; their deletions arrive as "deleted" frames.)
  ChatClient.prototype.forgetDeleted = function (messages, onConnect, after) {
    var lo, hi;
    if (messages.length) {
      lo = onConnect ? messages[0].id : after + 1;
      hi = messages[messages.length - 1].id;
    } else if (onConnect) {
      lo = -Infinity; // nothing visible in the room at all
      hi = Infinity;
    } else {
      return;
    }
    var keep = {};
    for (var i = 0; i < messages.length; i++) keep[messages[i].id] = true;
    var self = this;
    var gone = [];
    this.items.forEach(function (item, id) {
      if (id >= lo && id <= hi && !keep[id] && item.chatGeneration < self.generation) gone.push(id);
    });
    for (var j = 0; j < gone.length; j++) this.onDeleted({ id: gone[j] });
  };

  ChatClient.prototype.onMessage = function (message, live, acknowledged) {
    var mine = message.author.id === this.user.id;
    var stick = this.nearBottom() || mine;
    var added = this.addMessage(message, live, acknowledged);
    if (!added) return;
    this.stopTyping(message.author.id);
    if (stick) this.scrollToBottom();
    else if (this.jumpButton) this.jumpButton.hidden = false;
    if (live && document.hidden && !mine) {
      this.unread += 1;
      document.title = "(" + this.unread + ") " + this.baseTitle;
    }
    this.root.dispatchEvent(new CustomEvent("chat:message", { detail: message }));
  };

  ChatClient.prototype.onDeleted = function (frame) {
    var item = this.items.get(frame.id);
    if (!item) return;
    var next = item.nextElementSibling;
    item.remove();
    this.regroup(next);
    this.items.delete(frame.id);
    this.refreshEmpty();
  };

  ChatClient.prototype.onError = function (frame) {
    var text = frame.detail; // translated by the server
    var entry = frame.client_id && this.findEntry(frame.client_id);
    if (entry) return this.failEntry(entry, frame.code, text);
    if (frame.code === "forbidden") this.lastForbiddenAt = Date.now();
    this.showAlert(text, frame.code === "forbidden" ? "danger" : "warning", true);
  };

  // "presence" (on connect): the first names by username and the total count.
  ChatClient.prototype.onPresence = function (frame) {
    this.present = new Map();
    var users = frame.users || [];
    for (var i = 0; i < users.length; i++) this.present.set(users[i].id, users[i]);
    this.presentCount = typeof frame.count === "number" ? frame.count : users.length;
    this.renderPresence();
  };

  // "presence_delta": who entered and left that window, and the new count.
  ChatClient.prototype.onPresenceDelta = function (frame) {
    var left = frame.left || [];
    var joined = frame.joined || [];
    for (var i = 0; i < left.length; i++) this.present.delete(left[i]);
    for (var j = 0; j < joined.length; j++) this.present.set(joined[j].id, joined[j]);
    this.presentCount = frame.count;
    this.renderPresence();
  };

  ChatClient.prototype.renderPresence = function () {
    if (this.presenceCount) this.presenceCount.textContent = String(this.presentCount);
    if (!this.presenceList) return;
    var users = Array.from(this.present.values()).sort(function (a, b) {
      var x = a.username.toLowerCase(), y = b.username.toLowerCase();
      return x < y ? -1 : x > y ? 1 : a.id - b.id;
    });
    var items = [];
    for (var j = 0; j < users.length; j++) {
      var li = el("li", "list-group-item d-flex align-items-center gap-2 px-2 py-1 border-0");
      li.appendChild(this.avatar(users[j], 24));
      li.appendChild(el("span", "text-truncate", users[j].username));
      if (users[j].id === this.user.id) li.appendChild(el("span", "badge text-bg-light border ms-auto", this.t("you")));
      items.push(li);
    }
    var more = this.presentCount - users.length;
    if (more > 0) {
      var rest = el("li", "list-group-item px-2 py-1 border-0 small text-body-secondary", this.t("presence_more", { count: more }));
      rest.setAttribute("data-chat-presence-more", "");
      items.push(rest);
    }
    this.presenceList.replaceChildren.apply(this.presenceList, items);
  };

  ChatClient.prototype.onTyping = function (frame) {
    var who = frame.user;
    if (who.id === this.user.id) return;
    var self = this;
    var entry = this.typers.get(who.id);
    if (entry) clearTimeout(entry.timer);
    this.typers.set(who.id, {
      name: who.username,
      timer: setTimeout(function () { self.stopTyping(who.id); }, TYPING_SHOW_MS)
    });
    this.renderTyping();
  };

  ChatClient.prototype.stopTyping = function (userId) {
    var entry = this.typers.get(userId);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.typers.delete(userId);
    this.renderTyping();
  };

  ChatClient.prototype.clearTyping = function () {
    this.typers.forEach(function (entry) { clearTimeout(entry.timer); });
    this.typers.clear();
    this.renderTyping();
  };

  ChatClient.prototype.renderTyping = function () {
    if (!this.typingLine) return;
    var names = [];
    this.typers.forEach(function (entry) { names.push(entry.name); });
    var text = "";
    if (names.length === 1) text = this.t("typing_one", { name: names[0] });
    else if (names.length === 2) text = this.t("typing_two", { first: names[0], second: names[1] });
    else if (names.length > 2) text = this.t("typing_many", { count: names.length });
    this.typingLine.textContent = text;
  };

  /* ---- rendering ------------------------------------------------------- */

  ChatClient.prototype.avatar = function (person, size) {
    var node;
    if (person && person.avatar_url) {
      node = el("img", "rounded-circle object-fit-cover flex-shrink-0");
      node.src = person.avatar_url;
      node.alt = this.t("avatar_alt", { name: person.username });
      node.width = size;
      node.height = size;
    } else {
      node = el("span", "chat-avatar rounded-circle flex-shrink-0", ((person && person.username) || "?").charAt(0).toUpperCase());
      node.setAttribute("role", "img");
      node.setAttribute("aria-label", this.t("avatar_alt", { name: (person && person.username) || "?" }));
      node.style.width = size + "px";
      node.style.height = size + "px";
      node.style.fontSize = Math.round(size * 0.45) + "px";
    }
    return node;
  };

  ChatClient.prototype.timeNode = function (iso) {
    var node = el("time", "chat-time small text-body-secondary");
    var date = new Date(iso);
    if (isNaN(date.getTime())) return node;
    node.dateTime = iso;
    var opts = { hour: "2-digit", minute: "2-digit" };
    if (!sameDay(date, new Date())) { opts.day = "numeric"; opts.month = "short"; }
    node.textContent = date.toLocaleString(document.documentElement.lang || undefined, opts);
    node.title = date.toLocaleString(document.documentElement.lang || undefined);
    return node;
  };

  ChatClient.prototype.render = function (message) {
    var author = message.author || {};
    var mine = author.id === this.user.id;
    var li = el("li", "chat-message d-flex gap-2 px-2 py-2" + (mine ? " chat-message-mine" : ""));
    li.setAttribute("data-id", String(message.id));
    li.setAttribute("data-author", String(author.id));
    li.setAttribute("data-time", String(Date.parse(message.created_at) || 0));
    li.appendChild(this.avatar(author, 36));
    var body = el("div", "chat-message-body flex-grow-1");
    var head = el("div", "chat-meta d-flex flex-wrap align-items-baseline gap-2");
    head.appendChild(el("strong", "chat-author", author.username || this.t("unknown")));
    head.appendChild(this.timeNode(message.created_at));
    if (this.config.canModerate) {
      var self = this;
      var del = el("button", "btn btn-link btn-sm text-danger p-0 chat-delete", this.t("delete"));
      del.type = "button";
      del.setAttribute("aria-label", this.t("delete_label", { name: author.username || "" }));
      del.addEventListener("click", function () {
        if (window.confirm(self.t("delete_confirm"))) self.send({ type: "delete", id: message.id });
      });
      head.appendChild(del);
    }
    body.appendChild(head);
    body.appendChild(el("p", "chat-text mb-0", message.body));
    li.appendChild(body);
    return li;
  };

  // ``acknowledged``: the message comes from its "ack", not from the room's stream, so
  // it does not move lastId (earlier messages of others may still be on their way).
  ChatClient.prototype.addMessage = function (message, live, acknowledged) {
    if (!message || typeof message.id !== "number") return false;
    if (!acknowledged && message.id > this.lastId) this.lastId = message.id;
    if (this.items.has(message.id)) return false;
    var item = this.render(message);
    item.chatGeneration = this.generation;
    if (!live) item.classList.add("chat-message-history");
    // Keep id order: usually an append, a walk back only for late (resync) pages.
    var before = null;
    var node = this.list.lastElementChild;
    while (node && Number(node.getAttribute("data-id")) > message.id) {
      before = node;
      node = node.previousElementSibling;
    }
    this.list.insertBefore(item, before);
    this.regroup(item);
    this.regroup(before);
    this.items.set(message.id, item);
    if (!acknowledged) this.matchStored(message);
    if (this.oldestId === null || message.id < this.oldestId) this.oldestId = message.id;
    this.refreshEmpty();
    return true;
  };

  ChatClient.prototype.refreshEmpty = function () {
    var any = this.items.size > 0;
    if (this.loading) this.loading.hidden = any || this.historyKnown;
    if (this.empty) this.empty.hidden = any || !this.historyKnown || this.outbox.length > 0;
    if (this.olderButton) {
      this.olderButton.hidden = !any || !this.historyKnown || this.olderExhausted || !this.config.apiUrl;
    }
    if (this.beginning) this.beginning.hidden = !any || !this.olderExhausted;
  };

  // Consecutive messages of one author within GROUP_MS are shown as one block; the first
  // message of each day starts with a separator naming the day. The separator lives
  // inside that message's item, so the list holds only messages (ids, order, grouping).
  ChatClient.prototype.regroup = function (item) {
    if (!item) return;
    var prev = item.previousElementSibling;
    var time = new Date(Number(item.getAttribute("data-time")));
    var newDay = !prev || !sameDay(new Date(Number(prev.getAttribute("data-time"))), time);
    var grouped = !newDay && prev.getAttribute("data-author") === item.getAttribute("data-author") &&
      time.getTime() - Number(prev.getAttribute("data-time")) < GROUP_MS;
    item.classList.toggle("chat-message-continued", grouped);
    var separator = item.querySelector(":scope > .chat-day");
    if (newDay && !separator) item.insertBefore(this.daySeparator(time), item.firstChild);
    else if (!newDay && separator) separator.remove();
  };

  // "Today", "Yesterday", else the date in the page's language.
  ChatClient.prototype.daySeparator = function (date) {
    var today = new Date();
    var yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
    var text;
    if (sameDay(date, today)) text = this.t("today");
    else if (sameDay(date, yesterday)) text = this.t("yesterday");
    else {
      text = date.toLocaleDateString(document.documentElement.lang || undefined, {
        weekday: "long", day: "numeric", month: "long", year: "numeric"
      });
    }
    var node = el("div", "chat-day small text-body-secondary");
    node.setAttribute("role", "separator");
    node.appendChild(el("span", null, text));
    return node;
  };

  ChatClient.prototype.nearBottom = function () {
    var s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
  };

  ChatClient.prototype.scrollToBottom = function () {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    if (this.jumpButton) this.jumpButton.hidden = true;
  };

  ChatClient.prototype.showAlert = function (text, level, dismissAfter) {
    if (!this.alerts) return;
    var box = el("div", "alert alert-" + level + " alert-dismissible py-2 mb-2 small");
    box.setAttribute("role", "alert");
    box.appendChild(el("span", null, text));
    var close = el("button", "btn-close py-2");
    close.type = "button";
    close.setAttribute("aria-label", this.t("close"));
    close.addEventListener("click", function () { box.remove(); });
    box.appendChild(close);
    this.alerts.appendChild(box);
    while (this.alerts.children.length > 3) this.alerts.firstElementChild.remove();
    if (dismissAfter) setTimeout(function () { box.remove(); }, 8000);
  };

  /* ---- load older ------------------------------------------------------ */

  ChatClient.prototype.loadOlder = function () {
    var self = this;
    if (!this.config.apiUrl || this.oldestId === null || this.loadingOlder) return;
    this.loadingOlder = true;
    this.olderButton.disabled = true;
    this.olderButton.textContent = this.t("loading");
    var previousHeight = this.scroller.scrollHeight;
    var previousTop = this.scroller.scrollTop;
    fetch(this.config.apiUrl + "?before=" + encodeURIComponent(this.oldestId), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (data) {
      var results = data.results;
      self.list.setAttribute("aria-busy", "true");
      for (var i = 0; i < results.length; i++) self.addMessage(results[i], false);
      self.list.setAttribute("aria-busy", "false");
      // Keep what the reader was looking at in place.
      self.scroller.scrollTop = previousTop + (self.scroller.scrollHeight - previousHeight);
      var done = !data.next;
      if (done) {
        self.olderExhausted = true;
        self.refreshEmpty();
      }
    }).catch(function () {
      self.showAlert(self.t("older_failed"), "warning", true);
    }).then(function () {
      self.loadingOlder = false;
      self.olderButton.disabled = false;
      self.olderButton.textContent = self.t("load_older");
    });
  };

  /* ---- outbox: messages not yet acknowledged ----------------------------- */

  ChatClient.prototype.findEntry = function (clientId) {
    for (var i = 0; i < this.outbox.length; i++) {
      if (this.outbox[i].clientId === clientId) return this.outbox[i];
    }
    return null;
  };

  ChatClient.prototype.sendEntry = function (entry) {
    if (this.state !== "connected") return false;
    if (!this.send({ type: "message", body: entry.body, client_id: entry.clientId })) return false;
    if (!entry.sent) {
      // From now on the server may have stored it: a copy of it can only have an id
      // above the last one seen now.
      entry.sent = true;
      entry.afterId = this.lastId;
      this.saveOutbox();
    }
    return true;
  };

  // A message of this user arrived in the room's stream (a resync after a drop, usually)
  // while a message with the same text, already sent, still waits for its ack: it is
  // most likely that one, stored before its ack was lost. Hide the pending copy so the
  // message is not shown twice; its ack (the re-send is acknowledged again) removes it,
  // an error shows it again.
  ChatClient.prototype.matchStored = function (message) {
    if (!message.author || message.author.id !== this.user.id) return;
    for (var i = 0; i < this.outbox.length; i++) {
      var entry = this.outbox[i];
      if (entry.state === "pending" && entry.sent && !entry.matchedId && entry.body === message.body &&
          message.id > (entry.afterId || 0)) {
        entry.matchedId = message.id;
        if (entry.node) entry.node.hidden = true;
        return;
      }
    }
  };

  // After every (re)connect: everything still pending, in order. A message the server
  // already stored (its ack was lost with the socket) is acknowledged again, not stored.
  ChatClient.prototype.flushOutbox = function () {
    for (var i = 0; i < this.outbox.length; i++) {
      if (this.outbox[i].state === "pending") this.sendEntry(this.outbox[i]);
    }
  };

  // "ack": the message is stored; show the stored message in place of the pending one.
  ChatClient.prototype.onAck = function (frame) {
    var entry = this.findEntry(frame.client_id);
    if (entry) this.removeEntry(entry);
    if (frame.message) this.onMessage(frame.message, true, true);
  };

  ChatClient.prototype.failEntry = function (entry, code, detail) {
    entry.matchedId = undefined;
    entry.state = "failed";
    entry.code = code;
    entry.detail = detail;
    this.renderEntry(entry);
    this.saveOutbox();
    if (this.announcer) this.announcer.textContent = this.t("send_failed", { reason: detail });
  };

  // The socket will not come back (access withdrawn, session ended): nothing pending
  // can be sent any more; say so on each message.
  ChatClient.prototype.failPending = function (reason) {
    for (var i = 0; i < this.outbox.length; i++) {
      var entry = this.outbox[i];
      // (A pending message matched to a stored copy stays hidden: it was most likely stored.)
      if (entry.state === "pending" && !entry.matchedId) {
        entry.state = "failed";
        entry.code = "closed";
        entry.detail = reason;
      }
      this.renderEntry(entry);
    }
    this.saveOutbox();
  };

  ChatClient.prototype.retryEntry = function (entry) {
    entry.matchedId = undefined;
    entry.state = "pending";
    entry.code = entry.detail = undefined;
    this.renderEntry(entry);
    this.saveOutbox();
    this.sendEntry(entry); // the same client_id: stored once even if an earlier try was
    if (entry.node) entry.node.focus();
  };

  ChatClient.prototype.removeEntry = function (entry) {
    var index = this.outbox.indexOf(entry);
    if (index !== -1) this.outbox.splice(index, 1);
    if (entry.node) entry.node.remove();
    entry.node = null;
    this.saveOutbox();
    this.refreshEmpty();
  };

  ChatClient.prototype.discardEntry = function (entry) {
    this.removeEntry(entry);
    if (this.announcer) this.announcer.textContent = this.t("discarded");
    if (this.input && !this.input.disabled) this.input.focus();
  };

  // Back into the composer, for a message the server refused as it is (too long, bad text).
  ChatClient.prototype.editEntry = function (entry) {
    this.removeEntry(entry);
    if (!this.input) return;
    this.input.value = this.input.value.trim() ? this.input.value + "\n" + entry.body : entry.body;
    this.updateCounter();
    this.input.focus();
  };

  ChatClient.prototype.renderEntry = function (entry) {
    if (!this.outboxList) return;
    var self = this;
    var li = el("li", "chat-message chat-message-mine chat-pending d-flex gap-2 px-2 py-2");
    li.setAttribute("data-client-id", entry.clientId);
    li.setAttribute("data-state", entry.state);
    li.tabIndex = -1;
    li.hidden = Boolean(entry.matchedId) && entry.state === "pending";
    li.appendChild(this.avatar(this.user, 36));
    var body = el("div", "chat-message-body flex-grow-1");
    var head = el("div", "chat-meta d-flex flex-wrap align-items-baseline gap-2");
    head.appendChild(el("strong", "chat-author", this.user.username || this.t("unknown")));
    var status = el("span", "chat-pending-status small");
    status.setAttribute("data-chat-pending-status", "");
    head.appendChild(status);
    body.appendChild(head);
    body.appendChild(el("p", "chat-text mb-0", entry.body));
    if (entry.state === "failed") {
      li.classList.add("border-start", "border-3", "border-danger");
      var actions = el("div", "d-flex flex-wrap gap-2 mt-1");
      var button = function (text, label, className, onClick) {
        var b = el("button", "btn btn-sm " + className, text);
        b.type = "button";
        b.setAttribute("aria-label", label);
        b.addEventListener("click", onClick);
        actions.appendChild(b);
      };
      if (entry.code === "too_long" || entry.code === "bad_request") {
        button(this.t("edit"), this.t("edit_label"), "btn-outline-primary", function () { self.editEntry(entry); });
      } else if (!this.stopped) {
        button(this.t("retry"), this.t("retry_label"), "btn-outline-primary", function () { self.retryEntry(entry); });
      }
      button(this.t("discard"), this.t("discard_label"), "btn-outline-secondary", function () { self.discardEntry(entry); });
      body.appendChild(actions);
    } else {
      li.classList.add("opacity-75");
    }
    li.appendChild(body);
    if (entry.node && entry.node.parentNode) entry.node.replaceWith(li);
    else this.outboxList.appendChild(li);
    entry.node = li;
    this.renderEntryState(entry);
    this.refreshEmpty();
  };

  // The status line of an outbox entry: sending, waiting for the connection, or not sent.
  ChatClient.prototype.renderEntryState = function (entry) {
    var status = entry.node && entry.node.querySelector("[data-chat-pending-status]");
    if (!status) return;
    var text;
    if (entry.state === "failed") text = this.t("failed", { reason: entry.detail || "" });
    else text = this.state === "connected" ? this.t("sending") : this.t("waiting");
    status.textContent = text;
    status.className = "chat-pending-status small " + (entry.state === "failed" ? "text-danger fw-semibold" : "text-body-secondary fst-italic");
  };

  ChatClient.prototype.renderOutboxStates = function () {
    for (var i = 0; i < (this.outbox || []).length; i++) this.renderEntryState(this.outbox[i]);
  };

  ChatClient.prototype.saveOutbox = function () {
    try {
      var kept = this.outbox.map(function (e) {
        return { clientId: e.clientId, body: e.body, state: e.state, code: e.code, detail: e.detail, sent: e.sent, afterId: e.afterId };
      });
      if (kept.length) window.sessionStorage.setItem(this.storageKey, JSON.stringify(kept));
      else window.sessionStorage.removeItem(this.storageKey);
    } catch (err) { /* storage full or disabled: the outbox lives in memory only */ }
  };

  // A reload keeps what was not acknowledged: shown again, pending ones sent on connect.
  ChatClient.prototype.restoreOutbox = function () {
    var saved;
    try {
      saved = JSON.parse(window.sessionStorage.getItem(this.storageKey) || "[]");
    } catch (err) {
      saved = [];
    }
    if (!Array.isArray(saved)) return;
    for (var i = 0; i < saved.length; i++) {
      var e = saved[i];
      if (!e || typeof e.clientId !== "string" || typeof e.body !== "string") continue;
      var entry = {
        clientId: e.clientId, body: e.body, state: e.state === "failed" ? "failed" : "pending",
        code: e.code, detail: e.detail, sent: Boolean(e.sent), afterId: Number(e.afterId) || 0
      };
      this.outbox.push(entry);
      this.renderEntry(entry);
    }
  };

  /* ---- composing ------------------------------------------------------- */

  ChatClient.prototype.updateCounter = function () {
    if (!this.input) return;
    var length = charCount(normalize(this.input.value));
    var over = length > this.maxLength;
    if (this.counter) {
      this.counter.textContent = this.t("counter", { count: length, max: this.maxLength });
      this.counter.classList.toggle("text-danger", over);
    }
    this.input.classList.toggle("is-invalid", over);
    this.input.setAttribute("aria-invalid", over ? "true" : "false");
    if (this.inputError) this.inputError.textContent = over ? this.t("too_long", { max: this.maxLength }) : "";
  };

  ChatClient.prototype.submit = function () {
    if (this.state === "closed") return;
    var body = normalize(this.input.value);
    if (!body) {
      this.input.focus();
      return;
    }
    if (charCount(body) > this.maxLength) {
      this.updateCounter();
      return;
    }
    if (CONTROLS.test(body) || LONE_SURROGATE.test(body)) {
      this.input.classList.add("is-invalid");
      this.input.setAttribute("aria-invalid", "true");
      if (this.inputError) this.inputError.textContent = this.t("bad_text");
      return;
    }
    var entry = { clientId: newClientId(), body: body, state: "pending" };
    this.outbox.push(entry);
    this.renderEntry(entry);
    this.saveOutbox();
    this.sendEntry(entry); // at once if connected, else after the next reconnect
    this.scrollToBottom();
    this.lastTypingSent = 0;
    this.input.value = "";
    this.updateCounter();
    this.input.focus();
  };

  ChatClient.prototype.bind = function () {
    var self = this;
    if (this.form) {
      this.form.addEventListener("submit", function (event) {
        event.preventDefault();
        self.submit();
      });
    }
    if (this.input) {
      this.input.setAttribute("maxlength", String(this.maxLength + 1000));
      this.input.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          self.submit();
        }
      });
      this.input.addEventListener("input", function () {
        self.updateCounter();
        var now = Date.now();
        if (self.input.value.trim() && now - self.lastTypingSent > TYPING_SEND_EVERY_MS) {
          if (self.send({ type: "typing" })) self.lastTypingSent = now;
        }
      });
    }
    if (this.olderButton) this.olderButton.addEventListener("click", function () { self.loadOlder(); });
    if (this.reconnectButton) this.reconnectButton.addEventListener("click", function () { self.reconnectNow(); });
    if (this.jumpButton) this.jumpButton.addEventListener("click", function () { self.scrollToBottom(); });
    this.scroller.addEventListener("scroll", function () {
      if (self.jumpButton && self.nearBottom()) self.jumpButton.hidden = true;
    });
    window.addEventListener("online", function () {
      self.networkDown = false;
      if (!self.stopped && !self.socket) { self.attempt = 0; self.connect(); }
    });
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) return;
      if (self.unread) { self.unread = 0; document.title = self.baseTitle; }
      // Back to the tab while waiting out a long back-off: try now.
      if (self.state === "reconnecting" && self.attempt > 2) self.reconnectNow();
    });
    window.addEventListener("offline", function () {
      self.networkDown = true;
      if (self.socket) self.socket.close();
    });
    window.addEventListener("pagehide", function () { self.stop(); });
    window.addEventListener("pageshow", function (event) {
      // Back/forward cache: the page comes back without its socket.
      if (event.persisted && self.stopped && self.state !== "closed") {
        self.stopped = false;
        self.attempt = 0;
        self.connect();
      }
    });
  };

  function mountAll() {
    var roots = document.querySelectorAll("[data-chat-room]");
    for (var i = 0; i < roots.length; i++) {
      if (!roots[i].chatClient) roots[i].chatClient = new ChatClient(roots[i]);
    }
  }

  window.ElearningChat = { ChatClient: ChatClient, mountAll: mountAll };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
