// Live progress bars: every [data-progress-url] element with data-active="1" polls its JSON status
// (portal/dashboards/views.py) every two seconds and updates itself until the job stops moving.
(function () {
  "use strict";
  if (window.linliProgress) return;
  var INTERVAL = 2000;
  var MAX_INTERVAL = 30000;

  function set(box, name, text) {
    box.querySelectorAll('[data-field="' + name + '"]').forEach(function (el) {
      el.textContent = text;
    });
  }

  function render(box, job) {
    set(box, "status_label", job.status_label);
    set(box, "percent", job.percent);
    set(box, "counts", job.done + " / " + job.total + " " + job.unit_label);
    set(box, "error_count", job.error_count);
    set(box, "details", job.details.map(function (d) { return " · " + d[0] + ": " + d[1]; }).join(""));
    var bar = box.querySelector('[data-field="bar"]');
    if (bar) {
      bar.value = job.percent;
      bar.textContent = job.percent + "%";
    }
    var list = box.querySelector('[data-field="errors"]');
    if (list) {
      list.replaceChildren.apply(list, job.errors.map(function (text) {
        var li = document.createElement("li");
        li.textContent = text;
        return li;
      }));
      list.hidden = job.errors.length === 0;
    }
    box.classList.toggle("linli-progress--errors", job.error_count > 0);
    box.dataset.active = job.active ? "1" : "0";
  }

  function watch(box) {
    var delay = INTERVAL;
    function poll() {
      fetch(box.dataset.progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (job) {
          delay = INTERVAL;
          render(box, job);
          if (job.active) {
            window.setTimeout(poll, delay);
          } else if (box.dataset.reloadOnFinish === "1") {
            window.location.reload();
          }
        })
        .catch(function () {
          delay = Math.min(delay * 2, MAX_INTERVAL); // server busy or offline: try again, less often
          window.setTimeout(poll, delay);
        });
    }
    window.setTimeout(poll, delay);
  }

  function start(root) {
    (root || document).querySelectorAll('[data-progress-url][data-active="1"]').forEach(function (box) {
      if (box.dataset.watching) return;
      box.dataset.watching = "1";
      watch(box);
    });
  }

  window.linliProgress = { start: start };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { start(); });
  } else {
    start();
  }
})();
