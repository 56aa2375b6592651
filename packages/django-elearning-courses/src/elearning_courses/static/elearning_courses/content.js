/*
 * Drag and drop of the courses app's content builder (courses/<pk>/content/).
 *
 * Modules (the [data-module-id] cards of [data-content-builder]) and lessons (the
 * [data-lesson-id] items of each [data-lesson-list]) get SortableJS drag handles;
 * lessons may be dragged into another module's list. After each drop the whole order
 * is POSTed as JSON to the builder's data-reorder-url:
 *
 *   {"modules": [ids in order], "lessons": {"<module id>": [lesson ids in order]}}
 *
 * with the CSRF token of the page's forms in the X-CSRFToken header. On success the
 * status region says so and the "Move up" / "Move down" buttons are re-enabled or
 * disabled for the new first and last places; on any error the previous order is put
 * back and the alert shows data-error-text. Without JavaScript (or SortableJS), the
 * Move buttons, plain forms, do the same job.
 */
(function () {
  "use strict";

  var builder = document.querySelector("[data-content-builder]");
  if (!builder || typeof window.Sortable === "undefined") {
    return;
  }
  var errorBox = document.querySelector("[data-reorder-error]");
  var statusBox = document.querySelector("[data-reorder-status]");
  var tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");

  function modules() {
    return Array.prototype.slice.call(builder.querySelectorAll(":scope > [data-module-id]"));
  }

  function snapshot() {
    // The nodes in their current order, to put back when saving fails.
    return {
      modules: modules(),
      lessons: modules().map(function (card) {
        var list = card.querySelector("[data-lesson-list]");
        return { list: list, items: Array.prototype.slice.call(list.children) };
      }),
    };
  }

  function restore(state) {
    state.modules.forEach(function (card) {
      builder.appendChild(card);
    });
    state.lessons.forEach(function (entry) {
      entry.items.forEach(function (item) {
        entry.list.appendChild(item);
      });
    });
    refreshButtons();
  }

  function order() {
    var lessons = {};
    var moduleIds = modules().map(function (card) {
      var id = card.getAttribute("data-module-id");
      var list = card.querySelector("[data-lesson-list]");
      lessons[id] = Array.prototype.map.call(list.querySelectorAll(":scope > [data-lesson-id]"), function (item) {
        return Number(item.getAttribute("data-lesson-id"));
      });
      return Number(id);
    });
    return { modules: moduleIds, lessons: lessons };
  }

  function setEdges(items) {
    items.forEach(function (item, index) {
      var up = item.querySelector("button[value=up]");
      var down = item.querySelector("button[value=down]");
      if (up) { up.disabled = index === 0; }
      if (down) { down.disabled = index === items.length - 1; }
    });
  }

  function refreshButtons() {
    var cards = modules();
    setEdges(cards.map(function (card) { return card.querySelector(".card-header"); }));
    cards.forEach(function (card) {
      var list = card.querySelector("[data-lesson-list]");
      setEdges(Array.prototype.slice.call(list.querySelectorAll(":scope > [data-lesson-id]")));
      var empty = card.querySelector("[data-empty-module]");
      if (empty) { empty.hidden = list.children.length > 0; }
    });
  }

  function showError(message) {
    if (errorBox) {
      errorBox.textContent = message;
      errorBox.setAttribute("role", "alert");
      errorBox.hidden = false;
    }
  }

  var before = null;

  function remember() {
    before = snapshot();
  }

  function save() {
    var state = before;
    if (errorBox) { errorBox.hidden = true; }
    fetch(builder.getAttribute("data-reorder-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": tokenInput ? tokenInput.value : "",
        "X-Requested-With": "XMLHttpRequest",
      },
      body: JSON.stringify(order()),
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) {
            throw new Error(data.detail || builder.getAttribute("data-error-text"));
          }
          refreshButtons();
          if (statusBox) { statusBox.textContent = data.detail || builder.getAttribute("data-saved-text"); }
          builder.dispatchEvent(new CustomEvent("elearning:reordered", { bubbles: true, detail: data }));
        });
      })
      .catch(function (error) {
        if (state) { restore(state); }
        showError(builder.getAttribute("data-error-text") + " " + (error && error.message ? error.message : ""));
      });
  }

  var options = {
    animation: 150,
    ghostClass: "elearning-sortable-ghost",
    onStart: remember,
    onEnd: function (event) {
      if (event.from === event.to && event.oldIndex === event.newIndex) {
        return;
      }
      save();
    },
  };

  window.Sortable.create(builder, Object.assign({}, options, {
    handle: ".elearning-module-handle",
    draggable: "[data-module-id]",
  }));
  Array.prototype.forEach.call(builder.querySelectorAll("[data-lesson-list]"), function (list) {
    window.Sortable.create(list, Object.assign({}, options, {
      group: "elearning-lessons",
      handle: ".elearning-lesson-handle",
      draggable: "[data-lesson-id]",
    }));
  });
})();
