// DCM.Map: Leaflet with our own vector layers (cells, components, case pins), which need no
// internet; a base map only when the deployment configures one (XYZ or WMS, see settings).
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

  class DcmMap {
    constructor(div, config, opts) {
      this.opts = opts || {};
      this.map = L.map(div, {preferCanvas: true, zoomControl: true, attributionControl: !!config.attribution});
      this.map.setView([39.93, 116.41], 14);
      const layers = {};
      if (config.tile_url) layers[gettext("Base map")] = L.tileLayer(config.tile_url, {attribution: config.attribution, maxZoom: 20}).addTo(this.map);
      else if (config.wms_url) layers[gettext("Base map")] = L.tileLayer.wms(config.wms_url, {layers: config.wms_layers, format: "image/png", attribution: config.attribution}).addTo(this.map);
      this.cells = L.geoJSON(null, {style: () => ({color: "#5b7fa6", weight: 1, fillOpacity: 0.04}),
        onEachFeature: (f, l) => l.bindTooltip(text(f.properties.code), {sticky: true})}).addTo(this.map);
      this.components = L.layerGroup();
      this.pins = L.layerGroup().addTo(this.map);
      this.markers = new Map();
      layers[gettext("Grid cells")] = this.cells;
      layers[gettext("Components")] = this.components;
      layers[gettext("Cases")] = this.pins;
      L.control.layers(null, layers, {collapsed: true}).addTo(this.map);
      L.control.scale({imperial: false}).addTo(this.map);
      this.ready = DCM.api("/api/console/map/cells/").then((fc) => {
        this.cells.addData(fc);
        if (fc.features.length) this.map.fitBounds(this.cells.getBounds(), {maxZoom: 17});
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
    focus(c) { this.map.setView([c.lat, c.lon], Math.max(this.map.getZoom(), 17)); }
    // Heat by cell (dashboard): fill each cell by its count of cases.
    heat(byCell) {
      this.ready.then(() => {
        const max = Math.max(1, ...Object.values(byCell));
        for (const [code, layer] of Object.entries(this.cellLayers || {})) {
          const n = byCell[code] || 0;
          layer.setStyle({fillColor: n ? "#c62828" : "#5b7fa6", fillOpacity: n ? 0.15 + 0.7 * n / max : 0.03});
          layer.setTooltipContent(code + ": " + n);
        }
      });
    }
  }
  DCM.Map = DcmMap;
})();
