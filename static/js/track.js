/* The tracking page's answer form: show the reason only for "No", the survey only for "Yes".
   Without JavaScript both stay visible and the server ignores the survey on "No". */
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  if (!form) { return; }
  var reason = document.getElementById("reopen-reason");
  var survey = document.getElementById("survey");
  var reasonInput = reason ? reason.querySelector("textarea") : null;

  function chosen() {
    var checked = form.querySelector("input[name=decision]:checked");
    return checked ? checked.value : "";
  }

  function update() {
    var decision = chosen();
    if (reason) { reason.hidden = decision !== "reopen"; }
    if (reasonInput) { reasonInput.required = decision === "reopen"; }
    if (survey) {
      survey.hidden = decision !== "confirm";
      survey.disabled = decision !== "confirm";
    }
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "decision") { update(); }
  });
  update();
}());
