/* The complaint form's photos, made lighter for a slow phone connection.
 *
 * Progressive enhancement: without this script the form posts its photos as they are.
 * With it, 1) photos chosen are made smaller in the browser (long side at most 2048 px,
 * JPEG, as the server keeps them anyway) and shown as thumbnails; 2) on sending, the
 * photos go first, to the form's photo stash (/complaints/new/photos), with a progress
 * bar; 3) the form then posts as usual without them: the server adds the photos it
 * holds, and whatever it answers (the tracking page, the form with its errors) is an
 * ordinary page load.
 */
(function () {
  "use strict";

  var MAX_SIDE = 2048;
  var QUALITY = 0.85;
  var THUMB_SIDE = 160;
  // A photo already this small, in pixels and bytes, is sent as it is.
  var SMALL_BYTES = 1024 * 1024;

  var field = document.getElementById("photos-field");
  var form = field && field.closest("form");
  var input = field && field.querySelector("input[type=file]");
  if (!form || !input || !window.FormData || !window.DataTransfer ||
      !window.createImageBitmap || !window.Promise) {
    return;
  }
  var chosen = document.getElementById("chosen-photos");
  var problem = document.getElementById("photos-upload-error");
  var progress = document.getElementById("upload-progress");
  var bar = progress.querySelector(".progress");
  var barFill = progress.querySelector(".progress-bar");
  var tokenInput = form.querySelector("input[name=submission_token]");
  var ready = Promise.resolve();
  var sending = false;

  function decode(file) {
    return createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () {
      return createImageBitmap(file);
    });
  }

  function draw(bitmap, side) {
    var scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    var context = canvas.getContext("2d");
    context.fillStyle = "#fff"; // transparent parts on white, as JPEG has no transparency
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return canvas;
  }

  function jpegName(name) {
    return name.replace(/\.[^.\/\\]*$/, "") + ".jpg";
  }

  // The photo to send (smaller when that helps) and a thumbnail of it.
  function shrink(file) {
    return decode(file).then(function (bitmap) {
      var thumbnail = draw(bitmap, THUMB_SIDE).toDataURL("image/jpeg", 0.7);
      var small = Math.max(bitmap.width, bitmap.height) <= MAX_SIDE && file.size <= SMALL_BYTES;
      if (file.type === "image/gif" || small) {
        bitmap.close();
        return { file: file, thumbnail: thumbnail };
      }
      var canvas = draw(bitmap, MAX_SIDE);
      bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          var smaller = blob && blob.size < file.size;
          resolve({
            file: smaller ? new File([blob], jpegName(file.name), { type: "image/jpeg" }) : file,
            thumbnail: thumbnail
          });
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () {
      return { file: file, thumbnail: null }; // not decodable here: the server will judge it
    });
  }

  function sizeText(bytes) {
    var megabytes = bytes / (1024 * 1024);
    var locale = document.documentElement.lang || undefined;
    return megabytes.toLocaleString(locale, { maximumFractionDigits: 1 }) + " MB";
  }

  function showChosen(photos) {
    var list = chosen.querySelector("ul");
    list.textContent = "";
    photos.forEach(function (photo) {
      var item = document.createElement("li");
      if (photo.thumbnail) {
        var image = document.createElement("img");
        image.src = photo.thumbnail;
        image.alt = photo.file.name;
        image.className = "img-thumbnail d-block";
        item.appendChild(image);
      }
      var caption = document.createElement("span");
      caption.className = "form-text d-block";
      caption.textContent = (photo.thumbnail ? "" : photo.file.name + " ") + sizeText(photo.file.size);
      item.appendChild(caption);
      list.appendChild(item);
    });
    chosen.hidden = photos.length === 0;
  }

  function prepare() {
    problem.hidden = true;
    var files = Array.prototype.slice.call(input.files || []);
    return Promise.all(files.map(shrink)).then(function (photos) {
      var transfer = new DataTransfer();
      photos.forEach(function (photo) { transfer.items.add(photo.file); });
      input.files = transfer.files; // setting them fires no "change"
      showChosen(photos);
    });
  }

  function setProgress(percent) {
    var value = Math.round(percent);
    bar.setAttribute("aria-valuenow", String(value));
    barFill.style.width = value + "%"; // the CSSOM, which the CSP allows
  }

  function fail(message) {
    sending = false;
    progress.hidden = true;
    problem.textContent = message;
    problem.hidden = false;
    problem.scrollIntoView({ block: "center" });
  }

  function postForm(submitter) {
    sending = false;
    if (form.requestSubmit) {
      form.requestSubmit(submitter || undefined);
    } else {
      form.submit();
    }
  }

  function upload(submitter) {
    var request = new XMLHttpRequest();
    request.open("POST", field.getAttribute("data-hold-url"));
    request.responseType = "json";
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        setProgress((event.loaded / event.total) * 100);
      }
    });
    request.addEventListener("load", function () {
      var answer = request.response || {};
      if (request.status === 200 && answer.token) {
        setProgress(100);
        tokenInput.value = answer.token;
        input.value = ""; // held on the server now: the form goes without them
        postForm(submitter);
      } else if (request.status === 422 && answer.error) {
        fail(answer.error);
      } else {
        postForm(submitter); // anything else (an expired form, a limit): the server explains
      }
    });
    request.addEventListener("error", function () {
      fail(problem.getAttribute("data-failed"));
    });
    problem.hidden = true;
    setProgress(0);
    progress.hidden = false;
    request.send(new FormData(form));
  }

  input.addEventListener("change", function () {
    ready = prepare().catch(function () {}); // a photo not made smaller is sent as it is
  });

  form.addEventListener("submit", function (event) {
    if (sending) {
      event.preventDefault(); // a second tap while the photos are on their way
      return;
    }
    if (!input.files || input.files.length === 0) {
      return; // nothing to upload: an ordinary post
    }
    event.preventDefault();
    sending = true;
    var submitter = event.submitter;
    // The bar where the citizen is looking: next to the button just tapped.
    if (submitter && submitter.parentNode) {
      submitter.parentNode.insertBefore(progress, submitter);
    }
    ready.then(function () { upload(submitter); });
  });

  // Back from the next page (the browser's page cache): the form can be sent again.
  window.addEventListener("pageshow", function () {
    sending = false;
    progress.hidden = true;
  });
})();
