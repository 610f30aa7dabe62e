// Present mode: a "Full screen" button (hidden without JavaScript or where the Fullscreen API is missing), and
// "Results updated" said politely to screen readers when the common ground changes.
(function () {
  "use strict";

  var button = document.getElementById("present-fullscreen");
  if (button && document.fullscreenEnabled) {
    button.hidden = false;
    var label = function () {
      button.textContent = document.fullscreenElement ? "Leave full screen" : "Full screen";
    };
    button.addEventListener("click", function () {
      if (document.fullscreenElement) {
        document.exitFullscreen();
      } else {
        document.documentElement.requestFullscreen().catch(function () {});
      }
    });
    document.addEventListener("fullscreenchange", label);
    label();
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && (event.detail.target || event.detail.elt);
    if (!target || target.id !== "present-live") {
      return;
    }
    var region = document.getElementById("present-announce");
    if (region) {
      region.textContent = "";
      window.setTimeout(function () {
        region.textContent = "Results updated";
      }, 100);
    }
  });
})();
