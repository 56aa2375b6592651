/*
 * Charts of the course analytics page (courses/<pk>/analytics/), drawn with Chart.js.
 *
 * The page renders every number as a data table; this script only adds the pictures.
 * Their data comes from the json_script element #elearning-analytics-data:
 *
 *   {"<slug>": {"type": "bar", "labels": [...], "datasets": [{"label", "data", "type"?}]}}
 *
 * and each is drawn on the <canvas data-analytics-chart="<slug>">. Colours are the
 * page's Bootstrap colours, so a site that restyles Bootstrap restyles the charts. Chart.js
 * sets sizes through the CSS object model only (no style elements, no eval), which the
 * site's Content-Security-Policy (style-src 'self', script-src 'self') allows. Without
 * Chart.js the tables remain.
 *
 * When every chart is made, <body> gets the attribute data-analytics-drawn.
 *
 * Every text the charts show (titles, labels, legends) comes translated from the server in
 * that data; the numbers of the axes and tooltips follow the page's language (<html lang>),
 * as the chat client's dates do, not the browser's.
 */
(function () {
  "use strict";

  var source = document.getElementById("elearning-analytics-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var charts = JSON.parse(source.textContent);
  var style = getComputedStyle(document.documentElement);
  var palette = ["--bs-primary", "--bs-warning", "--bs-success", "--bs-danger", "--bs-info"].map(function (name) {
    return style.getPropertyValue(name).trim() || "#0d6efd";
  });
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  Chart.defaults.color = style.getPropertyValue("--bs-body-color").trim() || Chart.defaults.color;
  Chart.defaults.font.family = style.getPropertyValue("--bs-body-font-family").trim() || Chart.defaults.font.family;

  function colour(dataset, index) {
    var line = (dataset.type || "") === "line";
    dataset.borderColor = palette[index % palette.length];
    dataset.backgroundColor = palette[index % palette.length];
    if (line) {
      dataset.tension = 0.2;
      dataset.pointRadius = 2;
    }
    return dataset;
  }

  document.querySelectorAll("canvas[data-analytics-chart]").forEach(function (canvas) {
    var config = charts[canvas.dataset.analyticsChart];
    if (!config) {
      return;
    }
    new Chart(canvas, {
      type: config.type,
      data: { labels: config.labels, datasets: config.datasets.map(colour) },
      options: {
        locale: document.documentElement.lang || undefined,
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 400 },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { display: config.datasets.length > 1 } }
      }
    });
  });
  // Drawn: what tests (and any script of the site's) can wait for.
  document.body.setAttribute("data-analytics-drawn", "");
})();
