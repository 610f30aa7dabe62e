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

  // A long list of organisations: with JavaScript, a search box above the list narrows it as you type.
  // Without JavaScript the plain list works as it is.
  function enhanceFilter(select) {
    var all = Array.prototype.map.call(select.options, function (o) {
      return { value: o.value, text: o.text };
    });
    if (all.length < 8) return;
    var noun = select.getAttribute("data-cw-filter") || "options";
    var group = document.createElement("div");
    group.className = "cw-filter";
    var label = document.createElement("label");
    label.className = "nhsuk-label";
    label.htmlFor = select.id + "-filter";
    // The words come from the page, in the participant's language (about_you.html), English otherwise.
    label.textContent = select.getAttribute("data-cw-filter-label") || "Search the list of " + noun;
    var statusWords = select.getAttribute("data-cw-filter-status") ||
      "{n} of the " + noun + " match \u201c{q}\u201d: choose from the list below.";
    var input = document.createElement("input");
    input.type = "search";
    input.id = select.id + "-filter";
    input.className = "nhsuk-input cw-filter__input";
    input.autocomplete = "off";
    input.setAttribute("aria-controls", select.id);
    input.setAttribute("aria-describedby", select.id + "-filter-status");
    var status = document.createElement("p");
    status.id = select.id + "-filter-status";
    status.className = "nhsuk-body-s cw-filter__status";
    status.setAttribute("aria-live", "polite");
    group.appendChild(label);
    group.appendChild(input);
    group.appendChild(status);
    select.parentNode.insertBefore(group, select);

    input.addEventListener("keydown", function (event) {
      // Enter in the search box must not send the form with nothing chosen: choose the only match, if there is
      // one, and move on to the list.
      if (event.key !== "Enter") return;
      event.preventDefault();
      var named = Array.prototype.filter.call(select.options, function (o) { return o.value !== ""; });
      if (named.length === 1) select.value = named[0].value;
      select.focus();
    });

    input.addEventListener("input", function () {
      var query = input.value.trim().toLowerCase();
      var chosen = select.value;
      var matches = 0;
      select.innerHTML = "";
      all.forEach(function (item) {
        var hit = item.value !== "" && item.text.toLowerCase().indexOf(query) !== -1;
        if (hit) matches += 1;
        if (item.value === "" || hit || item.value === chosen) {
          var option = document.createElement("option");
          option.value = item.value;
          option.text = item.text;
          option.selected = item.value === chosen;
          select.appendChild(option);
        }
      });
      status.textContent = query ? statusWords.replace("{n}", matches).replace("{q}", input.value.trim()) : "";
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("select[data-cw-filter]"), enhanceFilter);

  document.addEventListener("htmx:sendError", function () {
    var region = document.getElementById("cw-announce");
    if (region) region.textContent = region.getAttribute("data-cw-offline") ||
      "We could not reach the server. Check your connection and try again: nothing was lost.";
  });
})();
