// New staging: pick or drop up to 20 photos of one listing, choose a room type per photo, then
// submit each photo as its own job to the JSON API. Errors are shown next to the photo concerned.
(function () {
  "use strict";

  var form = document.getElementById("stage-form");
  if (!form) return;
  var input = document.getElementById("photos");
  var zone = document.getElementById("dropzone");
  var list = document.getElementById("photo-list");
  var template = document.getElementById("photo-row");
  var status = document.getElementById("form-status");
  var submit = form.querySelector("button[type='submit']");
  var csrf = document.querySelector("meta[name='csrf-token']").content;
  var MAX_FILES = parseInt(form.dataset.maxFiles, 10);
  var MAX_BYTES = parseInt(form.dataset.maxBytes, 10);
  var TYPES = ["image/jpeg", "image/png", "image/webp"];
  var rows = [];
  var counter = 0;

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function megabytes(bytes) {
    return bytes < 1048576 ? Math.max(1, Math.round(bytes / 1024)) + " KB" : (bytes / 1048576).toFixed(1) + " MB";
  }

  function setError(row, message) {
    row.el.classList.toggle("has-error", Boolean(message));
    row.error.textContent = message || "";
    row.error.hidden = !message;
  }

  function setStatus(row, html) {
    row.status.innerHTML = "";
    if (html) row.status.appendChild(html);
    row.status.hidden = !html;
  }

  function allowedRoomTypes() {
    var picked = form.querySelector("input[name='style']:checked");
    return picked ? picked.dataset.roomTypes.split(" ") : null;
  }

  function syncRoomTypes(row) {
    var allowed = allowedRoomTypes();
    Array.prototype.forEach.call(row.select.options, function (option) {
      option.disabled = allowed !== null && allowed.indexOf(option.value) === -1;
    });
    if (row.select.selectedOptions[0] && row.select.selectedOptions[0].disabled) {
      var first = Array.prototype.find.call(row.select.options, function (o) { return !o.disabled; });
      if (first) row.select.value = first.value;
    }
  }

  function clientHint(file) {
    if (TYPES.indexOf(file.type) === -1 && file.type !== "") {
      return "This file is not a photo we can use. Please choose a JPEG, PNG or WebP photo.";
    }
    if (file.size > MAX_BYTES) {
      return "This photo is " + megabytes(file.size) + "; the limit is " + megabytes(MAX_BYTES) + ".";
    }
    return "";
  }

  function addFiles(files) {
    Array.prototype.forEach.call(files, function (file) {
      if (rows.length >= MAX_FILES) {
        status.textContent = "You can stage up to " + MAX_FILES + " photos at a time; extra photos were left out.";
        return;
      }
      counter += 1;
      var el = template.content.firstElementChild.cloneNode(true);
      var row = {
        el: el, file: file, key: newKey(), jobUrl: null,
        select: el.querySelector("select"),
        error: el.querySelector(".photo-error"),
        status: el.querySelector(".photo-status"),
      };
      var id = "room-type-" + counter;
      row.select.id = id;
      el.querySelector("label").htmlFor = id;
      el.querySelector(".filename").textContent = file.name;
      el.querySelector(".size").textContent = megabytes(file.size);
      var img = el.querySelector("img");
      img.addEventListener("error", function () { img.classList.add("is-broken"); });
      if (TYPES.indexOf(file.type) !== -1) img.src = URL.createObjectURL(file);
      el.querySelector(".remove").addEventListener("click", function () {
        rows = rows.filter(function (r) { return r !== row; });
        el.remove();
        input.focus();
      });
      list.appendChild(el);
      rows.push(row);
      syncRoomTypes(row);
      setError(row, clientHint(file));
    });
    status.textContent = rows.length ? rows.length + " photo(s) ready." : "";
  }

  input.addEventListener("change", function () { addFiles(input.files); input.value = ""; });
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("is-over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("is-over"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files) addFiles(event.dataTransfer.files);
  });
  form.querySelectorAll("input[name='style']").forEach(function (radio) {
    radio.addEventListener("change", function () { rows.forEach(syncRoomTypes); });
  });

  function submitRow(row) {
    var data = new FormData();
    data.append("photo", row.file, row.file.name);
    data.append("room_type", row.select.value);
    data.append("style", form.querySelector("input[name='style']:checked").value);
    data.append("variants", form.elements.variants.value);
    data.append("mode", form.querySelector("input[name='mode']:checked").value);
    var listing = form.elements.listing.value.trim();
    if (listing) data.append("listing", listing);
    setError(row, "");
    var note = document.createElement("span");
    note.textContent = "Uploading\u2026";
    setStatus(row, note);
    return fetch(form.dataset.api, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Idempotency-Key": row.key, Accept: "application/json" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok) {
          row.jobUrl = form.dataset.jobUrl.replace("__ID__", String(body.id));
          row.el.classList.add("is-done");
          var link = document.createElement("a");
          link.href = row.jobUrl;
          link.textContent = "Queued \u2014 view job #" + body.id;
          setStatus(row, link);
          return true;
        }
        setStatus(row, null);
        var message = body.error && body.error.message
          ? body.error.message : "The upload failed (error " + response.status + "). Please try again.";
        setError(row, message);
        return response.status !== 429;
      });
    }).catch(function () {
      setStatus(row, null);
      setError(row, "We could not reach the server. Check the connection and try again.");
      return true;
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!form.querySelector("input[name='style']:checked")) {
      status.textContent = "Pick a style first.";
      form.querySelector("input[name='style']").focus();
      return;
    }
    var todo = rows.filter(function (r) { return !r.jobUrl && !clientHint(r.file); });
    if (!todo.length) {
      status.textContent = rows.length ? "Fix or remove the photos marked in red." : "Add at least one photo.";
      return;
    }
    submit.disabled = true;
    status.textContent = "Uploading " + todo.length + " photo(s)\u2026";
    var chain = Promise.resolve(true);
    todo.forEach(function (row) {
      chain = chain.then(function (goOn) { return goOn ? submitRow(row) : false; });
    });
    chain.then(function () {
      submit.disabled = false;
      var done = rows.filter(function (r) { return r.jobUrl; });
      var failed = rows.length - done.length;
      if (!failed && done.length === 1) { window.location.assign(done[0].jobUrl); return; }
      if (!failed) {
        var listing = form.elements.listing.value.trim();
        window.location.assign(form.dataset.listUrl + (listing ? "?listing=" + encodeURIComponent(listing) : ""));
        return;
      }
      status.textContent = done.length + " photo(s) queued; " + failed + " need attention (see the messages in red).";
      var firstBad = rows.find(function (r) { return !r.jobUrl; });
      if (firstBad) firstBad.select.focus();
    });
  });
})();
