// Relationship survey, progressive enhancement only: every form works as a plain post without this file.
// htmx saves answers as they change (hx-post on the forms) and narrows the partner list as you type; this file
// lets a refused save (400) show its message in the status line instead of being dropped, and says "Saving..."
// while a save is on its way, so nobody closes the tab thinking it is done.
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target && target.classList && target.classList.contains("cw-save-status")) {
      target.textContent = "Saving…";
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    var target = event.detail.target;
    if (target && target.classList && target.classList.contains("cw-save-status")) {
      target.textContent = "Not saved: you seem to be offline. Use the Save button when you are back online.";
    }
  });
})();
