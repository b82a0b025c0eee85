// The case page (/console/case/<number>/): the whole story of one case (story.js), its place
// on the map, and the steps this user may take; live: each pushed event of this case re-reads it.
(function () {
  "use strict";
  const number = document.body.dataset.number;
  let c = null, timer = null;

  function buttons(d) {
    return DCM.offered(d).map((a) => DCM.el("button", {class: "act", "data-action": a,
      onclick: async () => { const out = await DCM.act(c, a); if (out) load(); }}, DCM.label("actions", a)));
  }
  async function load() {
    try {
      c = await DCM.api("/api/cases/" + encodeURIComponent(number) + "/");
    } catch (e) {
      document.getElementById("detail").replaceChildren(DCM.el("p", {class: "error"}, e.message));
      return;
    }
    document.getElementById("detail").replaceChildren(DCM.story(c, {link: false, buttons}));
    if (DCM.map) { DCM.map.pin(c, () => {}); DCM.map.focus(c); }
    document.title = c.number + " · " + DCM.label("states", c.state);
  }
  (async () => {
    await DCM.load({departments: true, supervisors: true});
    if (window.L && document.getElementById("map")) DCM.map = new DCM.Map("map");
    DCM.live = new DCM.Live({onCase: (m) => {
      if (m.case.number !== number) return;
      clearTimeout(timer); timer = setTimeout(load, 80);
    }, onReset: load, onStatus: DCM.statusEl});
    await load();
    document.body.dataset.ready = "1";
  })();
})();
