// Preview a newly chosen profile picture before the form is sent.
(function () {
  "use strict";
  var input = document.querySelector("[data-picture-input]");
  var preview = document.querySelector("[data-picture-preview]");
  if (!input || !preview) { return; }
  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (!file || !/^image\//.test(file.type)) { preview.hidden = true; return; }
    var url = URL.createObjectURL(file);
    preview.onload = function () { URL.revokeObjectURL(url); };
    preview.src = url;
    preview.hidden = false;
  });
})();
