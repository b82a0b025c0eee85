// DCM.story(d): a case's whole story as the side panel and the case page show it: what and
// where (names, not codes), who reported it and how (channel, urgency, the caller for the roles
// the server gives it to), the buttons, possible duplicates, then every step with its actor
// (name, role, department), time, what was entered (note, reason, result...) and its photos;
// the urges (督办) and comments (批转意见) among them, marked as notes on the story, each urge
// with who of the department read it and when (督办已阅), or that nobody has yet.
(function () {
  "use strict";
  const {el} = DCM;

  function photoKind(kind) {
    return {before: gettext("Reported photo"), after: gettext("Photo after handling"),
      check: gettext("Check photo"), verify: gettext("Verification photo"),
      self: gettext("Self-handled photo")}[kind] || kind;
  }
  // The photos on a slow link (the department terminal) are buttons until asked for.
  function photoEls(photos, onDemand) {
    const img = (p) => el("a", {href: p.url, target: "_blank"},
      el("img", {src: p.url, alt: photoKind(p.kind), class: "photo", loading: "lazy", title: photoKind(p.kind)}));
    // A report's photo waits for the photo cleaner ("pending") and is never served before; its
    // photo_cleaned event refreshes the case, which then shows it (or why it was refused).
    return (photos || []).map((p) => p.state === "pending" ?
      el("span", {class: "photo placeholder pending", "data-state": "pending"}, gettext("Photo being processed…")) :
      p.state === "refused" ? el("span", {class: "photo placeholder refused", "data-state": "refused", title: p.reason || ""},
        gettext("Photo refused: not a usable image")) :
      onDemand ? el("button", {class: "photo-btn", onclick: (ev) =>
        ev.currentTarget.replaceWith(img(p))}, gettext("Show photo") + " (" + photoKind(p.kind) + ")") : img(p));
  }
  // What a person entered with a step, labelled in the page's language.
  const FIELDS = [["note", gettext("Note")], ["reason", gettext("Reason")], ["result", gettext("Result")],
    ["department_code", gettext("Department")], ["assignee", gettext("Supervisor")],
    ["satisfaction", gettext("Satisfaction")], ["extension_value", gettext("Extension")],
    ["into", gettext("Merged into")], ["condition_code", gettext("Filing condition")],
    ["level", gettext("Urge level")]];
  const choice = (code) => DCM.choiceLabel(code);
  // A filing condition (立案条件) by its name in the page's language; its code as the tooltip.
  function conditionEl(cond, code) {
    return el("span", {class: "condition", title: code}, cond ? cond[DCM.lang] || cond.zh : code);
  }
  function byline(by) {
    const post = [DCM.lang === "zh" ? by.role_zh : by.role_en, by.department].filter(Boolean).join(" · ");
    return by.name + (post ? " (" + post + ")" : "");
  }
  // Under an urge: read by whom and when, or not yet (only the newest urges can be waiting: an
  // older one unread was left behind when its department gave the case back).
  function readEl(e, waiting) {
    if (e.acknowledged) return el("div", {class: "entered acknowledged"},
      interpolate(gettext("Acknowledged by %s at %s"), [byline(e.acknowledged.by), DCM.time(e.acknowledged.at)]));
    return waiting ? el("div", {class: "entered unacknowledged"}, gettext("Not yet acknowledged by the department")) : null;
  }
  function entered(e) {
    const data = e.data || {};
    if (e.action === "photo_cleaned")
      return [el("span", {class: "muted"}, data.result === "refused" ? gettext("photo refused") : gettext("photo ready"))];
    if (e.action === "timer") return [el("span", {class: "muted"}, {yellow: gettext("due soon"), red: gettext("overdue"),
      green: gettext("on time")}[data.light] || "")];
    const out = [];
    for (const [key, label] of FIELDS) {
      if (data[key] === undefined || data[key] === null || data[key] === "") continue;
      let value = data[key];
      if (key === "department_code") value = (DCM.departments.find((x) => x.code === value) || {}).name || value;
      else if (key === "condition_code") value = conditionEl(e.condition, value);
      else if (key === "result" || key === "level") value = choice(value);
      else if (key === "extension_value") value = value + " " + choice(data.extension_unit || "");
      const named = key === "note" && DCM.isNote(e.action) ? gettext("Message") : label;  // an urge's or a comment's words
      out.push(el("div", {class: "entered " + key}, el("span", {class: "label"}, named + ": "),
        value instanceof Node ? value :
          el("span", {translate: ["note", "reason", "department_code", "assignee"].includes(key) ? "no" : null}, String(value))));  // words typed, names: data
    }
    return out;
  }
  function actor(e) {
    const by = e.by || {name: e.actor, role_zh: e.actor_role, role_en: e.actor_role};
    const post = [DCM.lang === "zh" ? by.role_zh : by.role_en, by.department].filter(Boolean).join(" · ");
    // The name is data (shown as stored); the post is a label in the page's language.
    return el("span", {class: "actor", title: by.username || "", translate: "no"}, by.name,
      post ? el("span", {class: "post", translate: "yes"}, " (" + post + ")") : null);
  }
  function section(title, ...content) { return el("section", {}, el("h3", {}, title), ...content); }
  // ``data``: the value is what someone entered or a name (translate="no": shown as stored).
  function row(label, value, cls, data) {
    return value === "" || value === null || value === undefined ? [] :
      [el("dt", {}, label), el("dd", {class: cls || null, translate: data ? "no" : null}, value)];
  }

  DCM.story = (d, opts) => {
    opts = opts || {};
    const left = DCM.left(d);
    const sd = d.suggested_department;
    const contact = d.contact;
    const call = d.call;
    // The urges still waiting for the department to read them: the newest ones.
    const urgeSteps = (d.events || []).filter((e) => e.action === "urge");
    const waiting = new Set(urgeSteps.slice(urgeSteps.length - Math.max(0, (d.urge_count || 0) - (d.urges_acknowledged || 0))));
    return el("div", {class: "story-body"},
      el("h2", {}, DCM.lightEl(d), " ", opts.link === false ? d.number :
        el("a", {href: "/console/case/" + encodeURIComponent(d.number) + "/", class: "num"}, d.number),
        " ", DCM.labelEl("states", d.state, "state"),
        left.text ? el("span", {class: "left" + (left.late ? " late" : "")}, " " + left.text) : null),
      el("dl", {},
        row(gettext("Class"), DCM.className(d) + " · " + DCM.kindName(d.kind)),
        row(gettext("Place"), [d.street_name, d.community_name].filter(Boolean).join(" · ") || gettext("unknown"), null, true),
        row(gettext("Address"), call && call.address, null, true),
        row(gettext("Description"), d.description, null, true),
        row(gettext("Channel"), DCM.channelName(d.channel) + (call ? " " + call.line : "")),
        row(gettext("Urgency"), call ? (call.urgency === "urgent" ? gettext("urgent") : gettext("normal")) : "", call && call.urgency === "urgent" ? "urgent" : ""),
        row(gettext("Reported by"), d.reporter, null, true),
        contact ? row(gettext("Caller"), [contact.name, contact.phone, contact.email].filter(Boolean).join(" · "), null, true) : [],
        row(gettext("Reported at"), DCM.time(d.created_at)),
        row(gettext("Department"), d.department_name || "—", null, true),
        sd ? row(gettext("Suggested department"), [el("span", {translate: "no"}, sd.name),
          DCM.suggestionRule(sd.rule) ? " · " + DCM.suggestionRule(sd.rule) : null], "suggested") : [],
        row(gettext("Deadline"), DCM.time(d.deadline) || "—"),
        row(gettext("Filing condition"), d.condition ? conditionEl(d.condition, d.condition.code) : ""),
        row(gettext("Urges"), d.urge_count ? String(d.urge_count) + " · " + (d.urge_unacknowledged ?
          gettext("not yet acknowledged by the department") : gettext("acknowledged by the department")) : "",
          d.urge_unacknowledged ? "urged" : "urged read"),
        row(gettext("Component"), d.component_code),
        row(gettext("Grid cell"), d.cell_code)),
      el("div", {class: "actions"}, opts.buttons ? opts.buttons(d) : null),
      d.duplicates ? section(gettext("Possible duplicates"), d.duplicates.length ?
        el("ul", {class: "dups"}, d.duplicates.map((x) => el("li", {},
          el("a", {href: "/console/case/" + encodeURIComponent(x.number) + "/"}, x.number), " ",
          DCM.labelEl("states", x.state), " · " + Math.round(x.distance_m) + " m · " +
          (x.why === "same_component" ? gettext("same component") : gettext("same class nearby"))))) :
        el("p", {class: "muted"}, gettext("none"))) : null,
      section(gettext("History"), el("ol", {class: "events"}, (d.events || []).map((e) =>
        el("li", {dataset: {action: e.action}, class: DCM.isNote(e.action) ? "note-step" : null},
          el("div", {class: "step"}, el("time", {datetime: e.at}, DCM.time(e.at)), " ",
            DCM.labelEl("actions", e.action, "act-name"), " · ", actor(e)),
          entered(e), e.action === "urge" ? readEl(e, waiting.has(e)) : null, e.photos && e.photos.length ? el("div", {class: "photos"}, photoEls(e.photos, opts.light)) : null)))));
  };
  DCM.photoKind = photoKind;
})();
