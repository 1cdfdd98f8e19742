// Service KPI charts from the figures in #kpi-chart-data (the table below the charts shows the same).
// Wagtail puts page scripts in <head>: draw once the document is parsed.
function drawKpiCharts() {
  "use strict";
  var source = document.getElementById("kpi-chart-data");
  if (!source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var palette = ["#2e7d6b", "#1f5fa8", "#c77c02", "#7b4bb5", "#c0392b", "#5b8c2a"];
  function datasets(series) {
    return series.map(function (s, i) {
      return {
        label: s.label,
        data: s.values.map(function (v) { return v === null ? null : Number(v); }),
        backgroundColor: palette[i % palette.length],
      };
    });
  }
  function draw(id, series, options) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    new Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: datasets(series) },
      options: Object.assign({
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
      }, options),
    });
  }
  draw("kpi-rates", data.rates, { scales: { y: { beginAtZero: true, max: 100, ticks: { callback: function (v) { return v + "%"; } } } } });
  draw("kpi-times", data.times, { scales: { y: { beginAtZero: true } } });
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawKpiCharts);
else drawKpiCharts();
