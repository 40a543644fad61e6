// Sorts and filters the grants table in place. It reads the page, never data of its own.
(function () {
  "use strict";
  var table = document.getElementById("grants-table");
  var filter = document.getElementById("grant-filter");
  var count = document.getElementById("grant-count");
  if (!table || !filter || !count) return;
  var body = table.tBodies[0];
  var headers = table.tHead.rows[0].cells;

  function key(cell) {
    var sort = cell.getAttribute("data-sort");
    return sort !== null ? sort : cell.textContent.trim().toLowerCase();
  }

  function applyFilter() {
    var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    Array.prototype.forEach.call(body.rows, function (row) {
      var text = row.textContent.toLowerCase();
      var hit = words.every(function (w) { return text.indexOf(w) >= 0; });
      row.hidden = !hit;
      if (hit) shown++;
    });
    // The page holds the first rows of a long list; the rest are in the attachments.
    var total = Number(count.getAttribute("data-total")) || body.rows.length;
    count.textContent = shown + " of " + body.rows.length + " grants" +
      (total > body.rows.length ? " shown here, of " + total + " in the period" : "");
  }

  Array.prototype.forEach.call(headers, function (th, column) {
    th.querySelector("button").addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a.cells[column]), y = key(b.cells[column]);
        return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });

  filter.addEventListener("input", applyFilter);
  applyFilter();
})();
