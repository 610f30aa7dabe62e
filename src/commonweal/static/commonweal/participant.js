// Participant pages, progressive enhancement only: every form works as a plain post without this file.
// After htmx swaps in the next statement (or a changed row of "My votes"), move the keyboard and screen-reader
// focus somewhere sensible: an error summary when there is one, otherwise the new statement or the changed vote.
(function () {
  "use strict";

  function focusAfterSwap(root) {
    if (!root || !root.querySelector) return;
    var target = root.querySelector(".nhsuk-error-summary") || root.querySelector("[data-cw-focus]");
    if (!target && root.matches && root.matches("[data-cw-focus]")) target = root;
    if (!target) return;
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
    var rect = target.getBoundingClientRect();
    if (rect.top < 0 || rect.bottom > window.innerHeight) target.scrollIntoView({ block: "center" });
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    // Clear, actionable refusals (invalid vote, statement no longer open, going too fast) come back as 4xx with
    // the panel to show: swap them in like any other answer instead of dropping them.
    var status = event.detail.xhr.status;
    if (status === 400 || status === 404 || status === 409 || status === 429) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    // For an outerHTML swap the old element is detached; look the new one up by id.
    var fresh = target && target.id ? document.getElementById(target.id) : null;
    focusAfterSwap(fresh && fresh.isConnected ? fresh : (event.detail.elt && event.detail.elt.isConnected ? event.detail.elt : null));
  });

  document.addEventListener("htmx:sendError", function () {
    var region = document.getElementById("cw-announce");
    if (region) region.textContent = "We could not reach the server. Check your connection and try again: nothing was lost.";
  });
})();
