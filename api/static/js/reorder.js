// Styles list: reorder by dragging a row, or from the keyboard (arrow keys, Home, End on a row's
// handle; the up/down buttons too). Each move saves the whole order at once, without a reload.
(function () {
  "use strict";

  var body = document.querySelector("tbody[data-reorder]");
  if (!body) return;
  var status = document.getElementById("order-status");
  var csrf = document.querySelector("meta[name='csrf-token']").content;
  var dragged = null;

  function rows() {
    return Array.prototype.slice.call(body.querySelectorAll("tr[data-style-id]"));
  }

  function refreshButtons() {
    var all = rows();
    all.forEach(function (row, i) {
      var up = row.querySelector("input[value='up']");
      var down = row.querySelector("input[value='down']");
      if (up) up.form.querySelector("button").disabled = i === 0;
      if (down) down.form.querySelector("button").disabled = i === all.length - 1;
    });
  }

  function save(row) {
    var data = new FormData();
    data.append("csrf_token", csrf);
    var all = rows();
    all.forEach(function (r) { data.append("style_id", r.dataset.styleId); });
    var where = row.dataset.name + " is now number " + (all.indexOf(row) + 1) + " of " + all.length;
    status.textContent = "Saving\u2026";
    fetch(body.dataset.reorder, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        status.textContent = response.ok ? where + ". Saved." : "The new order was not saved. Reload the page and try again.";
      })
      .catch(function () { status.textContent = "The new order was not saved: the server could not be reached."; });
  }

  function moveTo(row, index) {
    var others = rows().filter(function (r) { return r !== row; });
    index = Math.max(0, Math.min(index, others.length));
    if (index === rows().indexOf(row)) return;
    body.insertBefore(row, others[index] || null);
    refreshButtons();
    save(row);
  }

  rows().forEach(function (row) {
    var handle = row.querySelector(".drag-handle");
    handle.hidden = false;
    row.draggable = true;
    handle.addEventListener("keydown", function (event) {
      var at = rows().indexOf(row);
      var to = { ArrowUp: at - 1, ArrowDown: at + 1, Home: 0, End: rows().length - 1 }[event.key];
      if (to === undefined) return;
      event.preventDefault();
      moveTo(row, to);
      handle.focus();
    });
    row.querySelectorAll("form[action$='/move']").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var at = rows().indexOf(row);
        moveTo(row, form.elements.direction.value === "up" ? at - 1 : at + 1);
        handle.focus();
      });
    });
    row.addEventListener("dragstart", function (event) {
      dragged = row;
      row.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", row.dataset.styleId);
    });
    row.addEventListener("dragend", function () {
      row.classList.remove("is-dragging");
      dragged = null;
    });
    row.addEventListener("dragover", function (event) {
      if (dragged && dragged !== row) event.preventDefault();
    });
    row.addEventListener("drop", function (event) {
      if (!dragged || dragged === row) return;
      event.preventDefault();
      var box = row.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      var others = rows().filter(function (r) { return r !== dragged; });
      moveTo(dragged, others.indexOf(row) + (after ? 1 : 0));
    });
  });
})();
