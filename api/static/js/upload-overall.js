// New staging: one progress for the whole batch, pinned to the bottom of the screen from the tap
// on "Stage photos" until the next page opens, so that a phone shows it wherever the agent has
// scrolled: photos sent of the total, this photo's bytes and the bytes sent in all. Used by
// upload.js.
(function () {
  "use strict";

  var box = document.getElementById("upload-overall");
  if (!box) return;
  var bar = box.querySelector("progress");
  var text = box.querySelector(".upload-overall-text");
  var count = 0;
  var done = 0;
  var sentBefore = 0;

  function mb(bytes) {
    return (bytes / 1048576).toFixed(1);
  }

  function photos(n) {
    return n + " photo" + (n === 1 ? "" : "s");
  }

  function start(total) {
    count = total;
    done = 0;
    sentBefore = 0;
    bar.max = total;
    bar.value = 0;
    text.textContent = "Preparing " + photos(total) + "\u2026";
    box.hidden = false;
    document.body.classList.add("is-uploading");
  }

  // The current photo (1-based `number`) has sent `loaded` of `total` bytes.
  function photo(number, loaded, total) {
    bar.value = done + (total ? loaded / total : 0);
    var what = total ? mb(loaded) + " of " + mb(total) + " MB" : "preparing";
    text.textContent = done + " of " + photos(count) + " done \u00b7 photo " + number + ": " +
      what + " \u00b7 " + mb(sentBefore + loaded) + " MB sent";
  }

  // A photo is done: sent (its bytes), or stopped with a message next to it (0).
  function finished(bytes) {
    done += 1;
    sentBefore += bytes;
    bar.value = done;
    text.textContent = done + " of " + photos(count) + " done \u00b7 " + mb(sentBefore) + " MB sent";
  }

  function end(message, keep) {
    text.textContent = message;
    if (!keep) {
      box.hidden = true;
      document.body.classList.remove("is-uploading");
    }
  }

  window.StagewrightOverall = { start: start, photo: photo, finished: finished, end: end };
})();
