// "Copy link" buttons: copy the named input's text; without the clipboard API the button stays
// hidden and the input can be selected by hand.
(function () {
  "use strict";

  if (!navigator.clipboard) return;
  var status = document.getElementById("copy-status");
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.dataset.copy);
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(
        function () { status.textContent = "Copied."; },
        function () { input.select(); status.textContent = "Copying was refused: press Ctrl+C (or long-press) to copy."; }
      );
    });
  });
})();
