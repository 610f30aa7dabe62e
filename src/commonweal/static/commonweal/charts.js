// Interactive charts (vega-embed) over the server's SVG. Progressive enhancement: without JavaScript, or if
// anything here fails, the server-drawn SVG and the chart's table stay as they are.
//
// The Content-Security-Policy forbids eval, and Vega compiles its expressions with `new Function` unless it is
// given the CSP-safe interpreter (vendor/vega/vega-interpreter.js sets window.vegaInterpreter); vega-embed and
// vega-tooltip would inject <style> elements, which the policy also forbids, so their styles are in results.css.
// Each chart's spec is JSON in a <script type="application/json"> element beside it: data, never run.
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
  function asOneImage(container, description) {
    var svg = container.querySelector("svg");
    if (!svg) {
      return;
    }
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", description);
    svg.removeAttribute("aria-roledescription");
    svg.setAttribute("focusable", "false");
  }

  function renderOne(view) {
    var source = document.getElementById(view.getAttribute("data-spec"));
    if (!source) {
      return;
    }
    var spec;
    try {
      spec = JSON.parse(source.textContent);
    } catch (e) {
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
        asOneImage(target, spec.description || "Chart");
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
    var views = (root || document).querySelectorAll("[data-chart][data-spec]:not([data-rendered])");
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
