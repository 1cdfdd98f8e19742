// The desk's household search: asks the server as the clerk types, keeps the chosen unit's id.
(function () {
  "use strict";
  function init(root) {
    var hidden = root.querySelector("[data-unit-id]");
    var input = root.querySelector("[data-unit-search]");
    var list = root.querySelector("[role=listbox]");
    var status = root.querySelector("[data-unit-status]");
    var timer = null, active = -1, items = [], seq = 0;

    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; }
    function choose(item) {
      hidden.value = item.id;
      input.value = item.label;
      status.textContent = item.hint || "";
      close();
    }
    function highlight(i) {
      var nodes = list.children;
      for (var n = 0; n < nodes.length; n++) nodes[n].setAttribute("aria-selected", n === i ? "true" : "false");
      active = i;
      if (nodes[i]) { input.setAttribute("aria-activedescendant", nodes[i].id); nodes[i].scrollIntoView({ block: "nearest" }); }
    }
    function render(results) {
      items = results;
      list.innerHTML = "";
      if (!results.length) { status.textContent = root.dataset.empty; close(); return; }
      status.textContent = "";
      results.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = input.id + "-opt-" + i;
        li.setAttribute("role", "option");
        li.textContent = item.label;
        if (item.hint) { var small = document.createElement("small"); small.textContent = item.hint; li.appendChild(small); }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(item); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(0);
    }
    function ask() {
      var q = input.value.trim(), mine = ++seq;
      if (!q) { render([]); status.textContent = ""; return; }
      fetch(root.dataset.url + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { if (mine === seq) render(data.results || []); })
        .catch(function () { if (mine === seq) render([]); });
    }
    input.addEventListener("input", function () {
      hidden.value = "";
      clearTimeout(timer);
      timer = setTimeout(ask, 200);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(items[active]); }
      else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }
  function start() { document.querySelectorAll("[data-unit-picker]").forEach(init); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
