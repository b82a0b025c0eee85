// DCM console.js, shared by every page: API calls, labels from /api/workflow/ (never hard-coded), the action dialog whose
// fields come from the workflow's guards, traffic lights, small DOM helpers.
(function () {
  "use strict";
  const DCM = window.DCM = window.DCM || {};
  // Django's JavaScript catalog (/jsi18n/) defines gettext; without it, the English msgid.
  window.gettext = window.gettext || ((s) => s);
  window.ngettext = window.ngettext || ((one, many, n) => (n === 1 ? one : many));
  DCM.lang = (document.documentElement.lang || "zh-hans").startsWith("zh") ? "zh" : "en";

  DCM.csrf = () => { const m = document.cookie.match(/csrftoken=([^;]+)/); return m ? m[1] : ""; };
  DCM.api = async (path, opts) => {
    const r = await fetch(path, Object.assign({credentials: "same-origin",
      headers: {"X-CSRFToken": DCM.csrf(), "Accept": "application/json"}}, opts || {}));
    const body = await r.json().catch(() => ({}));
    // A session that ended (logged out elsewhere, expired): back to the login page, then here.
    if ((r.status === 401 || r.status === 403) && body.error && body.error.code === "not_authenticated") DCM.toLogin();
    if (!r.ok) {
      const err = new Error(body.error ? DCM.errorText(body.error) : body.detail || r.statusText);
      err.code = body.error ? body.error.code : "";  // so a caller can tell one refusal from another
      throw err;
    }
    return body;
  };
  // The server words its refusals in the page's language (the request's, with their code
  // unchanged); where someone else was first, the console says what to do next instead. In
  // English the server names a parameter as the API spells it ('note'): the form's label
  // ("Message") is what the person sees above the field.
  DCM.errorText = (error) => {
    if (error.code === "stale") return gettext("The case changed since you opened it: look at it again, then repeat the step.");
    if (error.code === "nothing_to_acknowledge") return gettext("No urge of this case is waiting: someone in your department has already acknowledged it.");
    let text = error.message || "";
    if (error.field && DCM.lang === "en") text = text.replace(/'(\w+)'/g, (quoted, name) => DCM.fieldLabel(name, quoted));
    return DCM.lang === "en" ? text.charAt(0).toUpperCase() + text.slice(1) : text;  // a sentence on its own
  };
  // A field's form label; where forms label it differently, a form that requires it names it
  // (the note is "Message" where it is the step's point: the steps whose note has limits);
  // ``unknown`` (default: the name) for a name no form has.
  DCM.fieldLabel = (name, unknown) => {
    const fields = Object.values(DCM.wf.actions).flatMap((a) => a.fields).filter((f) => f.name === name);
    const f = fields.find((x) => x.required) || fields[0];
    return f ? f[DCM.lang] : (unknown === undefined ? name : unknown);
  };
  // A choice's label (a result, an urge level...) in the page's language; the code if unknown.
  DCM.choiceLabel = (code) => {
    for (const a of Object.values(DCM.wf.actions)) for (const f of a.fields)
      for (const c of f.choices || []) if (c.code === String(code)) return c[DCM.lang];
    return String(code);
  };
  // A note on the story (urge, comment): offered with the story, not among a row's steps.
  DCM.isNote = (action) => !!(DCM.wf.actions[action] || {}).note;
  // The steps a case offers now: the table's for (state, role), less the acknowledgement of
  // urges (督办已阅) when none is waiting (the one guard a button can know from the row).
  DCM.offered = (c) => (c.actions || []).filter((a) => a !== "acknowledge" || c.urge_unacknowledged);
  // 督办已阅 in one tap, no form: every screen of the department drops the urge from the push.
  // One key per urge count seen on this page, so a double tap takes one step. Resolves with the
  // case, or null when someone in the department was first (the push brings their step).
  const pageKey = Math.random().toString(36).slice(2, 10);
  DCM.acknowledge = async (c) => {
    const key = ["ack", pageKey, c.number, c.urge_count].join("-");
    try {
      return await DCM.api("/api/cases/" + encodeURIComponent(c.number) + "/actions/acknowledge/", {method: "POST",
        headers: {"X-CSRFToken": DCM.csrf(), "Accept": "application/json", "Idempotency-Key": key}});
    } catch (e) {
      if (e.code === "nothing_to_acknowledge") return null;
      throw e;
    }
  };
  DCM.toLogin = () => { location.assign("/accounts/login/?next=" + encodeURIComponent(location.pathname + location.search)); };
  DCM.el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(e.dataset, v); else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c);
    return e;
  };

  // Labels in the page's language only (one language at a time; the code is in data-code).
  DCM.wf = {states: {}, actions: {}, roles: {}};
  DCM.label = (kind, code) => {
    const x = DCM.wf[kind][code];
    return x ? x[DCM.lang] : code;
  };
  DCM.labelEl = (kind, code, cls) => {
    const x = DCM.wf[kind][code];
    return DCM.el("span", {class: cls, "data-code": code}, x ? x[DCM.lang] : code);
  };
  // The buttons of a case for this page's user: the published table (role, state) -> actions,
  // the same rule the API's "actions" comes from, so a pushed case needs no second request.
  DCM.actionsFor = (c) => ((DCM.wf.allowed || {})[document.body.dataset.role] || {})[c.state] || [];
  DCM.classes = {};
  DCM.className = (c, short) => {
    const k = DCM.classes[c.kind + ":" + c.class_code];
    if (!k) return c.class_code;
    const minor = DCM.lang === "zh" ? k.minor_zh : k.minor_en;
    return short ? minor : (DCM.lang === "zh" ? k.major_zh : k.major_en) + "/" + minor;
  };
  DCM.departments = [];
  DCM.supervisors = [];
  DCM.load = async (opts) => {
    const wf = await DCM.api("/api/workflow/");
    for (const kind of ["states", "actions", "roles"])
      for (const x of wf[kind]) DCM.wf[kind][x.code] = x;
    DCM.finalStates = new Set(wf.states.filter((s) => s.final).map((s) => s.code));
    DCM.wf.allowed = wf.allowed || {};
    const jobs = [DCM.api("/api/classes/").then((cs) => { for (const c of cs) DCM.classes[c.kind + ":" + c.code] = c; })];
    if (opts && opts.departments) jobs.push(DCM.api("/api/departments/").then((d) => { DCM.departments = d; }));
    if (opts && opts.supervisors) jobs.push(DCM.api("/api/console/supervisors/").then((s) => { DCM.supervisors = s; }).catch(() => {}));
    await Promise.all(jobs.map((j) => j.catch(() => {})));
  };

  // Traffic light (红黄绿灯): the server's when it sends one, else from the node's deadline
  // and its start (the last update): green < 80 %, yellow < 100 %, red past it.
  DCM.light = (c) => {
    if (c.light) return c.light;
    if (!c.deadline || DCM.finalStates.has(c.state)) return "";
    const end = Date.parse(c.deadline), start = Date.parse(c.updated_at), now = Date.now();
    if (now >= end) return "red";
    return (now - start) / Math.max(1, end - start) >= 0.8 ? "yellow" : "green";
  };
  DCM.lightEl = (c) => {
    const l = DCM.light(c);
    const names = {green: gettext("on time"), yellow: gettext("due soon"), red: gettext("overdue")};
    return DCM.el("span", {class: "light " + l, title: names[l] || "", "data-light": l}, l ? "●" : "");
  };
  DCM.time = (iso) => iso ? new Date(iso).toLocaleString(DCM.lang === "zh" ? "zh-CN" : "en-GB",
    {month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit"}) : "";
  // The server's clock minus this one's (from a list's "now"): countdowns follow the server.
  DCM.skew = 0;
  // "2 h 05 min" / "2小时05分" left, or how long overdue; "" for a case without a deadline.
  DCM.duration = (ms) => {
    const m = Math.floor(Math.abs(ms) / 60000), d = Math.floor(m / 1440), h = Math.floor(m % 1440 / 60), mm = m % 60;
    if (DCM.lang === "zh") return (d ? d + "天" : "") + (d || h ? h + "小时" : "") + mm + "分";
    return (d ? d + "d " : "") + (d || h ? h + "h " : "") + mm + "m";
  };
  DCM.left = (c) => {
    if (!c.deadline || DCM.finalStates.has(c.state)) return {text: "", late: false};
    const ms = Date.parse(c.deadline) - (Date.now() + DCM.skew);
    return ms < 0 ? {text: interpolate(gettext("%s overdue"), [DCM.duration(ms)]), late: true}
      : {text: interpolate(gettext("%s left"), [DCM.duration(ms)]), late: false};
  };
  window.interpolate = window.interpolate || ((fmt, args) => { let i = 0; return fmt.replace(/%s/g, () => args[i++]); });
  // Codes the server stores, in the page's language.
  DCM.channelName = (code) => ({handset: gettext("Supervisor's handset"), hotline: gettext("Hotline"),
    web: gettext("Website"), open311: gettext("Open311"), video: gettext("Video")})[code] || code;
  DCM.kindName = (code) => ({component: gettext("component"), event: gettext("event")})[code] || code;
  // A supervisor's distance to the case: "320 m" / "1.2 km", with where it was measured from.
  DCM.distanceText = (s) => {
    if (s.distance_m === null || s.distance_m === undefined) return "";
    const d = s.distance_m < 1000 ? s.distance_m + " m" : (s.distance_m / 1000).toFixed(1) + " km";
    return interpolate(s.basis === "track" ? gettext("%s (patrol track)") : gettext("%s (duty grid)"), [d]);
  };
  // Why a department is suggested for dispatch (server/cases/dispatching.py's rules).
  DCM.suggestionRule = (rule) => ({owner: gettext("owner of the component"),
    maintainer: gettext("maintainer of the component"), "class": gettext("owner of this class of component"),
    territory: gettext("street office (territory)"), enforcement: gettext("enforcement")})[rule] || "";
  DCM.place = (c) => [c.street_name, c.community_name].filter(Boolean).join(" · ") || c.cell_code;

  // A photo shrunk in the browser before upload (slow links): longest side 1280 px, JPEG 0.8.
  DCM.shrink = (file) => new Promise((resolve) => {
    if (!file || !window.createImageBitmap) return resolve(file);
    createImageBitmap(file).then((img) => {
      const k = Math.min(1, 1280 / Math.max(img.width, img.height));
      if (k === 1 && file.size < 400000) return resolve(file);
      const cv = DCM.el("canvas", {width: Math.round(img.width * k), height: Math.round(img.height * k)});
      cv.getContext("2d").drawImage(img, 0, 0, cv.width, cv.height);
      cv.toBlob((b) => resolve(b ? new File([b], "photo.jpg", {type: "image/jpeg"}) : file), "image/jpeg", 0.8);
    }).catch(() => resolve(file));
  });

  function input(f, c) {
    const name = f.name;
    if (f.kind === "choice") return DCM.el("select", {name, required: f.required},
      f.choices.map((o) => DCM.el("option", {value: o.code}, o[DCM.lang])));
    if (f.kind === "department") {
      const sel = DCM.el("select", {name, required: f.required},
        DCM.departments.map((d) => DCM.el("option", {value: d.code}, d.name + " (" + d.code + ")")));
      const suggested = c.suggested_department && c.suggested_department.code;
      if (suggested) sel.value = suggested;
      return sel;
    }
    // Hundreds of supervisors: a box that finds one by name, post or username as it is typed,
    // nearest to the case first (the server measures from the shift's patrol track, else the
    // duty grid), and the three nearest as buttons.
    if (f.kind === "supervisor") {
      const box = DCM.el("input", {name, list: "supervisor-list", required: f.required, autocomplete: "off",
        placeholder: f.required ? "" : gettext("automatic (the nearest supervisor on duty)")});
      const list = DCM.el("datalist", {id: "supervisor-list"});
      const nearest = DCM.el("span", {class: "nearest"});
      const show = (all) => {
        list.replaceChildren(...all.map((s) => DCM.el("option", {value: s.username},
          [s.name === s.username ? "" : s.name, s.post, DCM.distanceText(s)].filter(Boolean).join(" · "))));
        nearest.replaceChildren(...all.filter((s) => s.distance_m !== null && s.distance_m !== undefined).slice(0, 3)
          .map((s) => DCM.el("button", {type: "button", class: "pick", "data-username": s.username, title: s.post,
            onclick: () => { box.value = s.username; box.focus(); }}, s.name + " · " + DCM.distanceText(s))));
      };
      show(DCM.supervisors);
      DCM.api("/api/console/supervisors/?case=" + encodeURIComponent(c.number)).then(show).catch(() => {});
      return DCM.el("span", {}, box, list, nearest);
    }
    if (f.kind === "number") return DCM.el("input", {name, type: "number", step: "any", min: "0", required: f.required});
    if (f.kind === "photo") return DCM.el("input", {name, type: "file", accept: "image/*", capture: "environment", required: f.required});
    // The words of a note step (urge, comment) are its point: room for a few lines.
    if (name === "note" && f.required) return DCM.el("textarea", {name, required: true, rows: 3});
    return DCM.el("input", {name, required: f.required, autocomplete: "off"});
  }

  // The action dialog: fields from /api/workflow/; posts to the case action API; resolves with
  // the case as the server returns it (the websocket brings the same change to everyone else).
  DCM.act = (c, action) => action === "acknowledge" ? DCM.acknowledge(c).catch((e) => { alert(e.message); return null; }) : new Promise((resolve) => {
    const meta = DCM.wf.actions[action] || {fields: []};
    const dlg = document.getElementById("act");
    const err = DCM.el("p", {class: "error", role: "alert"});
    const fields = meta.fields.map((f) => DCM.el("p", {class: "field"},
      DCM.el("label", {}, DCM.el("span", {}, f[DCM.lang] + (f.required ? " *" : "")), input(f, c))));
    const ok = DCM.el("button", {value: "ok", class: "primary", id: "act-ok"}, gettext("OK"));
    const cancel = DCM.el("button", {value: "cancel", type: "button", onclick: () => dlg.close()}, gettext("Cancel"));
    const form = DCM.el("form", {method: "dialog"},
      DCM.el("h2", {}, DCM.label("actions", action) + " · " + c.number), fields, err, ok, " ", cancel);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      ok.disabled = true;
      const fd = new FormData();
      // The case version the user saw: a case changed meanwhile is refused (409), not overwritten.
      if (c.version !== undefined && c.version !== null) fd.append("version", c.version);
      for (const f of meta.fields) {
        const e = form.elements[f.name];
        if (f.kind === "photo") { if (e.files[0]) fd.append(f.name, await DCM.shrink(e.files[0]), "photo.jpg"); }
        else if (e.value) fd.append(f.name, e.value);
      }
      try {
        const out = await DCM.api("/api/cases/" + encodeURIComponent(c.number) + "/actions/" + action + "/",
          {method: "POST", body: fd});
        dlg.close(); resolve(out);
      } catch (e) { err.textContent = e.message; ok.disabled = false; }
    });
    dlg.replaceChildren(form);
    dlg.onclose = () => resolve(null);
    dlg.showModal();
    const first = form.querySelector("input:not([type=file]),select,textarea");
    if (first) first.focus(); else ok.focus();
  });

  DCM.statusEl = (state, n) => {
    const live = document.getElementById("live");
    if (!live) return;
    const words = {connecting: gettext("connecting…"), offline: gettext("offline, reconnecting…"),
      resuming: gettext("catching up…"), live: gettext("live")};
    live.textContent = words[state] + (n ? " (+" + n + ")" : "");
    live.className = state; live.dataset.state = state;
  };
})();
