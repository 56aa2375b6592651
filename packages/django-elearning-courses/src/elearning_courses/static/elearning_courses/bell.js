/*
 * Live notification bell of django-elearning-courses.
 *
 * Connects to the WebSocket path in the bell's data-ws-path attribute (default
 * /ws/notifications/), with wss:// on HTTPS pages, and keeps the unread badge
 * (#notification-count) in step with what the server pushes:
 *
 *   {"type": "notification", "notification": {...}, "html": "<li ...>", "unread_count": 3}
 *
 * Every frame carrying a numeric "unread_count" updates the badge. Each pushed
 * notification's "html" (the list item, rendered and escaped by the server from
 * the template the notifications page uses) is put on top of every list marked
 * data-live-notifications (the home page's and the notifications page's; an item
 * with the same data-notification-id, pushed again because it was updated, is
 * replaced), and the
 * frame is re-dispatched on document as an "elearning:notification" CustomEvent
 * (detail = the frame) for other scripts. Screen readers hear each pushed
 * notification's message once: it is written to one status region (a visually
 * hidden element this script adds to the body, #notification-announcement), and
 * neither the badge nor the lists are live regions.
 * Reconnects with exponential back-off (1 s doubling to 30 s, with jitter).
 * No framework, no build step.
 */
(function () {
  "use strict";

  var bell = document.getElementById("notification-bell");
  var badge = document.getElementById("notification-count");
  if (!bell || !badge || !("WebSocket" in window)) {
    return;
  }

  var path = bell.getAttribute("data-ws-path") || "/ws/notifications/";
  var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  var url = scheme + window.location.host + path;
  var delay = 1000;
  var maxDelay = 30000;
  var socket = null;
  var timer = null;
  // Added now, filled later: a live region must exist before the text it announces.
  var announcer = document.createElement("div");
  announcer.id = "notification-announcement";
  announcer.className = "visually-hidden";
  announcer.setAttribute("role", "status");
  document.body.appendChild(announcer);

  function setCount(count) {
    count = Math.max(0, parseInt(count, 10) || 0);
    // The badge holds the number as its first text node, then a visually
    // hidden " unread" for screen readers: only replace the number.
    var first = badge.firstChild;
    if (first && first.nodeType === Node.TEXT_NODE) {
      first.nodeValue = String(count);
    } else {
      badge.insertBefore(document.createTextNode(String(count)), first);
    }
    badge.classList.toggle("d-none", count === 0);
    badge.setAttribute("data-count", String(count));
  }

  function onMessage(event) {
    var data;
    try {
      data = JSON.parse(event.data);
    } catch (err) {
      return;
    }
    if (!data || typeof data !== "object") {
      return;
    }
    if (typeof data.unread_count === "number") {
      setCount(data.unread_count);
    }
    if (data.type === "notification" && data.notification) {
      announcer.textContent = String(data.notification.message || "");
      prependToFeeds(data.html);
      document.dispatchEvent(new CustomEvent("elearning:notification", { detail: data }));
    }
  }

  // The server's markup of one item, as an element (nothing is built here: the
  // server rendered it from the page's own item template and escaped its text).
  function itemFrom(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    return holder.content.firstElementChild;
  }

  // Lists marked data-live-notifications get each pushed item on top; data-limit
  // caps their length and data-empty names the element that says "nothing yet".
  function prependToFeeds(html) {
    if (typeof html !== "string" || !html) {
      return;
    }
    var feeds = document.querySelectorAll("[data-live-notifications]");
    for (var i = 0; i < feeds.length; i++) {
      var feed = feeds[i];
      var item = itemFrom(html);
      if (!item) {
        return;
      }
      // An updated notification (e.g. "3 new lessons in ...") replaces its old item.
      var id = item.getAttribute("data-notification-id");
      if (id) {
        var olds = feed.querySelectorAll('[data-notification-id="' + CSS.escape(id) + '"]');
        for (var j = 0; j < olds.length; j++) {
          olds[j].remove();
        }
      }
      feed.insertBefore(item, feed.firstChild);
      feed.classList.remove("d-none");
      var limit = parseInt(feed.getAttribute("data-limit"), 10);
      while (limit > 0 && feed.children.length > limit) {
        feed.removeChild(feed.lastElementChild);
      }
      var empty = document.getElementById(feed.getAttribute("data-empty") || "");
      if (empty) {
        empty.classList.add("d-none");
      }
    }
  }

  function scheduleReconnect() {
    if (timer !== null) {
      return;
    }
    var wait = delay + Math.floor(Math.random() * 0.3 * delay);
    delay = Math.min(delay * 2, maxDelay);
    timer = window.setTimeout(function () {
      timer = null;
      connect();
    }, wait);
  }

  function connect() {
    try {
      socket = new WebSocket(url);
    } catch (err) {
      scheduleReconnect();
      return;
    }
    socket.addEventListener("open", function () {
      delay = 1000;
      bell.setAttribute("data-live", "1");
    });
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", function () {
      bell.removeAttribute("data-live");
      scheduleReconnect();
    });
    socket.addEventListener("error", function () {
      // "close" follows every "error"; reconnecting happens there.
    });
  }

  // Reconnect at once when the tab comes back after the network dropped.
  window.addEventListener("online", function () {
    if (!socket || socket.readyState === WebSocket.CLOSED) {
      if (timer !== null) {
        window.clearTimeout(timer);
        timer = null;
      }
      delay = 1000;
      connect();
    }
  });

  connect();
})();
