// Supervision center, command center and department terminal: one page of the case search
// (server-side filters, order and paging: GET /api/cases/), kept live by the websocket; the
// selected case's story beside it (story.js); the actions the server says this user may take
// (case.actions), with keyboard shortcuts:
//   ↓/j ↑/k select · 1–9 the nth action · the letter shown on a button · ? help
// The filters live in the address (?q=...&state=...): a search is a link to keep or send.
(function () {
  "use strict";
  const {el, api} = DCM;
  const body = document.querySelector("#queue tbody");
  const form = document.getElementById("search");
  const PAGE = 50;
  let cases = new Map();     // number -> summary (with actions), the rows of this page
  let rows = new Map();      // number -> <tr>
  let selected = null, tab = "todo", map = null, offset = 0, total = 0, reloadTimer = null;
  // The department terminal: no map, photos only on request (slow links), an alert on new work.
  const light = document.body.dataset.page === "department";

  // A row offers the steps that move the case; the story beside it (``all``) the notes too
  // (督办 urge, 批转意见 comment).
  function actionButtons(c, all) {
    return DCM.offered(c).filter((a) => all === true || !DCM.isNote(a)).map((a, i) => {
      const key = (DCM.wf.actions[a] || {}).shortcut;
      return el("button", {class: "act" + (DCM.isNote(a) ? " note" : ""), "data-action": a, title: (i < 9 ? (i + 1) : "") + (key ? " / " + key : ""),
        onclick: (ev) => { ev.stopPropagation(); run(c.number, a); }}, DCM.label("actions", a),
        key ? el("kbd", {}, key) : null);
    });
  }
  function leftEl(c) {
    const left = DCM.left(c);
    return el("span", {class: "left" + (left.late ? " late" : "")}, left.text);
  }
  function fill(tr, c) {
    const lt = DCM.light(c);
    tr.dataset.state = c.state;
    tr.dataset.light = lt;
    tr.classList.toggle("overdue", lt === "red" || DCM.left(c).late);
    tr.classList.toggle("urged", light && unacked(c));
    tr.replaceChildren(...[el("td", {class: "c-light"}, DCM.lightEl(c)),
      el("td", {class: "c-num"}, el("a", {href: "/console/case/" + encodeURIComponent(c.number) + "/",
        onclick: (ev) => ev.stopPropagation()}, c.number)),
      el("td", {class: "c-state"}, DCM.labelEl("states", c.state, "state")),
      el("td", {class: "c-class", title: DCM.className(c)}, DCM.className(c, true)),
      el("td", {class: "c-place", title: c.cell_code, translate: "no"}, DCM.place(c)),
      el("td", {class: "c-desc", title: c.description, translate: "no"}, urgeBadge(c), c.description),
      light ? null : el("td", {class: "c-dept", title: c.department_name || "", translate: "no"}, c.department_name || ""),
      el("td", {class: "c-left", title: DCM.time(c.deadline)}, leftEl(c)),
      el("td", {class: "c-actions"}, actionButtons(c))].filter(Boolean));
    tr.classList.toggle("selected", selected === c.number);
  }
  // --- urges (督办) -----------------------------------------------------------------------------
  // Every console shows a case's urge count, and whether the department has read them; the
  // department terminal keeps an urged case highlighted, and in the banner, until someone of
  // the department says "got it" (督办已阅, a step of the case: every screen of the department
  // drops it from the push, and a page loaded later knows it from the row).
  function unacked(c) { return !!c.urge_unacknowledged; }
  function urgeBadge(c) {
    if (!c.urge_count) return null;
    const read = unacked(c) ? gettext("not yet acknowledged by the department") : gettext("acknowledged by the department");
    return el("span", {class: "urged-badge" + (unacked(c) ? "" : " read"), translate: "yes",
      title: interpolate(gettext("Urges: %s"), [c.urge_count]) + " · " + read},
      DCM.label("actions", "urge") + (c.urge_count > 1 ? " ×" + c.urge_count : ""));
  }
  const urgeNotes = new Map();  // number -> the newest urge's step (note, level, who), once known
  async function acknowledge(number, button) {
    const c = cases.get(number);
    if (!c) return;
    button.disabled = true;
    try {
      const out = await DCM.acknowledge(c);
      if (out) render(out);
      else refresh(number);  // someone else was first: their step is on its way too
    } catch (e) {
      button.disabled = false;
      button.after(el("span", {class: "error", role: "alert"}, " " + e.message));
      return;
    }
    showUrges();
    if (selected === number) refresh(number);
  }
  function showUrges() {
    const box = document.getElementById("urges");
    if (!box) return;
    const open = [...cases.values()].filter(unacked);
    box.hidden = !open.length;
    for (const c of open) if (!urgeNotes.has(c.number)) fetchUrge(c.number).then(showUrges);
    box.replaceChildren(...open.map((c) => {
      const step = urgeNotes.get(c.number), data = (step && step.data) || {};
      // The sender's name and the urge's words are data, shown as entered (translate="no").
      const who = step && step.by ? [" · ", el("span", {translate: "no"}, step.by.name),
        " (" + (DCM.lang === "zh" ? step.by.role_zh : step.by.role_en) + ")"] : [];
      return el("div", {class: "urge" + (data.level === "high" ? " high" : ""), dataset: {number: c.number}},
        el("strong", {}, (data.level ? DCM.choiceLabel(data.level) : DCM.label("actions", "urge")) +
          (c.urge_count > 1 ? " ×" + c.urge_count : "") + ": "),
        el("span", {class: "num"}, c.number), " · " + DCM.className(c), ...who,
        data.note ? el("q", {class: "urge-note", translate: "no"}, data.note) : null, " ",
        el("button", {type: "button", onclick: () => select(c.number)}, gettext("Show case")), " ",
        el("button", {type: "button", class: "primary ack", onclick: (ev) => acknowledge(c.number, ev.currentTarget)}, gettext("Got it")));
    }));
  }
  // The urge's words and who sent it: the newest urge step of the case's story (asked once
  // per urge; without it the banner names the case alone).
  async function fetchUrge(number) {
    urgeNotes.set(number, null);
    try {
      const d = await api("/api/cases/" + encodeURIComponent(number) + "/");
      urgeNotes.set(number, (d.events || []).filter((e) => e.action === "urge").pop() || null);
    } catch (e) { /* gone, or offline */ }
  }
  async function alertUrge(c) {
    if (!unacked(c)) return;  // an urge replayed after a reconnect, already acknowledged here
    await fetchUrge(c.number);
    showUrges();
    beep();
    document.title = "(!) " + document.title.replace(/^\(!\) /, "");
  }

  function render(c) {
    cases.set(c.number, c);
    const tr = rows.get(c.number);
    if (tr) fill(tr, c);
    if (map) map.pin(c, select);
  }
  function flash(number) {
    const tr = rows.get(number);
    if (tr) { tr.classList.remove("flash"); void tr.offsetWidth; tr.classList.add("flash"); }
  }

  // --- the search ----------------------------------------------------------------------------
  function params() {
    const q = new URLSearchParams();
    for (const e of form.elements) if (e.name && e.value && !(e.name === "sort" && e.value === "urgent")) q.set(e.name, e.value);
    return q;
  }
  function apiQuery() {
    const q = params();
    if (tab === "todo") q.set("todo", "true"); else if (tab === "open") q.set("open", "true");
    q.set("limit", PAGE); q.set("offset", offset);
    return q;
  }
  function showPager() {
    const info = document.getElementById("page-info");
    info.textContent = total ? interpolate(gettext("%s–%s of %s"), [offset + 1, Math.min(offset + PAGE, total), total]) : gettext("no cases");
    document.querySelector('#pager [data-go="prev"]').disabled = offset === 0;
    document.querySelector('#pager [data-go="next"]').disabled = offset + PAGE >= total;
    document.getElementById("count").textContent = interpolate(ngettext("%s case", "%s cases", total), [total]);
  }
  async function loadPage() {
    const q = params();
    if (tab !== "todo") q.set("tab", tab);
    if (offset) q.set("page", Math.floor(offset / PAGE) + 1);
    history.replaceState(null, "", location.pathname + (q.toString() ? "?" + q : ""));
    const data = await api("/api/cases/?" + apiQuery());
    DCM.skew = Date.parse(data.now) - Date.now();
    total = data.count;
    if (map) for (const n of cases.keys()) map.unpin(n);
    cases = new Map(); rows = new Map();
    const trs = data.results.map((c) => {
      const tr = el("tr", {dataset: {number: c.number}, tabindex: "-1", onclick: () => select(c.number)});
      rows.set(c.number, tr); cases.set(c.number, c); fill(tr, c);
      if (map) map.pin(c, select);
      return tr;
    });
    body.replaceChildren(...trs);
    showPager();
    if (light) showUrges();
  }
  function reloadSoon(ms) {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => loadPage().catch(() => {}), ms);
  }
  function fromAddress() {
    const q = new URLSearchParams(location.search);
    for (const e of form.elements) if (e.name && q.has(e.name)) e.value = q.get(e.name);
    tab = q.get("tab") || tab;
    offset = Math.max(0, (parseInt(q.get("page"), 10) || 1) - 1) * PAGE;
    for (const x of document.querySelectorAll("#tabs button")) x.classList.toggle("current", x.dataset.tab === tab);
  }
  // A picker's choice; ``data``: a name (street, department) shown as stored in either language.
  function option(value, label, title, data) {
    return el("option", {value, title: title || null, translate: data ? "no" : null}, label);
  }
  async function fillPickers() {
    const add = (name, opts) => { const s = form.elements[name]; if (s) s.append(...opts); };
    add("state", Object.values(DCM.wf.states).map((s) => option(s.code, s[DCM.lang])));
    add("channel", ["handset", "hotline", "web", "open311", "video"].map((c) => option(c, DCM.channelName(c))));
    const classes = Object.values(DCM.classes).sort((a, b) => (a.kind + a.code).localeCompare(b.kind + b.code));
    const seen = new Set();
    add("class_code", classes.filter((c) => !seen.has(c.code) && seen.add(c.code)).map((c) =>
      option(c.code, DCM.className({kind: c.kind, class_code: c.code}), c.code)));
    add("department", DCM.departments.map((d) => option(d.code, d.name, d.code, true)));
    try {
      const places = await api("/api/console/places/");
      add("street", places.streets.map((s) => option(s.code, s.name, s.code, true)));
      add("community", places.communities.map((c) => option(c.code, c.name, c.code, true)));
    } catch (e) { /* no active map: the pickers stay empty */ }
  }

  // --- live ----------------------------------------------------------------------------------
  // The selected case's story after a push (the list itself renders from the push).
  const pending = new Map();
  function refresh(number) {
    clearTimeout(pending.get(number));
    pending.set(number, setTimeout(async () => {
      pending.delete(number);
      try {
        const d = await api("/api/cases/" + encodeURIComponent(number) + "/");
        render(d);
        if (selected === number) showDetail(d);
      } catch (e) { reloadSoon(200); }
    }, 80));
  }
  let beeper = null;
  function beep() {
    try {  // a short beep; browsers allow it once the user has interacted with the page
      beeper = beeper || new AudioContext();
      const o = beeper.createOscillator(); o.frequency.value = 880; o.connect(beeper.destination);
      o.start(); o.stop(beeper.currentTime + 0.25);
    } catch (e) { /* no audio: the banner is enough */ }
  }
  function alertNew(c) {
    const box = document.getElementById("alert");
    if (!box) return;
    box.hidden = false;
    box.replaceChildren(el("strong", {}, gettext("New case") + ": "), c.number + " · " + DCM.className(c) +
      " · " + c.description, " ", el("button", {onclick: () => { box.hidden = true; select(c.number); }}, gettext("Show case")));
    document.title = "(!) " + document.title.replace(/^\(!\) /, "");
    beep();
    if (window.Notification && Notification.permission === "granted") new Notification(gettext("New case"), {body: c.number});
  }
  function onCase(msg) {
    const number = msg.case.number, known = cases.get(number);
    if (light && !known && msg.case.department_code === document.body.dataset.department) alertNew(msg.case);
    const gone = light && msg.case.department_code !== document.body.dataset.department;
    if (known && !gone) {  // on this page: repainted from the push, buttons from the table
      render(Object.assign({}, msg.case, {actions: DCM.actionsFor(msg.case)}));
      flash(number);
      if (tab === "todo" && !DCM.actionsFor(msg.case).filter((a) => !DCM.isNote(a)).length) reloadSoon(300);  // done here
    } else {
      reloadSoon(300);  // may belong on this page now, or not any more: ask the search again
    }
    if (selected === number) refresh(number);  // the open story: its new step and photos
    if (light && msg.event.action === "urge" && !gone) alertUrge(msg.case);
    else if (light) showUrges();  // read at another screen of the department: the banner drops it
  }

  function showDetail(d) {
    document.getElementById("detail").replaceChildren(DCM.story(d, {light, buttons: (x) => actionButtons(x, true)}));
  }
  async function select(number) {
    selected = number;
    for (const [n, tr] of rows) tr.classList.toggle("selected", n === number);
    const tr = rows.get(number);
    if (tr) tr.scrollIntoView({block: "nearest"});
    const c = cases.get(number);
    if (map && c) map.focus(c);
    try {  // the detail carries what the list lacks (the story, duplicates, suggestion)
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
    const list = [...body.querySelectorAll("tr")];
    if (!list.length) return;
    let i = list.findIndex((tr) => tr.dataset.number === selected);
    i = Math.max(0, Math.min(list.length - 1, i < 0 ? 0 : i + step));
    select(list[i].dataset.number);
  }
  document.addEventListener("keydown", (ev) => {
    if (ev.target.closest("input,select,textarea,dialog") || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const c = selected && cases.get(selected);
    // A letter an action of the selected case shows goes to that action (no action uses j, k
    // or ?: server/consoles/workflow_meta.py); the arrows always move.
    const a = c && (c.actions || []).find((x) => (DCM.wf.actions[x] || {}).shortcut === ev.key);
    if (a) { run(c.number, a); ev.preventDefault(); }
    else if (ev.key === "ArrowDown" || ev.key === "j") { move(1); ev.preventDefault(); }
    else if (ev.key === "ArrowUp" || ev.key === "k") { move(-1); ev.preventDefault(); }
    else if (ev.key === "?") document.getElementById("keys").toggleAttribute("open");
    else if (c && /^[1-9]$/.test(ev.key) && c.actions[+ev.key - 1]) { run(c.number, c.actions[+ev.key - 1]); ev.preventDefault(); }
  });
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => {
    tab = b.dataset.tab; offset = 0;
    for (const x of document.querySelectorAll("#tabs button")) x.classList.toggle("current", x === b);
    loadPage();
  });
  form.addEventListener("submit", (ev) => { ev.preventDefault(); offset = 0; loadPage(); });
  form.addEventListener("change", (ev) => { if (ev.target.tagName === "SELECT" || ev.target.type === "date") { offset = 0; loadPage(); } });
  form.addEventListener("reset", () => setTimeout(() => { offset = 0; loadPage(); }, 0));
  document.getElementById("pager").addEventListener("click", (ev) => {
    const go = ev.target.closest("button") && ev.target.closest("button").dataset.go;
    if (!go) return;
    offset = Math.max(0, offset + (go === "next" ? PAGE : -PAGE));
    loadPage();
  });
  // Countdowns tick (and a row turns red when its time is up) without a server round trip.
  setInterval(() => { for (const [n, tr] of rows) fill(tr, cases.get(n)); }, 30000);

  (async () => {
    await DCM.load({departments: true, supervisors: !light});
    await fillPickers();
    fromAddress();
    if (window.L && document.getElementById("map")) DCM.map = map = new DCM.Map("map");
    // Listen first, then load: an event committed while the list loads is applied after it
    // (applying a case twice is harmless; missing one is not).
    const early = [];
    let loaded = false;
    DCM.live = new DCM.Live({onCase: (m) => (loaded ? onCase(m) : early.push(m)),
      onReset: loadPage, onStatus: DCM.statusEl});
    await loadPage();
    if (!total && tab === "todo" && !location.search) document.querySelector('#tabs [data-tab="open"]').click();
    loaded = true;
    early.forEach(onCase);
    document.body.dataset.ready = "1";
  })();
})();
