// The asset map with Leaflet. The page works without this file (an SVG drawn on the server and a table); with
// it, the same points on a map that pans and zooms, each opening a link to its asset. No tiles unless the site
// sets COMMONWEAL_MAP_TILES (data-tiles): then nothing is asked of another site.
(function () {
  "use strict";

  var box = document.getElementById("asset-map");
  if (!box || !window.L || !window.fetch) return;

  fetch(box.getAttribute("data-points-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
    .then(draw)
    .catch(function () { /* The server's image stays. */ });

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function draw(data) {
    if (!data.points.length) return;
    box.classList.add("cw-asset-map--live");
    var holder = document.createElement("div");
    holder.className = "cw-asset-map__live";
    holder.setAttribute("role", "region");
    holder.setAttribute("aria-label", "Interactive map of the assets listed in the table below");
    box.appendChild(holder);
    var map = L.map(holder, { preferCanvas: true, attributionControl: !!box.getAttribute("data-tiles") });
    var tiles = box.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, { attribution: box.getAttribute("data-attribution") || "", maxZoom: 19 }).addTo(map);
    }
    var renderer = L.canvas({ padding: 0.5 });
    var bounds = [];
    var base = data.asset_url.replace(/0\/$/, "");
    data.points.forEach(function (p) {
      var marker = L.circleMarker([p[3], p[4]], {
        renderer: renderer, radius: 5, color: "#ffffff", weight: 1, fillColor: data.colours[p[2]] || "#005eb8", fillOpacity: 0.85
      });
      marker.bindPopup('<a href="' + base + p[0] + '/">' + escapeHtml(p[1]) + "</a>");
      marker.addTo(map);
      bounds.push([p[3], p[4]]);
    });
    data.places.forEach(function (place) {
      L.tooltip({ permanent: true, direction: "center", className: "cw-asset-map__place" })
        .setLatLng([place[1], place[2]]).setContent(escapeHtml(place[0])).addTo(map);
    });
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
  }
})();
