// Leadership report: show only the period fields that apply, and draw each section's chart (Chart.js).
(function () {
    "use strict";

    // The period form: month, quarter, year or a range of days; the other fields hide (they stay in the form).
    var form = document.querySelector("[data-lead-period]");
    if (form) {
        var kind = form.querySelector("[name=period]");
        var wanted = { month: ["month"], quarter: ["quarter"], year: ["year"], custom: ["date_from", "date_to"] };
        var toggle = function () {
            var show = wanted[kind.value] || [];
            ["month", "quarter", "year", "date_from", "date_to"].forEach(function (name) {
                var box = form.querySelector('[data-lead-field="' + name + '"]');
                if (box) {
                    var hasError = box.querySelector(".w-field--error, .error-message");
                    box.hidden = show.indexOf(name) < 0 && !hasError;
                }
            });
        };
        if (kind) {
            kind.addEventListener("change", toggle);
            toggle();
        }
    }

    var source = document.getElementById("lead-charts");
    if (!source || typeof Chart === "undefined") {
        return;
    }
    var charts = JSON.parse(source.textContent);
    var palette = ["#2e6da4", "#e08a1e", "#3c9d5d", "#b94a48", "#7a5ba6", "#5bc0de", "#8a6d3b", "#999999"];
    var style = getComputedStyle(document.documentElement);
    var text = style.getPropertyValue("--w-color-text-context").trim() || "#333";
    var grid = "rgba(128,128,128,0.2)";
    var locale = document.documentElement.lang || undefined;
    var number = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });

    document.querySelectorAll("canvas[data-lead-chart]").forEach(function (canvas) {
        var spec = charts[canvas.getAttribute("data-lead-chart")];
        if (!spec) {
            return;
        }
        var datasets = spec.datasets.map(function (set, i) {
            var colour = palette[i % palette.length];
            return {
                label: set.label,
                data: set.data.map(function (v) { return v === null ? null : parseFloat(v); }),
                backgroundColor: spec.type === "line" ? colour + "33" : colour,
                borderColor: colour,
                borderWidth: spec.type === "line" ? 2 : 0,
                fill: spec.type === "line",
                tension: 0.2,
                spanGaps: true,
            };
        });
        var valueAxis = {
            beginAtZero: true,
            stacked: spec.stacked,
            ticks: {
                color: text,
                callback: function (v) { return number.format(v) + (spec.percent ? "%" : ""); },
            },
            grid: { color: grid },
        };
        if (spec.percent) {
            valueAxis.suggestedMax = 100;
        }
        var labelAxis = { stacked: spec.stacked, ticks: { color: text, autoSkip: false }, grid: { display: false } };
        new Chart(canvas, {
            type: spec.type,
            data: { labels: spec.labels, datasets: datasets },
            options: {
                indexAxis: spec.horizontal ? "y" : "x",
                maintainAspectRatio: false,
                responsive: true,
                animation: false,
                scales: spec.horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
                plugins: {
                    legend: { display: datasets.length > 1, labels: { color: text } },
                    tooltip: {
                        callbacks: {
                            label: function (ctx) {
                                var v = spec.horizontal ? ctx.parsed.x : ctx.parsed.y;
                                return ctx.dataset.label + ": " + number.format(v) + (spec.percent ? "%" : "");
                            },
                        },
                    },
                },
            },
        });
    });
})();
