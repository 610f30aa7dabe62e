// Keyboard shortcuts for the moderation queue. The page works without this file (every action is a button in a
// form); with it: j / k move between statements, a accepts, r rejects, u undoes the last decision, x ticks the
// statement for a bulk action.
// With htmx the moderated row is swapped in place and the next statement to review becomes current.
(function () {
  "use strict";

  var queue = document.querySelector("[data-queue]");
  if (!queue) return;

  var current = null;

  function rows() {
    return Array.prototype.slice.call(queue.querySelectorAll("[data-queue-row]"));
  }

  function setCurrent(row, focus) {
    if (current && current !== row) current.classList.remove("cw-queue__row--current");
    current = row || null;
    if (!current) return;
    current.classList.add("cw-queue__row--current");
    if (focus) {
      current.focus({ preventScroll: true });
      current.scrollIntoView({ block: "nearest" });
    }
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var i = current ? all.indexOf(current) : -1;
    var next = i < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, i + step));
    setCurrent(all[next], true);
  }

  function nextToReview(after) {
    var all = rows();
    var start = after ? all.indexOf(after) + 1 : 0;
    for (var i = start; i < all.length; i++) {
      if (!all[i].hasAttribute("data-queue-done")) return all[i];
    }
    return null;
  }

  var acting = null; // the id of the row whose decision is on its way

  // A row htmx has just swapped in gets its handlers when htmx settles it: a key pressed at once would send a
  // plain form post and reload the page. htmx.process is idempotent and attaches them now.
  function ready(row) {
    if (window.htmx && row) window.htmx.process(row);
  }

  // The current row, after htmx has swapped it for a new one with the same id (a decision, an undo).
  function live() {
    if (!current || document.body.contains(current)) return;
    var again = document.getElementById(current.id);
    current = null;
    if (again) setCurrent(again, false);
  }

  function act(kind) {
    live();
    if (!current) setCurrent(nextToReview(null), true);
    if (!current) return;
    var button = current.querySelector("[data-queue-" + kind + "]");
    if (!button) return;
    acting = current.id;
    ready(current);
    button.click();
  }

  // u undoes the last decision made here with a key or a button (a single key decides, so a slip is one press).
  var lastDecided = null;
  queue.addEventListener("click", function (event) {
    var button = event.target.closest("[data-queue-accept], [data-queue-reject]");
    var row = button && button.closest("[data-queue-row]");
    if (row) lastDecided = row.id;
  });
  function undo() {
    var row = lastDecided && document.getElementById(lastDecided);
    var button = row && row.querySelector("[data-queue-undo]");
    if (!button) return;
    lastDecided = null;
    acting = null;
    undoing = row.id; // stay on the statement whose decision is undone
    ready(row);
    button.click();
  }
  var undoing = null;

  function isTyping(target) {
    if (!target || !target.closest) return false;
    if (target.closest("textarea, select, [contenteditable='true']")) return true;
    var input = target.closest("input");
    return !!input && ["checkbox", "radio", "submit", "button"].indexOf(input.type) < 0;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "a": act("accept"); break;
      case "r": act("reject"); break;
      case "u": undo(); break;
      case "x":
        if (!current) move(1);
        if (current) {
          var box = current.querySelector("[data-queue-select]");
          if (box) box.checked = !box.checked;
        }
        break;
      default: return;
    }
    event.preventDefault();
  });

  // Clicking or tabbing into a row makes it the current one.
  queue.addEventListener("focusin", function (event) {
    var row = event.target.closest("[data-queue-row]");
    if (row) setCurrent(row, false);
  });

  // After htmx swaps a moderated row in, go on to the next statement to review.
  document.body.addEventListener("htmx:afterSettle", function () {
    if (undoing) {
      setCurrent(document.getElementById(undoing), true);
      undoing = null;
    } else if (acting) {
      var row = document.getElementById(acting);
      acting = null;
      if (row) setCurrent(nextToReview(row) || row, true);
    }
    live(); // a later swap may have replaced the current row: the highlight goes to its replacement
  });

  // "Select all on this page" ticks every row still to review (not the ones just accepted or rejected here, which
  // its label stops counting); unticking a row unticks "select all".
  var all = document.querySelector("[data-queue-select-all]");
  var allLabel = all && document.querySelector("label[for='" + all.id + "']");
  var noun = queue.getAttribute("data-queue-noun") || "statement";
  function open() {
    return rows().filter(function (row) { return !row.hasAttribute("data-queue-done"); });
  }
  function relabel() {
    if (!allLabel) return;
    var n = open().length;
    allLabel.textContent = "Select all " + n + " " + noun + (n === 1 ? "" : "s") + " still to review on this page";
  }
  if (all) {
    all.addEventListener("change", function () {
      rows().forEach(function (row) {
        var box = row.querySelector("[data-queue-select]");
        if (box) box.checked = all.checked && !row.hasAttribute("data-queue-done");
      });
    });
    queue.addEventListener("change", function (event) {
      if (event.target.matches("[data-queue-select]") && !event.target.checked) all.checked = false;
    });
    document.body.addEventListener("htmx:afterSettle", relabel);
  }

  // Likely duplicates: a button that ticks every statement of the group still to review (after accepting the
  // clearest one), ready for "Reject selected". Without JavaScript the row checkboxes do the same.
  Array.prototype.forEach.call(queue.querySelectorAll("[data-queue-duplicates]"), function (group) {
    if (group.querySelectorAll("[data-queue-row]").length < 2) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "nhsuk-button nhsuk-button--secondary nhsuk-button--small cw-queue__select-group";
    button.textContent = "Select the ones still to review in this group";
    var heading = group.querySelector(".cw-queue__duplicates-heading");
    if (heading && heading.id) button.setAttribute("aria-describedby", heading.id);
    button.addEventListener("click", function () {
      var ticked = 0;
      Array.prototype.forEach.call(group.querySelectorAll("[data-queue-row]"), function (row) {
        var box = row.querySelector("[data-queue-select]");
        if (!box) return;
        box.checked = !row.hasAttribute("data-queue-done");
        if (box.checked) ticked += 1;
      });
      var status = document.getElementById("queue-status");
      if (status) {
        status.textContent = ticked + " " + noun + (ticked === 1 ? "" : "s") +
          " selected. Use \u201cReject selected\u201d or \u201cAccept selected\u201d at the top of the queue.";
      }
    });
    var list = group.querySelector(".cw-queue--duplicates");
    group.insertBefore(button, list);
  });

  setCurrent(nextToReview(null), false);
})();
