// Room type suggestion for New staging: send a small copy of a photo to POST /api/v1/room-guesses,
// then ask for the answer a few times. Resolves to {room_type, label}, or null when there is no
// guess in time (no idle worker, a photo it cannot tell, an error): the page then changes nothing.
(function () {
  "use strict";

  var SIDE_PX = 768;  // enough to see the room; small enough to upload in a moment
  var WAIT_MS = 5000;  // the agent is choosing photos now: a later answer is no help
  var EVERY_MS = 400;

  function json(response) {
    return response.ok ? response.json() : null;
  }

  function poll(url, deadline) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(json)
      .then(function (body) {
        if (!body || body.state === "failed") return null;
        if (body.state === "answered") return body.room_type ? body : null;
        if (Date.now() + EVERY_MS > deadline) return null;
        return new Promise(function (resolve) { setTimeout(resolve, EVERY_MS); })
          .then(function () { return poll(url, deadline); });
      });
  }

  function ask(api, file, csrf) {
    return window.StagewrightUpload.prepare(file, SIDE_PX).then(function (photo) {
      var data = new FormData();
      data.append("photo", photo, file.name);
      return fetch(api, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
      });
    }).then(json).then(function (body) {
      return body ? poll(api + "/" + body.id, Date.now() + WAIT_MS) : null;
    }).catch(function () { return null; });
  }

  window.StagewrightRoomGuess = { ask: ask };
})();
