// Before/after comparison: a native range input drives the split, so keyboard arrows, Home/End
// and screen readers work; pointer drags on the picture move the same input.
(function () {
  "use strict";

  function setup(compare) {
    var range = document.getElementById(compare.dataset.range);
    if (!range) return;
    function apply() {
      compare.style.setProperty("--pos", range.value + "%");
      range.setAttribute("aria-valuetext", range.value + "% staged photo shown");
    }
    range.addEventListener("input", apply);
    apply();

    var dragging = false;
    function moveTo(clientX) {
      var box = compare.getBoundingClientRect();
      var pct = Math.round(((clientX - box.left) / box.width) * 100);
      range.value = String(Math.min(100, Math.max(0, pct)));
      apply();
    }
    compare.addEventListener("pointerdown", function (event) {
      dragging = true;
      compare.setPointerCapture(event.pointerId);
      moveTo(event.clientX);
    });
    compare.addEventListener("pointermove", function (event) {
      if (dragging) moveTo(event.clientX);
    });
    compare.addEventListener("pointerup", function () { dragging = false; });
    compare.addEventListener("pointercancel", function () { dragging = false; });

    // Variant buttons swap the staged image shown in the slider.
    document.querySelectorAll("[data-compare-src][data-compare-target='" + compare.id + "']")
      .forEach(function (button) {
        button.addEventListener("click", function () {
          var img = compare.querySelector(".after img");
          img.src = button.dataset.compareSrc;
          img.alt = button.dataset.compareAlt || img.alt;
          document.querySelectorAll("[data-compare-target='" + compare.id + "']").forEach(function (b) {
            var fig = b.closest("figure");
            if (fig) fig.classList.toggle("is-current", b === button);
            b.setAttribute("aria-pressed", String(b === button));
          });
        });
      });

    // For a job made from an earlier result, "Before" is that result or the original photo.
    var befores = document.querySelectorAll("[data-compare-before]");
    befores.forEach(function (button) {
      button.addEventListener("click", function () {
        compare.querySelector(":scope > img").src = button.dataset.compareBefore;
        befores.forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
      });
    });
  }

  document.querySelectorAll(".compare[data-range]").forEach(setup);
})();
