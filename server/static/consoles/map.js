// DCM.Map: Leaflet with our own vector layers (cells, components, case pins), which need no
// internet, over the base map that /api/map/basemap/ names (basemap.js): the city's GIS server
// or the system's own tiles, streets and names under the cells.
(function () {
  "use strict";
  const DCM = window.DCM = window.DCM || {};

  // Leaflet reads a tooltip given as a string as HTML; names come from imported map files,
  // so every tooltip is a text node (script in a component's name shows as text).
  function text(s) {
    const span = document.createElement("span");
    span.textContent = s;
    return span;
  }

  // Yellow (few) to dark red (most), t in 0..1.
  function heatColour(t) {
    const stops = [[255, 237, 160], [254, 178, 76], [240, 59, 32], [165, 15, 21]];
    const x = Math.min(1, Math.max(0, t)) * (stops.length - 1), i = Math.min(stops.length - 2, Math.floor(x));
    const f = x - i, c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * f));
    return "rgb(" + c.join(",") + ")";
  }

  class DcmMap {
    constructor(div, opts) {
      this.opts = opts || {};
      this.map = L.map(div, {preferCanvas: true, zoomControl: true, attributionControl: true, maxZoom: 20});
      this.map.attributionControl.setPrefix(false);
      this.map.setView([39.93, 116.41], 14);
      this.heatCounts = null;
      const layers = {};
      this.cells = L.geoJSON(null, {style: (f) => this.cellStyle(f),
        onEachFeature: (f, l) => l.bindTooltip(text(f.properties.code), {sticky: true})}).addTo(this.map);
      this.components = L.layerGroup();
      this.pins = L.layerGroup().addTo(this.map);
      this.markers = new Map();
      layers[gettext("Grid cells")] = this.cells;
      layers[gettext("Components")] = this.components;
      layers[gettext("Cases")] = this.pins;
      const control = L.control.layers(null, layers, {collapsed: true}).addTo(this.map);
      const toggle = control.getContainer().querySelector(".leaflet-control-layers-toggle");
      if (toggle) toggle.title = gettext("Layers");  // Leaflet's word is English
      this.base = (window.DCMBaseMap ? DCMBaseMap.load(this.map) : Promise.resolve({tiles: null})).then((b) => {
        if (b.tiles) control.addOverlay(b.tiles, gettext("Base map"));
        return b;
      });
      this.map.on("zoomend", () => this.cells.setStyle((f) => this.cellStyle(f)));
      L.control.scale({imperial: false}).addTo(this.map);
      this.ready = DCM.api("/api/console/map/cells/").then((fc) => {
        this.cells.addData(fc);
        // The whole district, unless a case was focused meanwhile (the case page); at once,
        // not animated: Leaflet drops a setView (focus) that comes during a zoom animation.
        if (fc.features.length && !this.focused) this.map.fitBounds(this.cells.getBounds(), {maxZoom: 17, animate: false});
        this.cellLayers = {};
        this.cells.eachLayer((l) => { this.cellLayers[l.feature.properties.code] = l; });
      }).catch(() => {});
      this.map.on("moveend overlayadd", () => this.loadComponents());
    }
    async loadComponents() {
      if (!this.map.hasLayer(this.components) || this.map.getZoom() < 16) return;
      const b = this.map.getBounds();
      const fc = await DCM.api("/api/console/map/components/?bbox=" +
        [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => x.toFixed(6)).join(","));
      this.components.clearLayers();
      L.geoJSON(fc, {pointToLayer: (f, ll) => L.circleMarker(ll, {radius: 3, color: "#666", weight: 1}),
        onEachFeature: (f, l) => l.bindTooltip(text(f.properties.name + " " + f.properties.code))}).addTo(this.components);
    }
    // A pin per case, coloured by its light; removed for cases that left the list.
    pin(c, onClick) {
      let m = this.markers.get(c.number);
      if (!m) {
        m = L.circleMarker([c.lat, c.lon], {radius: 7, weight: 2}).addTo(this.pins);
        m.on("click", () => onClick && onClick(c.number));
        this.markers.set(c.number, m);
      }
      const colour = {red: "#d32f2f", yellow: "#f9a825", green: "#2e7d32"}[DCM.light(c)] || "#1565c0";
      m.setLatLng([c.lat, c.lon]).setStyle({color: colour, fillColor: colour, fillOpacity: 0.6});
      m.bindTooltip(text(c.number + " · " + DCM.label("states", c.state)));
    }
    unpin(number) { const m = this.markers.get(number); if (m) { m.remove(); this.markers.delete(number); } }
    focus(c) { this.focused = true; this.map.setView([c.lat, c.lon], Math.max(this.map.getZoom(), 17)); }
    // A cell's look at the current zoom. Below street zoom (15) the lines thin out so the base
    // map's streets show through; with a heat map (heat()), cells are filled by their count and,
    // at district zoom (< 14), by their community's count, so a hot area is a block you can
    // see, not a few pixels.
    cellStyle(f) {
      const z = this.map.getZoom();
      if (!this.heatCounts) {
        return z < 15 ? {color: "#5b7fa6", weight: 0.5, opacity: 0.45, fillOpacity: 0.02}
          : {color: "#5b7fa6", weight: 1, opacity: 0.8, fillOpacity: 0.04};
      }
      const byCommunity = z < 14;
      const counts = byCommunity ? this.heatCommunities : this.heatCounts;
      const n = counts[byCommunity ? f.properties.community : f.properties.code] || 0;
      const max = byCommunity ? this.heatMaxCommunity : this.heatMaxCell;
      const t = Math.sqrt(n / max);  // the few hottest do not wash every other one out
      return {color: "#7a5c3e", weight: z < 15 ? 0 : 0.5, opacity: 0.5,
        fillColor: heatColour(t), fillOpacity: n ? 0.45 + 0.35 * t : 0};
    }
    // Heat by cell (dashboard): fill each cell by its count of cases.
    heat(byCell) {
      this.ready.then(() => {
        const communities = {};
        for (const [code, layer] of Object.entries(this.cellLayers || {})) {
          const c = layer.feature.properties.community;
          communities[c] = (communities[c] || 0) + (byCell[code] || 0);
        }
        this.heatCounts = byCell;
        this.heatCommunities = communities;
        this.heatMaxCell = Math.max(1, ...Object.values(byCell));
        this.heatMaxCommunity = Math.max(1, ...Object.values(communities));
        for (const [code, layer] of Object.entries(this.cellLayers || {})) {
          layer.setStyle(this.cellStyle(layer.feature));
          layer.setTooltipContent(code + ": " + (byCell[code] || 0) + " · "
            + layer.feature.properties.community + ": " + (communities[layer.feature.properties.community] || 0));
        }
      });
    }
  }
  DCM.Map = DcmMap;
})();
