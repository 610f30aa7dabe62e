// The live results page: after htmx swaps in newer results, keep what the reader had open (the "Show as a table"
// details) and where the keyboard was, draw the charts again, and say "Results updated" politely to screen
// readers. Also keeps "Updated 12 seconds ago" current between updates. Without JavaScript the page has a
// Reload link instead.
(function () {
  "use strict";

  var openDetails = [];
  var focusedId = null;

  function isLive(event) {
    var target = event.detail && (event.detail.target || event.detail.elt);
    return target && (target.id === "results-live" || target.id === "present-live");
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!isLive(event)) {
      return;
    }
    openDetails = [];
    var details = document.querySelectorAll("#results-live details[open][id]");
    for (var i = 0; i < details.length; i++) {
      openDetails.push(details[i].id);
    }
    focusedId = document.activeElement && document.activeElement.id ? document.activeElement.id : null;
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (!isLive(event)) {
      return;
    }
    for (var i = 0; i < openDetails.length; i++) {
      var element = document.getElementById(openDetails[i]);
      if (element) {
        element.open = true;
      }
    }
    if (focusedId) {
      var focused = document.getElementById(focusedId);
      if (focused && typeof focused.focus === "function") {
        focused.focus({ preventScroll: true });
      }
    }
    announce("Results updated");
    refreshTimes();
  });

  function announce(text) {
    var region = document.getElementById("results-announce") || document.getElementById("present-announce");
    if (!region) {
      return;
    }
    // Clear first so the same words are announced again on the next update.
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = text;
    }, 100);
  }

  function since(seconds) {
    if (seconds < 10) {
      return "just now";
    }
    if (seconds < 60) {
      return seconds + " seconds ago";
    }
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) {
      return minutes === 1 ? "a minute ago" : minutes + " minutes ago";
    }
    var hours = Math.floor(minutes / 60);
    return hours === 1 ? "an hour ago" : hours + " hours ago";
  }

  function refreshTimes() {
    var times = document.querySelectorAll("[data-since]");
    var now = Date.now();
    for (var i = 0; i < times.length; i++) {
      var then = Date.parse(times[i].getAttribute("data-since"));
      if (!isNaN(then)) {
        times[i].textContent = since(Math.max(0, Math.round((now - then) / 1000)));
      }
    }
  }

  window.setInterval(refreshTimes, 5000);
})();
