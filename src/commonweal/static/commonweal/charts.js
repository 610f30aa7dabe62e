// Interactive charts (vega-embed) over the server's SVG. Progressive enhancement: without JavaScript, or if
// anything here fails, the server-drawn SVG and the chart's table stay as they are.
//
// The Content-Security-Policy forbids eval, and Vega compiles its expressions with `new Function` unless it is
// given the CSP-safe interpreter (vendor/vega/vega-interpreter.js sets window.vegaInterpreter); vega-embed and
// vega-tooltip would inject <style> elements, which the policy also forbids, so their styles are in results.css.
// Each chart's spec is JSON in the view's data-spec-json attribute (data, never run; not a <script> element,
// because htmx strips those from the fragments it swaps in).
(function () {
  "use strict";

  function options() {
    return {
      ast: true,
      expr: window.vegaInterpreter.expressionInterpreter,
      actions: false,
      renderer: "svg",
      defaultStyle: false,
      tooltip: { disableDefaultStyle: true, theme: "light" },
    };
  }

  function ready() {
    return typeof window.vegaEmbed === "function" && window.vegaInterpreter && window.vega;
  }

  // Vega labels every mark for assistive technology; the chart's table already says it all, so the picture is
  // announced once, by its description, as the server's SVG is.
  function setOnce(element, name, value) {
    // Only on a change: the observer below would otherwise see its own writes for ever.
    if (element.getAttribute(name) !== value) {
      element.setAttribute(name, value);
    }
  }

  function asOneImage(container, description) {
    var svg = container.querySelector("svg");
    if (!svg) {
      return;
    }
    setOnce(svg, "role", "img");
    setOnce(svg, "aria-label", description);
    setOnce(svg, "focusable", "false");
    if (svg.hasAttribute("aria-roledescription")) {
      svg.removeAttribute("aria-roledescription");
    }
    var marked = svg.querySelectorAll("[role], [aria-label], [aria-roledescription], [aria-hidden]");
    for (var i = 0; i < marked.length; i++) {
      marked[i].removeAttribute("role");
      marked[i].removeAttribute("aria-label");
      marked[i].removeAttribute("aria-roledescription");
      marked[i].removeAttribute("aria-hidden");
    }
  }

  function renderOne(view) {
    var spec;
    try {
      spec = JSON.parse(view.getAttribute("data-spec-json"));
    } catch (e) {
      view.setAttribute("data-rendered", "failed");
      return;
    }
    spec.config = spec.config || {};
    spec.config.aria = false;
    view.setAttribute("data-rendered", "pending");
    var target = document.createElement("div");
    target.className = "cw-chart__interactive";
    view.appendChild(target);
    window
      .vegaEmbed(target, spec, options())
      .then(function () {
        var description = spec.description || "Chart";
        asOneImage(target, description);
        // Vega draws again when the page is resized or a tooltip needs it, labelling new marks each time.
        if (window.MutationObserver) {
          new MutationObserver(function () {
            asOneImage(target, description);
          }).observe(target, {
            childList: true,
            subtree: true,
            attributes: true,
            attributeFilter: ["role", "aria-label", "aria-roledescription", "aria-hidden"],
          });
        }
        view.classList.add("cw-chart__view--interactive");
        view.setAttribute("data-rendered", "yes");
      })
      .catch(function (error) {
        // Keep the server's SVG.
        if (target.parentNode) {
          target.parentNode.removeChild(target);
        }
        view.setAttribute("data-rendered", "failed");
        if (window.console) {
          window.console.warn("Chart not made interactive:", error);
        }
      });
  }

  function render(root) {
    if (!ready()) {
      return;
    }
    var views = (root || document).querySelectorAll("[data-chart][data-spec-json]:not([data-rendered])");
    for (var i = 0; i < views.length; i++) {
      renderOne(views[i]);
    }
  }

  window.commonwealCharts = { render: render };
  render(document);
  document.addEventListener("htmx:afterSwap", function () {
    render(document);
  });
})();
