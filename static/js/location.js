/* The complaint form's location, the ways people give it (progressive enhancement).
 *
 * Without this script the form asks for an address, a kecamatan and desa from
 * grouped lists, and coordinates typed by hand. With it:
 * - the desa list shows only the desa and kelurahan of the chosen kecamatan;
 * - "Use my location" fills the coordinates from the browser's geolocation;
 * - a map (Leaflet, served from static/vendor when `make vendor` fetched it; no
 *   map otherwise) lets the citizen tap to drop a pin and drag it to move it.
 * Whatever sets the coordinates fires `input` and `change` on #lat and #lon, so
 * other scripts (the nearby-reports check) notice.
 */
(function () {
  "use strict";

  var REGENCY_CENTRE = [0.5, 123.27]; // Bone Bolango
  var REGENCY_ZOOM = 10;
  var PIN_ZOOM = 16;
  var TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
  var ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>';

  var box = document.getElementById("location-pin");
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  if (!box || !lat || !lon) return;
  var statusLine = document.getElementById("location-status");
  var map = null;
  var pin = null;

  function say(text) {
    statusLine.textContent = text || "";
  }

  function typedPoint() {
    var y = parseFloat(lat.value.replace(",", "."));
    var x = parseFloat(lon.value.replace(",", "."));
    if (isNaN(y) || isNaN(x) || Math.abs(y) > 90 || Math.abs(x) > 180) return null;
    return [y, x];
  }

  function announce(input) {
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  /* The one way the script sets the coordinates: inputs, events, then the pin. */
  function setPoint(y, x) {
    lat.value = y.toFixed(6);
    lon.value = x.toFixed(6);
    announce(lat);
    announce(lon);
    showPin([y, x]);
  }

  function showPin(point) {
    if (!map) return;
    if (pin) {
      pin.setLatLng(point);
      return;
    }
    var label = box.dataset.pinLabel;
    pin = window.L.marker(point, { draggable: true, title: label, alt: label }).addTo(map);
    pin.on("dragend", function () {
      var moved = pin.getLatLng();
      setPoint(moved.lat, moved.lng);
    });
  }

  /* ---- "Use my location" ---- */

  function useMyLocation(button) {
    button.disabled = true;
    say(box.dataset.locating);
    navigator.geolocation.getCurrentPosition(
      function (position) {
        button.disabled = false;
        setPoint(position.coords.latitude, position.coords.longitude);
        if (map) map.setView([position.coords.latitude, position.coords.longitude], PIN_ZOOM);
        else openCoordinates();
        say(box.dataset.located);
      },
      function (problem) {
        button.disabled = false;
        say(problem.code === problem.PERMISSION_DENIED ? box.dataset.denied : box.dataset.failed);
      },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
    );
  }

  function openCoordinates() {
    var details = lat.closest("details");
    if (details) details.open = true;
  }

  function offerMyLocation() {
    var button = document.getElementById("use-my-location");
    if (!button || !("geolocation" in navigator)) return;
    button.hidden = false;
    box.hidden = false;
    button.addEventListener("click", function () {
      useMyLocation(button);
    });
  }

  /* ---- The map ---- */

  function loadLeaflet(ready) {
    var sheet = document.createElement("link");
    sheet.rel = "stylesheet";
    sheet.href = box.dataset.leafletCss;
    document.head.appendChild(sheet);
    var script = document.createElement("script");
    script.src = box.dataset.leafletJs;
    script.onload = function () {
      if (window.L) ready();
    };
    // No Leaflet (not fetched): no map; the address and coordinates still work.
    document.head.appendChild(script);
  }

  function showMap() {
    var mapBox = document.getElementById("location-map-box");
    box.hidden = false;
    mapBox.hidden = false;
    var L = window.L;
    var start = typedPoint();
    // Dragging pans, but the wheel and one-finger scrolling past it move the page.
    map = L.map("location-map", { scrollWheelZoom: false });
    map.attributionControl.setPrefix(false);
    L.tileLayer(TILES, {
      maxZoom: 19,
      attribution: ATTRIBUTION,
      // The tile servers' usage policy asks for a Referer; send our origin only.
      referrerPolicy: "strict-origin-when-cross-origin",
    }).addTo(map);
    map.setView(start || REGENCY_CENTRE, start ? PIN_ZOOM : REGENCY_ZOOM);
    if (start) showPin(start);
    map.on("click", function (event) {
      setPoint(event.latlng.lat, event.latlng.lng);
      // A tap on the whole regency is rough: come closer, so the pin can be dragged true.
      if (map.getZoom() < 14) map.setView(event.latlng, 15);
    });
    // Coordinates typed by hand move the pin.
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () {
        var point = typedPoint();
        if (point && !pinAt(point)) {
          showPin(point);
          map.panTo(point);
        }
      });
    });
  }

  function pinAt(point) {
    if (!pin) return false;
    var here = pin.getLatLng();
    return Math.abs(here.lat - point[0]) < 1e-7 && Math.abs(here.lng - point[1]) < 1e-7;
  }

  /* ---- Desa of the chosen kecamatan ---- */

  function filterDesa() {
    var kecamatan = document.getElementById("kecamatan");
    var desa = document.getElementById("desa");
    if (!kecamatan || !desa) return;
    var groups = Array.prototype.slice.call(desa.querySelectorAll("optgroup"));
    function show() {
      var keep = desa.value;
      groups.forEach(function (group) {
        group.remove();
        if (!kecamatan.value || group.label === kecamatan.value) desa.appendChild(group);
      });
      var listed = Array.prototype.some.call(desa.options, function (option) {
        return option.value === keep;
      });
      desa.value = listed ? keep : "";
    }
    kecamatan.addEventListener("change", show);
    // A desa chosen from the whole list names its kecamatan.
    desa.addEventListener("change", function () {
      var option = desa.options[desa.selectedIndex];
      var group = option && option.parentNode;
      if (!kecamatan.value && group && group.label) {
        kecamatan.value = group.label;
        show();
        desa.value = option.value;
      }
    });
    if (kecamatan.value) show();
  }

  filterDesa();
  offerMyLocation();
  loadLeaflet(showMap);
})();
