/* Admin pages, improved when JavaScript runs (each works without it):
   - a "Copy" button beside a link shown once (invitation, password reset);
   - on a new account's form, the temporary-password field only when that is chosen. */
(function () {
  "use strict";

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copied(button, status) {
    status.textContent = button.getAttribute("data-copied");
  }

  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!source || !status) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = source.textContent.trim();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { copied(button, status); },
          function () { selectText(source); });
        return;
      }
      // Plain HTTP (a local test server): the older way, from a selection.
      selectText(source);
      if (document.execCommand && document.execCommand("copy")) { copied(button, status); }
    });
  });

  var password = document.getElementById("password");
  var choices = document.querySelectorAll("input[name=access]");
  if (password && choices.length) {
    var field = password.closest(".field");
    var update = function () {
      var chosen = document.querySelector("input[name=access]:checked");
      field.hidden = !!chosen && chosen.value === "invite";
    };
    choices.forEach(function (choice) { choice.addEventListener("change", update); });
    update();
  }
}());
