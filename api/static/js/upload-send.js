// Sending one photo for New staging: scale it down in the browser when it is larger than the
// deployment allows (data-downscale-px on the form), then POST it with XMLHttpRequest so that
// real byte progress can be shown. Used by upload.js.
(function () {
  "use strict";

  var QUALITY = 0.9;

  // Resolves to the file itself, or to a JPEG scaled so its long edge is `limit` pixels.
  function prepare(file, limit) {
    if (!limit || !window.createImageBitmap || !/^image\/(jpeg|png|webp)$/.test(file.type)) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = limit / Math.max(bitmap.width, bitmap.height);
      if (scale >= 1) { bitmap.close(); return file; }
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      var context = canvas.getContext("2d");
      context.imageSmoothingQuality = "high";
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return file; });  // the server says what is wrong with it
  }

  // Resolves to {status, body}, or null when the server could not be reached.
  function send(url, data, headers, onProgress) {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      Object.keys(headers).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) onProgress(event.loaded, event.total);
      });
      xhr.addEventListener("load", function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (ignored) { body = {}; }
        resolve({ status: xhr.status, body: body || {} });
      });
      xhr.addEventListener("error", function () { resolve(null); });
      xhr.addEventListener("abort", function () { resolve(null); });
      xhr.send(data);
    });
  }

  window.StagewrightUpload = { prepare: prepare, send: send };
})();
