/* The staff complaint page: every half minute, say who else has the complaint open and
   whether it changed since this page was loaded (with a link to reload). Without
   JavaScript the page says who else had it open when it loaded; an action sent from an
   out-of-date page is refused by the server either way. */
(function () {
  "use strict";
  var box = document.getElementById("presence");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-url");
  var token = box.getAttribute("data-csrf");
  var version = box.getAttribute("data-version");
  var seconds = parseInt(box.getAttribute("data-interval"), 10) || 30;

  function note(text) {
    var paragraph = document.createElement("p");
    paragraph.className = "alert alert-warning presence-note";
    paragraph.textContent = text;
    return paragraph;
  }

  function show(answer) {
    var notes = (answer.others || []).map(note);
    if (answer.changed) {
      var changed = note(answer.changed + " ");
      changed.classList.add("presence-changed");
      var reload = document.createElement("a");
      reload.href = window.location.pathname;
      reload.textContent = answer.reload;
      changed.appendChild(reload);
      notes.push(changed);
    }
    box.replaceChildren.apply(box, notes);
  }

  function ask() {
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ version: version })
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (answer) {
      if (answer) { show(answer); }
    }).catch(function () { /* offline for a moment: ask again next time */ });
  }

  window.setInterval(ask, seconds * 1000);
}());
