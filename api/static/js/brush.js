// The editor's brush: pointer strokes (mouse, pen or finger) on a canvas over the result, at
// the picture's own resolution; undo and clear; on submit the strokes go as a PNG file whose
// painted pixels are opaque (the server reads its alpha channel).
(function () {
  "use strict";

  function setup(form) {
    var image = form.querySelector("[data-brush-image]");
    var canvas = form.querySelector("[data-brush-canvas]");
    var size = form.querySelector("[data-brush-size]");
    var undo = form.querySelector("[data-brush-undo]");
    var clear = form.querySelector("[data-brush-clear]");
    var fileInput = form.querySelector("[data-brush-mask]");
    var error = form.querySelector("[data-brush-error]");
    var context = canvas.getContext("2d");
    var strokes = [];
    var current = null;
    var sending = false;

    function fit() {
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      redraw();
    }

    function redraw() {
      context.clearRect(0, 0, canvas.width, canvas.height);
      context.strokeStyle = context.fillStyle = "rgb(230, 57, 70)";
      context.lineCap = context.lineJoin = "round";
      strokes.forEach(function (stroke) {
        context.lineWidth = stroke.width;
        context.beginPath();
        context.moveTo(stroke.points[0][0], stroke.points[0][1]);
        stroke.points.forEach(function (p) { context.lineTo(p[0], p[1]); });
        if (stroke.points.length === 1) context.lineTo(stroke.points[0][0] + 0.1, stroke.points[0][1]);
        context.stroke();
      });
      undo.disabled = clear.disabled = strokes.length === 0;
    }

    function at(event) {
      var box = canvas.getBoundingClientRect();
      return [
        ((event.clientX - box.left) / box.width) * canvas.width,
        ((event.clientY - box.top) / box.height) * canvas.height,
      ];
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      var width = (Number(size.value) / 100) * canvas.width;
      current = { width: width, points: [at(event)] };
      strokes.push(current);
      error.hidden = true;
      redraw();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!current) return;
      current.points.push(at(event));
      redraw();
    });
    ["pointerup", "pointercancel"].forEach(function (type) {
      canvas.addEventListener(type, function () { current = null; });
    });
    undo.addEventListener("click", function () { strokes.pop(); redraw(); });
    clear.addEventListener("click", function () { strokes = []; redraw(); });

    form.addEventListener("submit", function (event) {
      if (sending) return;
      event.preventDefault();
      if (strokes.length === 0) {
        error.textContent = "Paint over the part to change first.";
        error.hidden = false;
        return;
      }
      var submitter = event.submitter;
      canvas.toBlob(function (blob) {
        var files = new DataTransfer();
        files.items.add(new File([blob], "mask.png", { type: "image/png" }));
        fileInput.files = files.files;
        sending = true;
        form.requestSubmit(submitter);
      }, "image/png");
    });

    if (image.complete && image.naturalWidth) fit();
    else image.addEventListener("load", fit);
  }

  document.querySelectorAll("form[data-brush]").forEach(setup);
})();
