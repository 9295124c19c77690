// Live job progress: polls the JSON API about once a second until the job is final, then reloads
// so the server renders the results (or the error). It shows what the agent cares about (the
// API's `activity`), a place in line and a wait only while the job waits, and no estimate while
// staging is paused (no live worker takes jobs).
(function () {
  "use strict";

  var box = document.querySelector("[data-job-progress]");
  if (!box) return;
  var url = box.dataset.jobProgress;
  var bar = box.querySelector(".progress > span");
  var barWrap = box.querySelector(".progress");
  var FINAL = ["completed", "failed", "cancelled"];
  var INTERVAL_MS = 1000;
  var failures = 0;

  function field(name) {
    return box.querySelector("[data-field='" + name + "']");
  }

  function show(name, visible) {
    var el = box.querySelector("[data-when='" + name + "']");
    if (el) el.hidden = !visible;
  }

  function formatWait(seconds) {
    if (seconds === null || seconds === undefined) return "estimating\u2026";
    if (seconds < 60) return "about " + Math.max(1, Math.round(seconds)) + " s";
    return "about " + Math.round(seconds / 60) + " min";
  }

  function setText(name, text) {
    var el = field(name);
    if (el) el.textContent = text;
  }

  function render(job) {
    var pct = Math.max(0, Math.min(100, job.progress || 0));
    var waiting = job.state === "pending";
    bar.style.width = pct + "%";
    barWrap.setAttribute("aria-valuenow", String(pct));
    var state = field("state");
    if (state) {
      state.textContent = job.state;
      state.className = "badge badge-" + job.state;
    }
    setText("activity", job.activity || "");
    setText("stage", job.stage || "\u2014");
    setText("queue_position", waiting && job.queue_position !== null
      ? (job.queue_position === 0 ? "next" : job.queue_position + " ahead") : "\u2014");
    setText("estimated_wait", formatWait(job.estimated_wait_s));
    show("waiting", waiting);
    show("estimate", waiting && !job.paused);
    var reason = field("paused-reason");
    if (reason && !job.paused) reason.hidden = true;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (job) {
        failures = 0;
        render(job);
        if (FINAL.indexOf(job.state) !== -1) {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, INTERVAL_MS);
      })
      .catch(function () {
        failures += 1;
        // Back off on a flaky connection instead of hammering the server.
        window.setTimeout(poll, Math.min(30000, INTERVAL_MS * Math.pow(2, failures)));
      });
  }

  window.setTimeout(poll, INTERVAL_MS);
})();
