// Supervision center and command center: a live queue of cases, the selected case's detail
// (photos, placement, class, possible duplicates, suggested department, history), a map, and
// the actions the server says this user may take (case.actions), with keyboard shortcuts:
//   ↓/j ↑/k select · 1–9 the nth action · the letter shown on a button · Enter map focus · ? help
(function () {
  "use strict";
  const {el, api} = DCM;
  const body = document.querySelector("#queue tbody");
  const cases = new Map();   // number -> summary (with actions)
  const rows = new Map();    // number -> <tr>
  let selected = null, tab = "todo", map = null;
  // The department terminal: no map, photos only on request (slow links), an alert on new work.
  const light = document.body.dataset.page === "department";

  function visibleInTab(c) {
    if (tab === "todo") return (c.actions || []).length > 0;
    if (tab === "open") return !DCM.finalStates.has(c.state);
    return true;
  }
  function actionButtons(c) {
    return (c.actions || []).map((a, i) => {
      const key = (DCM.wf.actions[a] || {}).shortcut;
      return el("button", {class: "act", "data-action": a, title: (i < 9 ? (i + 1) : "") + (key ? " / " + key : ""),
        onclick: (ev) => { ev.stopPropagation(); run(c.number, a); }}, DCM.label("actions", a),
        key ? el("kbd", {}, key) : null);
    });
  }
  function render(c) {
    cases.set(c.number, c);
    let tr = rows.get(c.number);
    if (!tr) {
      tr = el("tr", {dataset: {number: c.number}, tabindex: "-1", onclick: () => select(c.number)});
      rows.set(c.number, tr);
      body.prepend(tr);
    }
    tr.dataset.state = c.state;
    tr.replaceChildren(el("td", {}, DCM.lightEl(c)), el("td", {class: "num"}, c.number),
      el("td", {}, DCM.labelEl("states", c.state, "state")), el("td", {}, DCM.className(c)),
      el("td", {}, c.cell_code), el("td", {class: "desc"}, c.description),
      el("td", {}, c.department_name || ""), el("td", {}, DCM.time(c.deadline)),
      el("td", {class: "actions"}, actionButtons(c)));
    tr.hidden = !visibleInTab(c);
    tr.classList.toggle("selected", selected === c.number);
    if (map) map.pin(c, select);
    document.getElementById("count").textContent = [...rows.values()].filter((r) => !r.hidden).length;
  }
  function remove(number) {
    const tr = rows.get(number);
    if (tr) tr.remove();
    rows.delete(number); cases.delete(number);
    if (map) map.unpin(number);
    if (selected === number) { selected = null; document.getElementById("detail").replaceChildren(); }
  }
  function flash(number) {
    const tr = rows.get(number);
    if (tr) { tr.classList.remove("flash"); void tr.offsetWidth; tr.classList.add("flash"); }
  }

  async function loadAll() {
    const data = await api("/api/cases/?limit=300");
    for (const n of [...rows.keys()]) remove(n);
    for (const c of data.results.reverse()) render(c);
  }
  // A pushed summary has no per-user actions: show it at once, then fetch the user's view.
  const pending = new Map();
  function refresh(number) {
    clearTimeout(pending.get(number));
    pending.set(number, setTimeout(async () => {
      pending.delete(number);
      try {
        const d = await api("/api/cases/" + encodeURIComponent(number) + "/");
        render(d);
        if (selected === number) showDetail(d);
      } catch (e) { remove(number); }
    }, 80));
  }
  let beeper = null;
  function alertNew(c) {
    const box = document.getElementById("alert");
    if (!box) return;
    box.hidden = false;
    box.replaceChildren(el("strong", {}, gettext("New case") + ": "), c.number + " · " + DCM.className(c) +
      " · " + c.description, " ", el("button", {onclick: () => { box.hidden = true; select(c.number); }}, gettext("Open")));
    document.title = "(!) " + document.title.replace(/^\(!\) /, "");
    try {  // a short beep; browsers allow it once the user has interacted with the page
      beeper = beeper || new AudioContext();
      const o = beeper.createOscillator(); o.frequency.value = 880; o.connect(beeper.destination);
      o.start(); o.stop(beeper.currentTime + 0.25);
    } catch (e) { /* no audio: the banner is enough */ }
    if (window.Notification && Notification.permission === "granted") new Notification(gettext("New case"), {body: c.number});
  }
  function onCase(msg) {
    const known = cases.get(msg.case.number);
    if (light && !known && msg.case.department_code === document.body.dataset.department) alertNew(msg.case);
    render(Object.assign({}, msg.case, {actions: known ? known.actions : []}));
    flash(msg.case.number);
    refresh(msg.case.number);
  }

  function section(title, ...content) { return el("section", {}, el("h3", {}, title), ...content); }
  function showDetail(d) {
    const img = (p) => el("a", {href: p.url, target: "_blank"},
      el("img", {src: p.url, alt: photoKind(p.kind), class: "photo", loading: "lazy", title: photoKind(p.kind)}));
    // A report's photo waits for the photo cleaner ("pending") and is never served before; its
    // photo_cleaned event refreshes this case, which then shows it (or why it was refused).
    const photos = (d.photos || []).map((p) => p.state === "pending" ?
      el("span", {class: "photo placeholder pending", "data-state": "pending"}, gettext("Photo being processed…")) :
      p.state === "refused" ? el("span", {class: "photo placeholder refused", "data-state": "refused", title: p.reason || ""},
        gettext("Photo refused: not a usable image")) :
      light ? el("button", {class: "photo-btn", onclick: (ev) =>
        ev.currentTarget.replaceWith(img(p))}, gettext("Show photo") + " (" + photoKind(p.kind) + ")") : img(p));
    const dups = d.duplicates ? section(gettext("Possible duplicates"), d.duplicates.length ?
      el("ul", {class: "dups"}, d.duplicates.map((x) => el("li", {}, (x.number || "") + " " +
        (x.distance_m !== undefined ? Math.round(x.distance_m) + " m " : "") + gettext(x.why || x.reason || "")))) :
      el("p", {class: "muted"}, gettext("none"))) : null;
    const sd = d.suggested_department;
    document.getElementById("detail").replaceChildren(
      el("h2", {}, d.number, " ", DCM.labelEl("states", d.state, "state"), " ", DCM.lightEl(d)),
      el("div", {class: "photos"}, photos),
      el("dl", {},
        el("dt", {}, gettext("Class")), el("dd", {}, DCM.className(d) + " (" + d.kind + " " + d.class_code + ")"),
        el("dt", {}, gettext("Placement")), el("dd", {}, gettext("cell") + " " + d.cell_code + " · " + gettext("community") + " " + d.community_code + " · " + gettext("street") + " " + d.street_code),
        el("dt", {}, gettext("Position")), el("dd", {}, d.lat.toFixed(6) + ", " + d.lon.toFixed(6)),
        d.component_code ? el("dt", {}, gettext("Component")) : null, d.component_code ? el("dd", {}, d.component_code) : null,
        el("dt", {}, gettext("Description")), el("dd", {}, d.description),
        el("dt", {}, gettext("Department")), el("dd", {}, d.department_name || "—"),
        sd ? el("dt", {}, gettext("Suggested department")) : null, sd ? el("dd", {class: "suggested"}, sd.name + " (" + sd.code + ")") : null,
        el("dt", {}, gettext("Deadline")), el("dd", {}, DCM.time(d.deadline) || "—")),
      el("div", {class: "actions"}, actionButtons(d)),
      dups,
      section(gettext("History"), el("ol", {class: "events"}, (d.events || []).map((e) =>
        el("li", {}, DCM.time(e.at) + " ", DCM.labelEl("actions", e.action), " · " + e.actor +
          eventNote(e))))));
  }
  // What a step's data adds to its line: the photo cleaner's result in the page's language
  // (its reason for a refusal is recorded in English: shown after it, in brackets); other
  // steps show their reason as entered.
  function eventNote(e) {
    const data = e.data || {};
    if (e.action === "photo_cleaned")
      return " · " + (data.result === "refused" ? gettext("photo refused") + (data.reason ? " (" + data.reason + ")" : "")
        : gettext("photo ready"));
    return data.reason ? " · " + data.reason : "";
  }
  function photoKind(kind) {
    return {before: gettext("Reported photo"), after: gettext("Photo after handling"),
      check: gettext("Check photo"), verify: gettext("Verification photo"),
      self: gettext("Self-handled photo")}[kind] || kind;
  }
  async function select(number) {
    selected = number;
    for (const [n, tr] of rows) tr.classList.toggle("selected", n === number);
    const tr = rows.get(number);
    if (tr) tr.scrollIntoView({block: "nearest"});
    const c = cases.get(number);
    if (map && c) map.focus(c);
    try {  // the detail carries what the list lacks (suggested department, duplicates)
      const d = await api("/api/cases/" + encodeURIComponent(number) + "/");
      cases.set(number, Object.assign(cases.get(number) || {}, d));
      showDetail(d);
    } catch (e) { /* gone */ }
  }
  async function run(number, action) {
    const c = cases.get(number);
    if (!c) return;
    const out = await DCM.act(c, action);
    if (out) { render(out); refresh(number); }
  }

  function move(step) {
    const list = [...body.querySelectorAll("tr:not([hidden])")];
    if (!list.length) return;
    let i = list.findIndex((tr) => tr.dataset.number === selected);
    i = Math.max(0, Math.min(list.length - 1, i < 0 ? 0 : i + step));
    select(list[i].dataset.number);
  }
  document.addEventListener("keydown", (ev) => {
    if (ev.target.closest("input,select,textarea,dialog") || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const c = selected && cases.get(selected);
    if (ev.key === "ArrowDown" || ev.key === "j") { move(1); ev.preventDefault(); }
    else if (ev.key === "ArrowUp" || ev.key === "k") { move(-1); ev.preventDefault(); }
    else if (ev.key === "?") document.getElementById("keys").toggleAttribute("open");
    else if (c && /^[1-9]$/.test(ev.key) && c.actions[+ev.key - 1]) { run(c.number, c.actions[+ev.key - 1]); ev.preventDefault(); }
    else if (c) {
      const a = (c.actions || []).find((x) => (DCM.wf.actions[x] || {}).shortcut === ev.key);
      if (a) { run(c.number, a); ev.preventDefault(); }
    }
  });
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => {
    tab = b.dataset.tab;
    for (const x of document.querySelectorAll("#tabs button")) x.classList.toggle("current", x === b);
    for (const [n, tr] of rows) tr.hidden = !visibleInTab(cases.get(n));
    document.getElementById("count").textContent = [...rows.values()].filter((r) => !r.hidden).length;
  });

  (async () => {
    await DCM.load({departments: !light, supervisors: !light});
    const config = document.getElementById("map-config");
    if (window.L && config) DCM.map = map = new DCM.Map("map", JSON.parse(config.textContent));
    // Listen first, then load: an event committed while the list loads is applied after it
    // (applying a case twice is harmless; missing one is not).
    const early = [];
    let loaded = false;
    DCM.live = new DCM.Live({onCase: (m) => (loaded ? onCase(m) : early.push(m)),
      onReset: loadAll, onStatus: DCM.statusEl});
    await loadAll();
    loaded = true;
    early.forEach(onCase);
    if (![...cases.values()].some((c) => (c.actions || []).length)) document.querySelector('#tabs [data-tab="open"]').click();
    document.body.dataset.ready = "1";
  })();
})();
