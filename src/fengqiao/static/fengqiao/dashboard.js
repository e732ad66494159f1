// The dashboard's ECharts: data from the json_script block, labels from the script tag.
(function () {
  "use strict";
  var tag = document.currentScript;
  if (!window.echarts || !tag) return;  // the numbers on the page stand without the charts
  var data = JSON.parse(document.getElementById("dashboard-charts").textContent);
  var reported = tag.dataset.reported, closed = tag.dataset.closed;
  echarts.init(document.getElementById("chart-trend")).setOption({
    tooltip: {trigger: "axis"}, legend: {data: [reported, closed]},
    xAxis: {type: "category", data: data.trend.map(function (d) { return d.day.slice(5); })},
    yAxis: {type: "value", minInterval: 1},
    series: [
      {name: reported, type: "line", data: data.trend.map(function (d) { return d.reported; })},
      {name: closed, type: "line", data: data.trend.map(function (d) { return d.closed; })}
    ]
  });
  function bars(id, rows) {
    echarts.init(document.getElementById(id)).setOption({
      tooltip: {}, grid: {left: 110},
      xAxis: {type: "value", minInterval: 1},
      yAxis: {type: "category", data: rows.map(function (r) { return r[0]; })},
      series: [{type: "bar", data: rows.map(function (r) { return r[1]; })}]
    });
  }
  bars("chart-status", data.status);
  bars("chart-group", data.group);
  bars("chart-level", data.level);
  bars("chart-resolved", data.resolved);
})();
