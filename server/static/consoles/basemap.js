// DCMBaseMap: the base map (底图) under the cells and pins, as /api/map/basemap/ names it: the
// city's own GIS server (XYZ or WMS), the system's own tile package, or none (the cells on
// grey). Shared by the console maps and the hotline page.
(function () {
  "use strict";
  const OWN = "/api/map/basemap/tiles/";
  // Leaflet's own buttons in the page's language (its defaults are English).
  if (window.L && window.gettext) {
    Object.assign(L.Control.Zoom.prototype.options, {zoomInTitle: gettext("Zoom in"),
      zoomOutTitle: gettext("Zoom out")});
  }

  // The Leaflet layer for an answer of /api/map/basemap/, added to map; null for "none".
  function add(map, layer) {
    if (!layer || !layer.url || layer.type === "none") return null;
    let tiles;
    if (layer.type === "wms") {
      tiles = L.tileLayer.wms(layer.url, {layers: layer.layers, format: "image/png",
        attribution: layer.attribution, maxZoom: 20});
    } else {
      const opts = {attribution: layer.attribution, maxZoom: 20, maxNativeZoom: layer.maxzoom,
        minNativeZoom: layer.minzoom, className: "dcm-basemap"};
      let url = layer.url;
      const own = url.indexOf(OWN);
      if (own >= 0) {
        // The system's own tiles: from this page's origin (the absolute URL is for the
        // handset; behind a proxy its host may not be the page's), and only inside the
        // package's bounds, where it has tiles.
        url = url.slice(own);
        if (layer.bounds) {
          const [w, s, e, n] = layer.bounds;
          opts.bounds = L.latLngBounds([s, w], [n, e]);
        }
      }
      tiles = L.tileLayer(url, opts);
    }
    return tiles.addTo(map);
  }

  // Fetch the layer and add it; resolves to {layer, tiles} (tiles null without a base map).
  function load(map) {
    return fetch("/api/map/basemap/", {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then((r) => (r.ok ? r.json() : null))
      .catch(() => null)
      .then((layer) => ({layer, tiles: add(map, layer)}));
  }

  window.DCMBaseMap = {add, load};
})();
