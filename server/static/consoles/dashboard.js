// Leader dashboard: live counts by state (moved by each event at once, then re-read from the
// server a few seconds later), the overdue list, a heat map by cell, rankings as counts, ECharts.
(function () {
  "use strict";
  const {el, api} = DCM;
  let stats = null, map = null, timer = null;
  const charts = {};

  function chart(id) {
    charts[id] = charts[id] || echarts.init(document.getElementById(id), null, {renderer: "canvas"});
    return charts[id];
  }
  function draw() {
    document.getElementById("n-total").textContent = stats.total;
    document.getElementById("n-open").textContent = stats.open;
    document.getElementById("n-overdue").textContent = stats.overdue_count;
    document.getElementById("updated").textContent = DCM.time(stats.at);
    const states = Object.keys(DCM.wf.states).filter((s) => stats.by_state[s]);
    document.querySelector("#by-state tbody").replaceChildren(...states.map((s) =>
      el("tr", {dataset: {state: s}}, el("td", {}, DCM.labelEl("states", s)), el("td", {class: "n"}, String(stats.by_state[s])))));
    if (window.echarts) {
      chart("chart-states").setOption({animation: false, grid: {left: 90, right: 20, top: 10, bottom: 20},
        xAxis: {type: "value", minInterval: 1}, yAxis: {type: "category", data: states.map((s) => DCM.label("states", s)), inverse: true},
        series: [{type: "bar", data: states.map((s) => stats.by_state[s]), itemStyle: {color: "#0b4f8a"}, label: {show: true, position: "right"}}]});
      const depts = stats.departments.slice(0, 10);
      chart("chart-depts").setOption({animation: false, legend: {top: 0}, grid: {left: 110, right: 20, top: 28, bottom: 20},
        xAxis: {type: "value", minInterval: 1}, yAxis: {type: "category", data: depts.map((d) => d.name), inverse: true},
        series: [{name: gettext("Open"), type: "bar", stack: "n", data: depts.map((d) => d.open - d.overdue)},
          {name: gettext("Overdue"), type: "bar", stack: "n", data: depts.map((d) => d.overdue), itemStyle: {color: "#d32f2f"}},
          {name: gettext("Closed or final"), type: "bar", stack: "n", data: depts.map((d) => d.total - d.open), itemStyle: {color: "#9e9e9e"}}]});
    }
    document.querySelector("#rank-depts tbody").replaceChildren(...stats.departments.map((d, i) =>
      el("tr", {}, el("td", {}, String(i + 1)), el("td", {translate: "no"}, d.name), el("td", {class: "n"}, String(d.total)),
        el("td", {class: "n"}, String(d.open)), el("td", {class: "n"}, String(d.overdue)))));
    document.querySelector("#overdue tbody").replaceChildren(...stats.overdue.map((c) =>
      el("tr", {dataset: {number: c.number}}, el("td", {}, DCM.lightEl(c), " " + c.number),
        el("td", {}, DCM.labelEl("states", c.state)), el("td", {translate: "no"}, c.department_name || ""), el("td", {}, DCM.time(c.deadline)))));
    document.querySelector("#rank-streets tbody").replaceChildren(...stats.streets.map((s, i) =>
      el("tr", {}, el("td", {}, String(i + 1)), el("td", {title: s.code, translate: "no"}, s.name || s.code), el("td", {class: "n"}, String(s.total)))));
    if (map) map.heat(stats.by_cell);
  }
  async function reload() { stats = await api("/api/console/stats/"); draw(); }
  function onCase(msg) {
    if (!stats) return;
    const e = msg.event;
    if (e.from_state) stats.by_state[e.from_state] = Math.max(0, (stats.by_state[e.from_state] || 0) - 1);
    else { stats.total += 1; stats.open += 1; stats.by_cell[msg.case.cell_code] = (stats.by_cell[msg.case.cell_code] || 0) + 1; }
    stats.by_state[e.to_state] = (stats.by_state[e.to_state] || 0) + 1;
    if (DCM.finalStates.has(e.to_state) && !DCM.finalStates.has(e.from_state)) stats.open -= 1;
    draw();
    clearTimeout(timer);
    // The rest (overdue, rankings) from the server, batched; a light change at once, so the
    // overdue count agrees with the case search within a second.
    timer = setTimeout(reload, e.action === "timer" ? 300 : 3000);
  }
  window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
  (async () => {
    await DCM.load({});
    if (window.L) DCM.map = map = new DCM.Map("map");
    DCM.live = new DCM.Live({onCase, onReset: reload, onStatus: DCM.statusEl});
    await reload();
    setInterval(reload, 60000);  // lights turn red with time, not only with events
    document.body.dataset.ready = "1";
  })();
})();
