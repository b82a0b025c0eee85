// The hotline page: address suggestions while typing, a map click for the point, the dry-run
// duplicate check before saving, saving through /api/hotline/calls/, and the callback list.
// Plain JS, no build step; talks to server/hotline/api.py only.
(function () {
  "use strict";
  const $ = (sel) => document.querySelector(sel);
  const csrf = () => (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
  const api = async (url, opts = {}) => {
    const r = await fetch(url, {credentials: "same-origin", ...opts,
      headers: {"Accept": "application/json", "X-CSRFToken": csrf(), ...(opts.headers || {})}});
    const body = await r.json().catch(() => ({}));
    if (!r.ok) {
      const e = body.error || {};
      throw Object.assign(new Error(e.message || r.statusText), {code: e.code, field: e.field});
    }
    return body;
  };
  // The intake door's common refusals, said for a call-taker in the page's language (the
  // server's own words stay as the tooltip).
  const gettext = window.gettext || ((s) => s);
  const unknownClass = gettext("Unknown class: reload the page and pick the class again");
  const badPoint = gettext("The latitude/longitude is not valid");
  const refusals = {
    "outside_area": gettext("The point is outside the managed area: click the map inside it"),
    "invalid:class_code": unknownClass, "invalid:kind": unknownClass,
    "invalid:lat": badPoint, "invalid:lon": badPoint,
    "invalid:caller_phone": gettext("Not a phone number"),
    "invalid:address": gettext("No point: click the map, or pick an address from the list"),
    "role_not_allowed": gettext("This account may not register calls"),
    "no_map": gettext("No active map: ask the map keeper"),
  };
  const fmt = (f, args) => (window.interpolate ? interpolate(f, args) : f);
  // Codes the API sends, named in the page's language.
  const stateNames = JSON.parse((document.getElementById("state-names") || {}).textContent || "{}");
  const channelNames = {handset: gettext("Supervisor's handset"), hotline: gettext("Hotline"),
    web: gettext("Website"), open311: gettext("Open311"), video: gettext("Video")};
  const whyNames = {same_component: gettext("same component"), same_class_nearby: gettext("same class nearby")};
  const lang = document.documentElement.lang || "zh-hans";
  const placeKinds = {road: gettext("road"), alley: gettext("alley"), compound: gettext("compound"),
    door_plate: gettext("door plate"), poi: gettext("point of interest")};
  const refusalText = (err) => refusals[err.code + ":" + err.field] || refusals[err.code] || err.message;
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g,
    (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  const form = $("#call");
  let marker = null, map = null, suggestions = [];

  function setPoint(lat, lon, label) {
    $("#lat").value = lat.toFixed(7);
    $("#lon").value = lon.toFixed(7);
    if (label) $("#place-note").textContent = label;
    if (map) {
      if (!marker) marker = L.marker([lat, lon]).addTo(map); else marker.setLatLng([lat, lon]);
      map.setView([lat, lon], Math.max(map.getZoom(), 16));
    }
    checkDuplicates();
  }

  function initMap() {
    if (!window.L || !$("#map")) return;
    map = L.map("map", {preferCanvas: true, maxZoom: 20}).setView([39.93, 116.41], 14);
    map.attributionControl.setPrefix(false);
    // The base map (streets and names) is what a call-taker aims at. Without one, a faint dot
    // per cell of the active map, on one canvas (thousands of cells: no SVG element each).
    const base = window.DCMBaseMap ? DCMBaseMap.load(map) : Promise.resolve({tiles: null});
    base.then((b) => {
      if (b.layer && b.layer.bounds) {
        const [w, s, e, n] = b.layer.bounds;
        map.fitBounds([[s, w], [n, e]]);
      }
      if (b.tiles) return;
      api("/api/map/cells/").then((d) => {
        const dots = L.layerGroup(d.cells.map((c) => L.circleMarker([c.lat, c.lon],
          {radius: 1.5, weight: 0, fillOpacity: 0.5}))).addTo(map);
        if (d.cells.length && !(b.layer && b.layer.bounds)) map.fitBounds(L.featureGroup(dots.getLayers()).getBounds());
      }).catch(() => {});
    });
    map.on("click", async (e) => {
      $("#place_code").value = "";
      setPoint(e.latlng.lat, e.latlng.lng, gettext("Picked on the map"));
      try {
        const d = await api(`/api/hotline/places/reverse/?lat=${e.latlng.lat}&lon=${e.latlng.lng}`);
        if (d.result) {
          $("#address").value = d.result.name;
          $("#place-note").textContent = fmt(gettext("Nearest address: %s"), [d.result.name]);
        }
      } catch (err) { /* no gazetteer: the point is enough */ }
    });
  }

  let timer = null;
  function onAddressInput() {
    clearTimeout(timer);
    const q = $("#address").value.trim();
    const picked = suggestions.find((m) => m.name === q);
    if (picked) {
      $("#place_code").value = picked.code;
      setPoint(picked.lat, picked.lon, `${picked.name} (${placeKinds[picked.kind] || picked.kind})`);
      return;
    }
    $("#place_code").value = "";
    if (!q) return;
    timer = setTimeout(async () => {
      try {
        const d = await api(`/api/hotline/places/suggest/?q=${encodeURIComponent(q)}`);
        suggestions = d.results;
        $("#address-list").innerHTML = d.results.map((m) => `<option value="${esc(m.name)}">`).join("");
      } catch (err) { suggestions = []; }
    }, 200);
  }

  async function geocodeOnBlur() {
    const q = $("#address").value.trim();
    if (!q || $("#place_code").value || $("#lat").value) return;
    try {
      const d = await api(`/api/hotline/places/geocode/?q=${encodeURIComponent(q)}`);
      const best = d.results[0];
      if (best && best.score >= 0.6) {
        $("#place_code").value = best.code;
        setPoint(best.lat, best.lon, `${best.name} (${Math.round(best.score * 100)}%)`);
      } else {
        $("#place-note").textContent = gettext("Address not found: click the map");
      }
    } catch (err) { /* leave it to the user */ }
  }

  function classParts() {
    const [kind, code] = ($("#class").value || ":").split(":");
    return {kind, code};
  }

  async function checkDuplicates() {
    const {kind, code} = classParts();
    const lat = $("#lat").value, lon = $("#lon").value;
    const box = $("#dups");
    if (!kind || !code || !lat || !lon) { box.hidden = true; return; }
    try {
      const d = await api(`/api/hotline/duplicates/?kind=${kind}&class_code=${code}&lat=${lat}&lon=${lon}`);
      box.hidden = !d.duplicates.length;
      box.querySelector("ul").innerHTML = d.duplicates.map((c) =>
        `<li><a href="/console/case/${encodeURIComponent(c.number)}/"><strong>${esc(c.number)}</strong></a> ` +
        `${esc(stateNames[c.state] || c.state)} · ${esc(channelNames[c.channel] || c.channel)} · ` +
        `${Math.round(c.distance_m)} m · ${esc(whyNames[c.why] || c.why)}</li>`).join("");
    } catch (err) { box.hidden = true; }
  }

  async function save(e) {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    const {kind, code} = classParts();
    const body = {idempotency_key: form.dataset.key || (form.dataset.key = crypto.randomUUID()),
      line: data.line, caller_name: data.caller_name, caller_phone: data.caller_phone,
      address: data.address, place_code: data.place_code, kind, class_code: code,
      description: data.description, urgency: data.urgency};
    if (data.lat && data.lon) { body.lat = Number(data.lat); body.lon = Number(data.lon); }
    try {
      const d = await api("/api/hotline/calls/", {method: "POST",
        headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
      $("#result").title = "";
      $("#result").textContent = fmt(gettext("Saved: %s"), [d.number]) +
        (d.verify_by && d.verify_by.length ? " · " + fmt(gettext("verification: %s"), [d.verify_by.join(", ")]) : "");
      form.reset(); delete form.dataset.key; $("#dups").hidden = true;
    } catch (err) {
      $("#result").textContent = fmt(gettext("Not saved: %s"), [refusalText(err)]);
      $("#result").title = err.message;
    }
  }

  async function loadCallbacks() {
    const tbody = $("#callbacks tbody");
    try {
      const d = await api("/api/hotline/callbacks/");
      tbody.innerHTML = d.results.map((c) => `<tr data-number="${esc(c.number)}">
        <td><a href="/console/case/${encodeURIComponent(c.number)}/">${esc(c.number)}</a></td>
        <td>${esc(channelNames[c.channel] || c.channel)}</td>
        <td translate="no">${c.contact ? esc(`${c.contact.name} ${c.contact.phone}`) : "—"}</td>
        <td>${esc(new Date(c.closed_at).toLocaleString(lang.startsWith("en") ? "en-GB" : "zh-CN"))}</td>
        <td>${[1, 2, 3, 4, 5].map((n) => `<button data-s="${n}">${n}</button>`).join("")}</td></tr>`).join("") ||
        `<tr><td colspan="5" class="muted">${esc(gettext("No case is waiting for a callback."))}</td></tr>`;
    } catch (err) { tbody.innerHTML = `<tr><td colspan="5">${esc(err.message)}</td></tr>`; }
  }

  $("#callbacks").addEventListener("click", async (e) => {
    const b = e.target.closest("button[data-s]");
    if (!b) return;
    const number = b.closest("tr").dataset.number;
    try {
      await api(`/api/hotline/callbacks/${encodeURIComponent(number)}/`, {method: "POST",
        headers: {"Content-Type": "application/json"},
        body: JSON.stringify({satisfaction: Number(b.dataset.s)})});
    } catch (err) { alert(err.message); }
    loadCallbacks();
  });

  if (form) {
    initMap();
    $("#address").addEventListener("input", onAddressInput);
    $("#address").addEventListener("change", onAddressInput);
    $("#address").addEventListener("blur", geocodeOnBlur);
    $("#class").addEventListener("change", checkDuplicates);
    ["#lat", "#lon"].forEach((s) => $(s).addEventListener("change", checkDuplicates));
    form.addEventListener("submit", save);
  }
  loadCallbacks();
})();
