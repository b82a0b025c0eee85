// The public portal: recently closed cases (map + cards with before/after photos) and the
// status lookup. Reads /api/portal/ only; everything it shows is public already.
(function () {
  "use strict";
  const $ = (s) => document.querySelector(s);
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g,
    (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  const get = async (url) => {
    const r = await fetch(url, {headers: {"Accept": "application/json"}});
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error((body.error && body.error.message) || r.statusText);
    return body;
  };
  const photos = (p) => (p.before ? `<img src="${p.before}" alt="处置前 before">` : "") +
    (p.after ? `<img src="${p.after}" alt="处置后 after">` : "");
  let map = null, layer = null;
  if (window.L && $("#map")) {
    map = L.map("map").setView([39.93, 116.41], 13);
    layer = L.layerGroup().addTo(map);
  }

  async function loadClosed() {
    const d = await get(`/api/portal/closed/?days=${$("#days").value}`);
    $("#cases").innerHTML = d.cases.map((c) => `<li><strong>${esc(c.class_name)}</strong>
      <div class="muted">${esc(c.street)} ${esc(c.community)} · ${esc(new Date(c.updated_at).toLocaleDateString())}</div>
      <div>${photos(c.photos)}</div><small>${esc(c.number)}</small></li>`).join("") ||
      "<li>暂无 None yet</li>";
    if (layer) {
      layer.clearLayers();
      const marks = d.cases.map((c) => L.marker([c.lat, c.lon]).bindPopup(
        `<strong>${esc(c.class_name)}</strong><br>${photos(c.photos)}`).addTo(layer));
      if (marks.length) map.fitBounds(L.featureGroup(marks).getBounds(), {maxZoom: 17});
    }
  }

  $("#lookup").addEventListener("submit", async (e) => {
    e.preventDefault();
    const number = new FormData(e.target).get("number").trim();
    try {
      const c = await get(`/api/portal/cases/${encodeURIComponent(number)}/`);
      $("#status").innerHTML = `<p><strong>${esc(c.number)}</strong> ${esc(c.class_name)} ·
        ${esc(c.state_zh)} <span lang="en">${esc(c.state_en)}</span></p>
        <p>${esc(c.description)}</p>${photos(c.photos)}
        <ol>${c.steps.map((s) => `<li>${esc(new Date(s.at).toLocaleString())} ${esc(s.action_zh)} ${esc(s.action_en)}</li>`).join("")}</ol>`;
    } catch (err) {
      $("#status").textContent = `未找到 Not found: ${err.message}`;
    }
  });
  $("#days").addEventListener("change", () => loadClosed().catch(() => {}));
  loadClosed().catch((err) => { $("#cases").textContent = err.message; });
})();
