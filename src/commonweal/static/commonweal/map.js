// The interactive system map (Cytoscape.js). Progressive enhancement: without JavaScript the page shows the same
// map as a server-drawn image and as tables. The positions come from the server (a fixed-seed layout), so this
// map and the image match; every label and detail is text the server wrote into the page's JSON.
(function () {
  "use strict";

  function start() {
    var source = document.getElementById("cw-map-data");
    var container = document.getElementById("cw-map");
    var wrapper = document.getElementById("cw-map-interactive");
    if (!source || !container || !wrapper || typeof window.cytoscape !== "function") {
      return;
    }
    var data = JSON.parse(source.textContent);
    wrapper.hidden = false;

    var style = [
      {
        selector: "node",
        style: {
          "background-color": "data(colour)",
          "border-color": "#212b32",
          "border-width": 2,
          width: "data(size)",
          height: "data(size)",
          label: "data(label)",
          "font-family": "Arial, Helvetica, sans-serif",
          "font-size": 12,
          color: "#212b32",
          // The server placed each name where it covers no other (the same places as in the image): the lines
          // are the label's, and labelDx/labelDy the offset of their middle from the node's centre.
          "text-valign": "center",
          "text-halign": "center",
          "text-wrap": "wrap",
          "text-max-width": 1000,
          "line-height": 14 / 12,
          "text-outline-color": "#ffffff",
          "text-outline-width": 1.5,
          // Labels too small to read when zoomed out are hidden until the map is zoomed in.
          "min-zoomed-font-size": 7,
        },
      },
      { selector: "node[labelDx]", style: { "text-margin-x": "data(labelDx)", "text-margin-y": "data(labelDy)" } },
      {
        selector: "node[highlight = 1]",
        style: { "underlay-color": "#ffeb3b", "underlay-opacity": 1, "underlay-padding": 5, "underlay-shape": "ellipse" },
      },
      {
        selector: "edge",
        style: {
          width: "data(width)",
          "line-opacity": "data(opacity)",
          "line-color": "data(colour)",
          "target-arrow-color": "data(colour)",
          "target-arrow-shape": "triangle",
          "arrow-scale": 1.1,
          "curve-style": "bezier",
          "font-family": "Arial, Helvetica, sans-serif",
          "font-size": 11,
          color: "data(colour)",
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.9,
        },
      },
      // Edge words ("new tie", "staff") show once the map is zoomed in far enough to read them.
      { selector: "edge[label != '']", style: { label: "data(label)", "min-zoomed-font-size": 9 } },
      { selector: "edge[dash != '']", style: { "line-style": "dashed", "line-dash-pattern": "data(dashes)" } },
      { selector: "edge[kind = 'interdependency']", style: { "target-arrow-shape": "vee" } },
      {
        selector: ":selected",
        style: { "border-width": 5, "border-color": "#212b32", "overlay-color": "#ffeb3b", "overlay-opacity": 0.5, "overlay-padding": 6 },
      },
    ];
    data.sectors.forEach(function (row) {
      var rule = { selector: 'node[sector = "' + row.sector + '"]', style: {} };
      if (row.points) {
        rule.style.shape = "polygon";
        rule.style["shape-polygon-points"] = row.points;
      } else {
        rule.style.shape = "ellipse";
      }
      if (row.sector === "_community") {
        rule.style["border-style"] = "dashed";
      }
      style.push(rule);
    });

    // Cytoscape wants dash patterns as arrays of numbers: "7 4" -> [7, 4].
    data.elements.forEach(function (el) {
      if (el.group === "edges") {
        el.data.dashes = el.data.dash ? el.data.dash.split(" ").map(Number) : [];
      }
    });

    var cy = window.cytoscape({
      container: container,
      elements: data.elements,
      layout: { name: "preset", fit: true, padding: 40 },
      style: style,
      autoungrabify: true,
      boxSelectionEnabled: false,
      selectionType: "single",
      minZoom: 0.2,
      maxZoom: 4,
    });
    // The container's size settles once the page's styles apply: fit the map to it then.
    window.cwMap = cy; // For the browser tests and for anyone exploring the map from the console.
    window.requestAnimationFrame(function () {
      cy.resize();
      cy.fit(undefined, 30);
      container.dataset.ready = "true";
    });

    var body = document.getElementById("cw-map-details-body");
    var pick = document.getElementById("cw-map-pick");
    var order = cy.nodes().sort(function (a, b) {
      return a.data("name").localeCompare(b.data("name"));
    });

    // A link's words in a node's list: its title, and its label unless the title already says it (an
    // interdependency's title ends with its kind, which said "(other) (other)" when the label was added again).
    function linkText(edge) {
      var title = edge.data("title") || "", label = edge.data("label");
      return label && title.indexOf("(" + label + ")") === -1 ? title + " (" + label + ")" : title;
    }

    function element(tag, text, className) {
      var el = document.createElement(tag);
      if (text !== undefined) el.textContent = text;
      if (className) el.className = className;
      return el;
    }

    function show(ele) {
      cy.elements().unselect();
      ele.select();
      body.replaceChildren();
      body.appendChild(element("h4", ele.data("title"), "nhsuk-heading-xs"));
      var list = element("dl");
      (ele.data("details") || []).forEach(function (row) {
        list.appendChild(element("dt", row[0]));
        list.appendChild(element("dd", row[1]));
      });
      body.appendChild(list);
      if (ele.isNode()) {
        pick.value = ele.id();
        var ties = ele.connectedEdges();
        if (ties.length) {
          body.appendChild(element("p", "Its links (select one for its details):", "nhsuk-body-s"));
          var ul = element("ul");
          ties.forEach(function (edge) {
            var li = element("li");
            var button = element("button", linkText(edge), "cw-link-as-button");
            button.type = "button";
            button.addEventListener("click", function () {
              show(edge);
            });
            li.appendChild(button);
            ul.appendChild(li);
          });
          body.appendChild(ul);
        }
        if (ele.data("link")) {
          var p = element("p");
          var a = element("a", "See its part in the system");
          a.href = ele.data("link");
          p.appendChild(a);
          body.appendChild(p);
        }
      } else {
        var back = element("p", undefined, "nhsuk-body-s");
        [ele.source(), ele.target()].forEach(function (node, i) {
          var b = element("button", (i === 0 ? "From: " : "To: ") + node.data("name"), "cw-link-as-button");
          b.type = "button";
          b.addEventListener("click", function () {
            show(node);
          });
          back.appendChild(b);
          back.appendChild(document.createElement("br"));
        });
        body.appendChild(back);
      }
    }

    cy.on("tap", "node, edge", function (event) {
      show(event.target);
    });
    pick.addEventListener("change", function () {
      var node = pick.value ? cy.getElementById(pick.value) : null;
      if (node && node.length) {
        show(node);
        cy.animate({ center: { eles: node } }, { duration: 200 });
      }
    });

    // The keyboard: the arrow keys go from one organisation to the next (alphabetically), Escape clears.
    container.addEventListener("keydown", function (event) {
      var keys = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
      if (event.key === "Escape") {
        cy.elements().unselect();
        return;
      }
      if (!(event.key in keys) || !order.length) return;
      event.preventDefault();
      var current = cy.nodes(":selected");
      var index = current.length ? order.indexOf(current[0]) : -1;
      var next = order[(index + keys[event.key] + order.length) % order.length];
      show(next);
      cy.animate({ center: { eles: next } }, { duration: 150 });
    });

    document.querySelectorAll("[data-map-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var how = button.getAttribute("data-map-zoom");
        if (how === "fit") {
          cy.fit(undefined, 40);
        } else {
          cy.zoom({
            level: cy.zoom() * (how === "in" ? 1.3 : 1 / 1.3),
            renderedPosition: { x: container.clientWidth / 2, y: container.clientHeight / 2 },
          });
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
