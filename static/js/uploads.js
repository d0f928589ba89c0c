// Images in the post editor: choosing files, dropping them on the text or pasting them uploads
// each at once and inserts its Markdown at the cursor. Without this script the file input is
// sent with the form instead (the server appends the images to the text).
(function () {
  "use strict";

  function say(status, text) {
    if (status) { status.textContent = text; }
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key] || ""; });
  }

  function insert(textarea, markdown) {
    var start = textarea.selectionStart || 0, end = textarea.selectionEnd || 0, text = textarea.value;
    var before = text.slice(0, start), after = text.slice(end);
    var lead = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
    var chunk = lead + markdown + "\n";
    textarea.value = before + chunk + after;
    textarea.selectionStart = textarea.selectionEnd = before.length + chunk.length;
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function upload(textarea, status, file) {
    var form = textarea.form, token = form && form.querySelector("input[name=csrf_token]");
    var data = new FormData();
    data.append("file", file, file.name || "pasted-image.png");
    if (token) { data.append("csrf_token", token.value); }
    say(status, fill(textarea.dataset.uploading, { name: file.name || "image" }));
    return fetch(textarea.dataset.uploadUrl, {
      method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return { detail: response.statusText }; }).then(function (body) {
        if (!response.ok) { throw new Error(body.detail || response.statusText); }
        insert(textarea, body.markdown);
        say(status, textarea.dataset.uploaded);
      });
    }).catch(function (error) {
      say(status, fill(textarea.dataset.uploadFailed, { name: file.name || "image", problem: error.message }));
    });
  }

  function images(list) {
    return Array.prototype.filter.call(list || [], function (file) { return /^image\//.test(file.type); });
  }

  function uploadAll(textarea, status, files) {
    return images(files).reduce(function (chain, file) {
      return chain.then(function () { return upload(textarea, status, file); });
    }, Promise.resolve());
  }

  function enhance(textarea) {
    var form = textarea.form;
    var status = form && form.querySelector("[data-upload-status]");
    var input = form && form.querySelector("[data-upload-input]");
    if (input) {
      var wrapper = input.closest("[data-upload-only]");
      if (wrapper) { wrapper.hidden = false; }
      input.addEventListener("change", function () {
        var files = Array.prototype.slice.call(input.files);
        input.value = "";  // uploaded now, so the form does not send them again
        uploadAll(textarea, status, files);
      });
    }
    textarea.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
        event.preventDefault();
        textarea.classList.add("drop-target");
      }
    });
    textarea.addEventListener("dragleave", function () { textarea.classList.remove("drop-target"); });
    textarea.addEventListener("drop", function (event) {
      textarea.classList.remove("drop-target");
      var files = event.dataTransfer && images(event.dataTransfer.files);
      if (files && files.length) {
        event.preventDefault();
        uploadAll(textarea, status, files);
      }
    });
    textarea.addEventListener("paste", function (event) {
      var files = event.clipboardData && images(event.clipboardData.files);
      if (files && files.length) {
        event.preventDefault();
        uploadAll(textarea, status, files);
      }
    });
  }

  document.querySelectorAll("textarea[data-upload-url]").forEach(enhance);
})();
