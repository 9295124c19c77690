// New staging: pick or drop up to 20 photos of one listing, choose a room type and what to do per
// photo (the batch's choice unless changed), then submit each photo as its own job to the JSON
// API (upload-send.js scales and sends it, with byte progress; upload-overall.js shows the whole
// batch). Errors are shown next to the photo concerned. A worker's guess of the room type
// (room-guess.js) pre-selects it only where the chosen style offers it, and only while the agent
// has not chosen one; otherwise a note says which styles offer it, and the row stays as it was.
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
  var DOWNSCALE_PX = parseInt(form.dataset.downscalePx, 10) || 0;
  var TYPES = ["image/jpeg", "image/png", "image/webp"];
  var notice = document.getElementById("batch-notice");
  var remaining = parseInt(form.dataset.remaining, 10);
  var resetsAt = new Date(form.dataset.resetsAt);
  var overall = window.StagewrightOverall;
  var rows = [];
  var counter = 0;
  var leftOut = 0;

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function megabytes(bytes) {
    return bytes < 1048576 ? Math.max(1, Math.round(bytes / 1024)) + " KB" : (bytes / 1048576).toFixed(1) + " MB";
  }

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  // "at midnight UTC (01:00 your time), in 5 h 12 min": local time for the reader, UTC for the rule.
  function resetText() {
    var minutes = Math.max(1, Math.floor((resetsAt - Date.now()) / 60000));
    var span = minutes >= 60 ? Math.floor(minutes / 60) + " h " + (minutes % 60) + " min" : minutes + " min";
    var local = resetsAt.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    return "at midnight UTC (" + local + " your time), in " + span;
  }

  function quotaMessage() {
    return "Not staged: today's quota is used up. It resets " + resetText() + ".";
  }

  function unsent() {
    return rows.filter(function (r) { return !r.jobUrl && !rowProblem(r); });
  }

  // The batch notice stays until the batch changes: photos left out, or more photos than quota.
  function updateNotice() {
    var parts = [];
    if (leftOut) {
      parts.push("You can stage up to " + MAX_FILES + " photos at a time; " +
        plural(leftOut, "extra photo") + (leftOut === 1 ? " was" : " were") + " left out.");
    }
    var over = unsent().length - remaining;
    if (over > 0) {
      parts.push("You have " + plural(remaining, "job") + " left today, so the last " +
        plural(over, "photo") + " will not be staged. Your quota resets " + resetText() + ".");
    }
    notice.textContent = parts.join(" ");
    notice.hidden = !parts.length;
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

  function pickedStyle() {
    return form.querySelector("input[name='style']:checked");
  }

  function batchMode() {
    return form.querySelector("input[name='mode']:checked").value;
  }

  function suits(radio, roomType) {
    return radio.dataset.roomTypes.split(" ").indexOf(roomType) !== -1;
  }

  // Only rows that add furniture need a style that fits: a removal or a finishing pass
  // (enhance, sky, twilight) adds nothing in the style.
  function stages(row) {
    return row.mode.value === "stage" || row.mode.value === "restage";
  }

  function roomLabel(row) {
    return row.select.selectedOptions[0] ? row.select.selectedOptions[0].textContent : row.select.value;
  }

  function stylesOffering(roomType) {
    return Array.prototype.filter.call(form.querySelectorAll("input[name='style']"), function (radio) {
      return suits(radio, roomType);
    }).map(function (radio) { return radio.dataset.name; });
  }

  function listWords(names) {
    if (names.length < 2) return names.join("");
    return names.slice(0, -1).join(", ") + " and " + names[names.length - 1];
  }

  // A room type the agent chose is never changed: a style that does not suit it is explained instead.
  function fitHint(row) {
    var style = pickedStyle();
    if (!style || !stages(row) || suits(style, row.select.value)) return "";
    return style.dataset.name + " is not offered for " + roomLabel(row).toLowerCase() +
      "s. Pick a style that lists " + roomLabel(row) + ", or change the room type.";
  }

  function rowProblem(row) {
    return clientHint(row.file) || fitHint(row);
  }

  // The worker's guess is applied only where it cannot put the row in error: the chosen style
  // offers that room type (or the row only removes furniture). Otherwise it is a note.
  function applyGuess(row) {
    if (!row.guess || row.chosen || row.jobUrl) return;
    var style = pickedStyle();
    var label = row.guess.label;
    if (!style || !stages(row) || suits(style, row.guess.room_type)) {
      row.select.value = row.guess.room_type;
      row.suggested = true;
      row.suggestion.textContent = "Suggested from the photo: " + label;
    } else {
      if (row.suggested) defaultRoomType(row);
      row.suggested = false;
      var others = stylesOffering(row.guess.room_type);
      row.suggestion.textContent = "This looks like a " + label.toLowerCase() + ". " +
        style.dataset.name + " is not offered for " + label.toLowerCase() + "s" +
        (others.length ? "; " + listWords(others) + (others.length === 1 ? " is." : " are.") : ".");
    }
    row.suggestion.hidden = false;
  }

  function syncStyles() {
    rows.forEach(applyGuess);
    var chosen = {};
    rows.forEach(function (row) { if (stages(row)) chosen[row.select.value] = roomLabel(row); });
    form.querySelectorAll("input[name='style']").forEach(function (radio) {
      var missing = Object.keys(chosen).filter(function (t) { return !suits(radio, t); });
      var note = radio.parentElement.querySelector(".style-fit");
      note.textContent = missing.length ? "Not offered for: " + missing.map(function (t) { return chosen[t]; }).join(", ") : "";
      note.hidden = !missing.length;
      radio.parentElement.classList.toggle("is-unsuited", missing.length > 0);
    });
    rows.forEach(function (row) { if (!row.jobUrl) setError(row, rowProblem(row)); });
    updateNotice();
  }

  function defaultRoomType(row) {
    var style = pickedStyle();
    var fit = style && Array.prototype.find.call(row.select.options, function (o) { return suits(style, o.value); });
    if (fit) row.select.value = fit.value;
  }

  // Asks a worker what room the photo shows; applyGuess decides what to do with the answer.
  function suggestRoomType(row) {
    window.StagewrightRoomGuess.ask(form.dataset.guessApi, row.file, csrf).then(function (guess) {
      var known = guess && Array.prototype.some.call(row.select.options, function (o) {
        return o.value === guess.room_type;
      });
      if (!known || row.chosen || row.jobUrl || rows.indexOf(row) === -1) return;
      row.guess = guess;
      syncStyles();
    });
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
    leftOut = 0;
    Array.prototype.forEach.call(files, function (file) {
      if (rows.length >= MAX_FILES) {
        leftOut += 1;
        return;
      }
      counter += 1;
      var el = template.content.firstElementChild.cloneNode(true);
      var row = {
        el: el, file: file, key: newKey(), jobUrl: null, chosen: false, modeChosen: false,
        guess: null, suggested: false,
        select: el.querySelector("select.room-type"),
        mode: el.querySelector("select.row-mode"),
        suggestion: el.querySelector(".room-suggestion"),
        error: el.querySelector(".photo-error"),
        status: el.querySelector(".photo-status"),
      };
      var labels = el.querySelectorAll("label");
      row.select.id = "room-type-" + counter;
      labels[0].htmlFor = row.select.id;
      row.mode.id = "mode-" + counter;
      labels[1].htmlFor = row.mode.id;
      row.mode.value = batchMode();
      el.querySelector(".filename").textContent = file.name;
      el.querySelector(".size").textContent = megabytes(file.size);
      var img = el.querySelector("img");
      img.addEventListener("error", function () { img.classList.add("is-broken"); });
      if (TYPES.indexOf(file.type) !== -1) img.src = URL.createObjectURL(file);
      el.querySelector(".remove").addEventListener("click", function () {
        rows = rows.filter(function (r) { return r !== row; });
        el.remove();
        syncStyles();
        input.focus();
      });
      list.appendChild(el);
      rows.push(row);
      defaultRoomType(row);
      row.select.addEventListener("change", function () {
        row.chosen = true;  // the agent's own choice: a suggestion never overrides it
        row.suggestion.hidden = true;
        syncStyles();
      });
      row.mode.addEventListener("change", function () {
        row.modeChosen = true;  // no longer follows the batch's choice
        syncStyles();
      });
      if (TYPES.indexOf(file.type) !== -1 && file.size <= MAX_BYTES) suggestRoomType(row);
    });
    syncStyles();
    status.textContent = rows.length ? rows.length + " photo(s) ready." : "";
  }

  document.querySelectorAll("time.local-time").forEach(function (el) {
    var at = new Date(el.getAttribute("datetime"));
    el.textContent = " (" + at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) + " your time)";
  });

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
    radio.addEventListener("change", syncStyles);
  });
  form.querySelectorAll("input[name='mode']").forEach(function (radio) {
    radio.addEventListener("change", function () {
      rows.forEach(function (row) { if (!row.modeChosen && !row.jobUrl) row.mode.value = batchMode(); });
      syncStyles();
    });
  });

  function megabytesOf(loaded, total) {
    return (loaded / 1048576).toFixed(1) + " of " + (total / 1048576).toFixed(1) + " MB";
  }

  function showProgress(row, label, loaded, total) {
    var box = document.createElement("span");
    box.className = "upload-progress";
    var bar = document.createElement("progress");
    bar.max = total || 1;
    bar.value = loaded;
    bar.setAttribute("aria-label", "Upload of " + row.file.name);
    var text = document.createElement("span");
    text.textContent = label + (total ? " " + megabytesOf(loaded, total) : "");
    box.appendChild(bar);
    box.appendChild(text);
    setStatus(row, box);
  }

  // "fast": scaled down to the deployment's size in the browser; "full": sent as it is.
  function sizeLimit() {
    var choice = form.querySelector("input[name='upload_size']:checked");
    return choice && choice.value === "full" ? 0 : DOWNSCALE_PX;
  }

  function submitRow(row, number) {
    setError(row, "");
    showProgress(row, "Preparing\u2026", 0, 0);
    overall.photo(number, 0, 0);
    var upload = window.StagewrightUpload;
    var sent = 0;
    return upload.prepare(row.file, sizeLimit()).then(function (photo) {
      var data = new FormData();
      data.append("photo", photo, row.file.name);
      data.append("room_type", row.select.value);
      data.append("style", form.querySelector("input[name='style']:checked").value);
      data.append("variants", form.elements.variants.value);
      data.append("mode", row.mode.value);
      data.append("enhance", form.elements.enhance.checked ? "true" : "false");
      if (row.mode.value === "sky" && form.elements.sky.value) data.append("sky", form.elements.sky.value);
      var listing = form.elements.listing.value.trim();
      if (listing) data.append("listing", listing);
      showProgress(row, "Uploading", 0, photo.size);
      overall.photo(number, 0, photo.size);
      var headers = { "X-CSRF-Token": csrf, "Idempotency-Key": row.key, Accept: "application/json" };
      return upload.send(form.dataset.api, data, headers, function (loaded, total) {
        sent = loaded;
        showProgress(row, loaded < total ? "Uploading" : "Checking the photo\u2026", loaded, total);
        overall.photo(number, loaded, total);
      });
    }).then(function (response) {
      overall.finished(response && response.status < 300 ? sent : 0);
      if (response === null) {
        setStatus(row, null);
        setError(row, "We could not reach the server. Check the connection and try again.");
        return true;
      }
      var body = response.body;
      if (response.status >= 200 && response.status < 300) {
        row.jobUrl = form.dataset.jobUrl.replace("__ID__", String(body.id));
        row.el.classList.add("is-done");
        var link = document.createElement("a");
        link.href = row.jobUrl;
        link.textContent = "Queued \u2014 view job #" + body.id;
        setStatus(row, link);
        remaining = Math.max(0, remaining - 1);
        return true;
      }
      setStatus(row, null);
      if (response.status === 429) {
        remaining = 0;
        setError(row, quotaMessage());
        return false;
      }
      var message = body.error && body.error.message
        ? body.error.message : "The upload failed (error " + response.status + "). Please try again.";
      setError(row, message);
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
    var todo = rows.filter(function (r) { return !r.jobUrl && !rowProblem(r); });
    if (!todo.length) {
      status.textContent = rows.length ? "Fix or remove the photos marked in red." : "Add at least one photo.";
      return;
    }
    submit.disabled = true;
    status.textContent = "Uploading " + todo.length + " photo(s)\u2026";
    overall.start(todo.length);
    var chain = Promise.resolve(true);
    var allowed = remaining;
    todo.forEach(function (row, i) {
      chain = chain.then(function (goOn) {
        if (goOn && i < allowed) return submitRow(row, i + 1);
        setError(row, quotaMessage());
        overall.finished(0);
        return false;
      });
    });
    chain.then(function () {
      submit.disabled = false;
      updateNotice();
      var done = rows.filter(function (r) { return r.jobUrl; });
      var failed = rows.length - done.length;
      if (!failed) {
        // The progress stays in view until the next page replaces this one.
        overall.end("All " + done.length + " sent. Opening " +
          (done.length === 1 ? "the job" : "your jobs") + "\u2026", true);
        if (done.length === 1) { window.location.assign(done[0].jobUrl); return; }
        var listing = form.elements.listing.value.trim();
        window.location.assign(form.dataset.listUrl + (listing ? "?listing=" + encodeURIComponent(listing) : ""));
        return;
      }
      overall.end("", false);
      status.textContent = done.length + " photo(s) queued; " + failed + " need attention (see the messages in red).";
      var firstBad = rows.find(function (r) { return !r.jobUrl; });
      if (firstBad) firstBad.select.focus();
    });
  });
})();
