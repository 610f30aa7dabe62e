// The "Preparing the PDF" page: look again every few seconds (a HEAD request to the same address, which answers
// 202 while the PDF renders and 200 once it is ready), move the progress bar on by time, and start the download
// when it is ready. Without JavaScript, "Check now" does the same by hand. The page itself never reloads.
(function () {
  "use strict";
  var bar = document.getElementById("cw-pdf-progress");
  var check = document.getElementById("cw-pdf-check");
  if (!bar || !check || !window.fetch) return;
  var started = Date.now() - 1000 * Number(bar.dataset.elapsed || 0);
  var expected = Math.max(1, Number(bar.dataset.expected || 6));
  var every = 1000 * Math.max(1, Number(bar.dataset.every || 2));
  var url = check.href;
  function look() {
    var seconds = (Date.now() - started) / 1000;
    bar.value = Math.min(95, Math.round((100 * seconds) / expected));
    fetch(url, { method: "HEAD", credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 200) {
          bar.value = 100;
          document.getElementById("cw-pdf-status").textContent = "The PDF is ready: the download has started.";
          window.location.href = url;
        } else if (response.status === 202) {
          window.setTimeout(look, every);
        } else {
          window.location.href = url; // an error: show its page
        }
      })
      .catch(function () { window.setTimeout(look, every); });
  }
  window.setTimeout(look, every);
})();
