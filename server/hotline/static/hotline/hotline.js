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
  // The intake door's refusals name the problem in English; this page is bilingual, so the
  // common ones get both languages (the server's words stay as the tooltip).
  const refusals = {
    "outside_area": "地点不在管辖区域内 The point is outside the managed area: click the map inside it",
    "invalid:class_code": "类别不存在 Unknown class: reload the page and pick the class again",
    "invalid:kind": "类别不存在 Unknown class: reload the page and pick the class again",
    "invalid:lat": "坐标无效 The latitude/longitude is not valid",
    "invalid:lon": "坐标无效 The latitude/longitude is not valid",
    "invalid:caller_phone": "电话号码无效 Not a phone number",
    "invalid:address": "找不到地点 No point: click the map, or pick an address from the list",
    "role_not_allowed": "无登记权限 This account may not register calls",
    "no_map": "暂无生效的网格地图 No active map: ask the map keeper",
  };
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
      setPoint(e.latlng.lat, e.latlng.lng, "地图选点 Picked on the map");
      try {
        const d = await api(`/api/hotline/places/reverse/?lat=${e.latlng.lat}&lon=${e.latlng.lng}`);
        if (d.result) {
          $("#address").value = d.result.name;
          $("#place-note").textContent = `最近地址 Nearest address: ${d.result.name}`;
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
      setPoint(picked.lat, picked.lon, `${picked.name} (${picked.kind})`);
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
        $("#place-note").textContent = "未找到该地址，请在地图上点击 Address not found: click the map";
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
        `<li><strong>${esc(c.number)}</strong> ${esc(c.state)} · ${esc(c.channel)} · ${c.distance_m} m · ${esc(c.why)}</li>`).join("");
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
      $("#result").textContent = `已登记 Saved: ${d.number}` +
        (d.verify_by && d.verify_by.length ? ` · 核实 verification: ${d.verify_by.join(", ")}` : "");
      form.reset(); delete form.dataset.key; $("#dups").hidden = true;
    } catch (err) {
      $("#result").textContent = `未保存 Not saved: ${refusalText(err)}`;
      $("#result").title = err.message;
    }
  }

  async function loadCallbacks() {
    const tbody = $("#callbacks tbody");
    try {
      const d = await api("/api/hotline/callbacks/");
      tbody.innerHTML = d.results.map((c) => `<tr data-number="${esc(c.number)}">
        <td>${esc(c.number)}</td><td>${esc(c.channel)}</td>
        <td>${c.contact ? esc(`${c.contact.name} ${c.contact.phone}`) : "—"}</td>
        <td>${esc(new Date(c.closed_at).toLocaleString())}</td>
        <td>${[1, 2, 3, 4, 5].map((n) => `<button data-s="${n}">${n}</button>`).join("")}</td></tr>`).join("");
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
