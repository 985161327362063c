/* "Sudah ada yang melaporkan?" while the citizen fills the complaint form.
 *
 * Progressive enhancement: without this script the server shows the same list after
 * the form is sent. With it, once a topic and a place (#lat, #lon, typed or set by
 * the map) are chosen, the open reports nearby are fetched from the box's data-url
 * (an HTML fragment rendered by the server) and shown in #nearby at once. Their
 * "support" buttons send the form as they do without the script.
 */
(function () {
  "use strict";

  var WAIT_MS = 400; // after the last keystroke or pin move

  var box = document.getElementById("nearby");
  var category = document.getElementById("category");
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  if (!box || !category || !lat || !lon || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var shownFor = null;
  var timer = null;
  var pending = null;

  function query() {
    var values = [category.value, lat.value.trim(), lon.value.trim()];
    if (!values[0] || !values[1] || !values[2]) {
      return null;
    }
    return new URLSearchParams({ category: values[0], lat: values[1], lon: values[2] }).toString();
  }

  function show(html, key) {
    box.innerHTML = html;
    shownFor = key;
  }

  function refresh() {
    var key = query();
    if (key === shownFor) {
      return;
    }
    if (pending) {
      pending.abort();
    }
    if (key === null) {
      show("", null);
      return;
    }
    var controller = window.AbortController ? new AbortController() : null;
    pending = controller;
    fetch(box.getAttribute("data-url") + "?" + key, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      // A refusal (a bad number, too many requests) leaves the box as it is:
      // the server looks again when the form is sent.
      if (response.ok) {
        return response.text().then(function (html) { show(html, key); });
      }
    }).catch(function () { /* aborted or offline: the same */ });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, WAIT_MS);
  }

  [category, lat, lon].forEach(function (input) {
    input.addEventListener("input", later);
    input.addEventListener("change", later);
  });
  // A form sent back by the server may already hold the list for these values.
  shownFor = box.children.length ? query() : null;
  if (shownFor === null) {
    refresh();
  }
})();
