// Centre console and department terminal: a live table of cases.
// Reads /api/cases/, listens on /ws/events/, acts through /api/cases/<n>/actions/<a>/.
// On every (re)connect the list is fetched again, so nothing changed while offline is missed.
(function () {
  "use strict";
  const LABELS = {accept: "受理 Accept", reject: "不予受理 Reject", file: "立案 File",
    void: "作废 Void", dispatch: "派遣 Dispatch", dept_accept: "签收 Take on",
    feedback: "反馈 Feed back", request_check: "派核查 Send check", check: "核查 Check",
    close: "结案 Close"};
  const FIELDS = {reject: ["reason"], void: ["reason"], dispatch: ["department"],
    feedback: ["photo", "note"], check: ["result", "photo", "note"]};
  const table = document.querySelector("#cases tbody");
  const rows = new Map();
  let departments = [];

  function csrf() {
    const m = document.cookie.match(/csrftoken=([^;]+)/);
    return m ? m[1] : "";
  }
  async function api(path, opts) {
    const r = await fetch(path, Object.assign({credentials: "same-origin",
      headers: {"X-CSRFToken": csrf(), "Accept": "application/json"}}, opts || {}));
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error((body.error && body.error.message) || r.statusText);
    return body;
  }
  function cell(text) { const td = document.createElement("td"); td.textContent = text ?? ""; return td; }

  function render(c) {
    let tr = rows.get(c.number);
    if (!tr) {
      tr = document.createElement("tr");
      tr.dataset.number = c.number;
      rows.set(c.number, tr);
      table.prepend(tr);
    }
    tr.replaceChildren(cell(c.number), cell(c.state_zh + " " + c.state), cell(c.class_code),
      cell(c.cell_code), cell(c.description), cell(c.department_name || ""),
      cell(c.deadline ? new Date(c.deadline).toLocaleString() : ""));
    tr.dataset.state = c.state;
    const td = document.createElement("td");
    for (const a of c.actions || []) {
      const b = document.createElement("button");
      b.textContent = LABELS[a] || a;
      b.dataset.action = a;
      b.addEventListener("click", () => openAction(c, a));
      td.append(b);
    }
    tr.append(td);
    tr.classList.remove("flash"); void tr.offsetWidth; tr.classList.add("flash");
    document.getElementById("count").textContent = rows.size;
  }

  async function refresh(number) {
    try { render(await api("/api/cases/" + encodeURIComponent(number) + "/")); }
    catch (e) { const tr = rows.get(number); if (tr) { tr.remove(); rows.delete(number); } }
  }
  async function loadAll() {
    const data = await api("/api/cases/?limit=200");
    for (const c of data.results.reverse()) render(c);
  }

  function openAction(c, action) {
    const dlg = document.getElementById("act");
    const form = document.getElementById("actform");
    form.reset();
    document.getElementById("acterror").textContent = "";
    document.getElementById("acttitle").textContent = (LABELS[action] || action) + " · " + c.number;
    for (const f of ["department", "reason", "result", "photo", "note"])
      document.getElementById("f-" + f).hidden = !(FIELDS[action] || []).includes(f);
    const sel = form.elements.department_code;
    sel.replaceChildren(...departments.map(d => new Option(d.name + " (" + d.code + ")", d.code)));
    form.onsubmit = async (ev) => {
      if (ev.submitter && ev.submitter.value === "cancel") return;
      ev.preventDefault();
      const fd = new FormData();
      for (const f of FIELDS[action] || []) {
        const name = f === "department" ? "department_code" : f;
        const el = form.elements[name];
        if (f === "photo") { if (el.files[0]) fd.append("photo", el.files[0]); }
        else if (el.value) fd.append(name, el.value);
      }
      try {
        render(await api("/api/cases/" + encodeURIComponent(c.number) + "/actions/" + action + "/",
          {method: "POST", body: fd}));
        dlg.close();
      } catch (e) { document.getElementById("acterror").textContent = e.message; }
    };
    dlg.showModal();
  }

  let delay = 1000;
  function connect() {
    const live = document.getElementById("live");
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/events/");
    ws.onopen = () => { delay = 1000; live.textContent = "已连接 connected"; live.className = "on"; loadAll(); };
    ws.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.type === "case") refresh(msg.case.number);
    };
    ws.onclose = () => {
      live.textContent = "已断开 reconnecting…"; live.className = "off";
      setTimeout(connect, delay); delay = Math.min(delay * 2, 30000);
    };
  }

  api("/api/departments/").then(d => { departments = d; });
  connect();
})();
