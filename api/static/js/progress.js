// Live job progress: polls the JSON API about once a second until the job is final, then reloads
// so the server renders the results (or the error).
(function () {
  "use strict";

  var box = document.querySelector("[data-job-progress]");
  if (!box) return;
  var url = box.dataset.jobProgress;
  var bar = box.querySelector(".progress > span");
  var barWrap = box.querySelector(".progress");
  var stage = box.querySelector("[data-field='stage']");
  var state = box.querySelector("[data-field='state']");
  var position = box.querySelector("[data-field='queue_position']");
  var wait = box.querySelector("[data-field='estimated_wait']");
  var FINAL = ["completed", "failed", "cancelled"];
  var INTERVAL_MS = 1000;
  var failures = 0;

  function formatWait(seconds) {
    if (seconds === null || seconds === undefined) return "estimating\u2026";
    if (seconds < 60) return "about " + Math.max(1, Math.round(seconds)) + " s";
    return "about " + Math.round(seconds / 60) + " min";
  }

  function render(job) {
    var pct = Math.max(0, Math.min(100, job.progress || 0));
    bar.style.width = pct + "%";
    barWrap.setAttribute("aria-valuenow", String(pct));
    if (state) {
      state.textContent = job.state;
      state.className = "badge badge-" + job.state;
    }
    if (stage) stage.textContent = job.stage || (job.state === "pending" ? "Waiting in line" : "Working");
    if (position) {
      position.textContent = job.state === "pending" && job.queue_position !== null
        ? (job.queue_position === 0 ? "next" : job.queue_position + " ahead") : "\u2014";
    }
    if (wait) wait.textContent = job.state === "pending" ? formatWait(job.estimated_wait_s) : "\u2014";
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
