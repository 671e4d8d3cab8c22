/* newsledger workbench: maps, evidence targeting, highlight toggles. No inline scripts. */
(function () {
  "use strict";

  var WORLD = "/static/vendor/world/countries-110m.geojson";
  var worldCache = null;

  function loadWorld() {
    if (!worldCache) {
      worldCache = fetch(WORLD, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error("base map " + r.status);
        return r.json();
      });
    }
    return worldCache;
  }

  function label(point) {
    // Built from text nodes: place names come from articles and are untrusted.
    var el = document.createElement("span");
    var link = document.createElement("a");
    link.href = point.href;
    link.textContent = point.name;
    el.appendChild(link);
    return el;
  }

  function initMap(el) {
    if (el.dataset.ready || typeof L === "undefined") return;
    el.dataset.ready = "1";
    var points = [];
    try { points = JSON.parse(el.dataset.points || "[]"); } catch (e) { return; }
    var map = L.map(el, { zoomControl: true, attributionControl: true, worldCopyJump: true,
                          keyboard: true, scrollWheelZoom: false });
    map.attributionControl.setPrefix(false);
    var tileUrl = el.dataset.tileUrl;
    if (tileUrl) {
      L.tileLayer(tileUrl, { maxZoom: 18, attribution: "tiles: " + new URL(tileUrl.replace(/\{s\}\./, "")).host }).addTo(map);
    }
    loadWorld().then(function (world) {
      var layer = L.geoJSON(world, {
        style: { color: "#8a97a8", weight: 0.8, fillColor: "#e8edf3", fillOpacity: tileUrl ? 0 : 1 },
        interactive: false,
        attribution: "Natural Earth"
      }).addTo(map);
      layer.bringToBack();
    }).catch(function () { el.classList.add("map-nobase"); });
    var latlngs = [];
    points.forEach(function (p) {
      var ll = [p.lat, p.lon];
      if (p.focus !== false) latlngs.push(ll);
      var marker = L.circleMarker(ll, {
        radius: p.primary ? 9 : 6, weight: 2, color: "#fff",
        fillColor: p.primary ? "#c2410c" : "#1d4ed8", fillOpacity: 0.95
      }).addTo(map);
      marker.bindTooltip(label(p), { permanent: p.primary || points.length <= 4, direction: "right", offset: [8, 0] });
      marker.bindPopup(label(p));
    });
    if (latlngs.length === 1) {
      map.setView(latlngs[0], 5);
    } else if (latlngs.length > 1) {
      map.fitBounds(L.latLngBounds(latlngs).pad(0.6), { maxZoom: 7 });
    } else {
      map.setView([20, 0], 1);
    }
  }

  function initMaps(root) {
    (root || document).querySelectorAll("[data-map]").forEach(initMap);
  }

  var TARGET = /^#(ev|m|n)-(\d+)-(\d+)$/;

  function showTarget() {
    var match = TARGET.exec(window.location.hash);
    document.querySelectorAll(".is-target").forEach(function (el) { el.classList.remove("is-target"); });
    if (!match) return;
    var cls = match[1] + "-" + match[2] + "-" + match[3];
    var pieces = document.querySelectorAll("." + cls);
    pieces.forEach(function (el) { el.classList.add("is-target"); });
    var first = pieces[0] || document.getElementById(cls);
    if (first) {
      if (!first.hasAttribute("tabindex")) first.setAttribute("tabindex", "-1");
      first.scrollIntoView({ block: "center" });
      first.focus({ preventScroll: true });
    }
  }

  function initToggles() {
    var text = document.getElementById("article-text");
    if (!text) return;
    document.querySelectorAll("[data-toggle-class]").forEach(function (box) {
      box.addEventListener("change", function () {
        text.classList.toggle(box.dataset.toggleClass, !box.checked);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initMaps();
    initToggles();
    showTarget();
  });
  window.addEventListener("hashchange", showTarget);
  document.addEventListener("htmx:afterSwap", function (e) { initMaps(e.target); });
})();
