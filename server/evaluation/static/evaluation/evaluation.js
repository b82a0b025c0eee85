// Charts of the evaluation page, drawn with the vendored ECharts from data the server embeds.
(function () {
  "use strict";
  var colours = {A: "#1a9850", B: "#91cf60", C: "#fee08b", D: "#fc8d59", E: "#d73027"};
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  var chart = data("ev-chart-data"), trend = data("ev-trend-data");
  var gettext = window.gettext || function (s) { return s; };
  var meanName = gettext("Mean of this table"), districtName = gettext("District");
  if (!window.echarts) return;
  var bar = document.getElementById("ev-chart");
  if (bar && chart && chart.names.length) {
    echarts.init(bar).setOption({
      grid: {left: 140, right: 20, top: 10, bottom: 30},
      xAxis: {type: "value", max: 100},
      yAxis: {type: "category", inverse: true, data: chart.names},
      tooltip: {},
      series: [{type: "bar", data: chart.values.map(function (v, i) {
        return {value: v, itemStyle: {color: colours[chart.grades[i]] || "#888"}};
      })}]
    });
  } else if (bar) {
    bar.textContent = gettext("Nobody ranked in this period");
    bar.className += " ev-empty";
  }
  var line = document.getElementById("ev-trend");
  if (line && trend) {
    echarts.init(line).setOption({
      tooltip: {trigger: "axis"},
      // The legend below the axis (scrolling when the page is narrow) and the grid sized
      // around its labels: on top it wrapped over the 100 line on phones and tablets.
      legend: {data: [meanName, districtName], type: "scroll", bottom: 0},
      grid: {left: 8, right: 20, top: 16, bottom: 40, containLabel: true},
      xAxis: {type: "category", data: trend.labels},
      yAxis: {type: "value", min: 0, max: 100},
      series: [{name: meanName, type: "line", data: trend.mean, connectNulls: true},
               {name: districtName, type: "line", data: trend.district, connectNulls: true}]
    });
  }
})();
