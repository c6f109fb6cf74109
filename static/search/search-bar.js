// Query by example from the search bar: picking an image, or dropping one
// on the bar, posts it to the search page as multipart; the page answers
// with a redirect to the results, and the image is not kept.
(function () {
  "use strict";
  var input = document.getElementById("search-image");
  if (!input || input.dataset.bound) {
    return;
  }
  input.dataset.bound = "1";
  var form = input.closest("form");

  function submitExample() {
    if (!input.files || !input.files.length) {
      return;
    }
    form.method = "post";
    form.enctype = "multipart/form-data";
    form.action = input.dataset.searchUrl;
    document.getElementById("search-csrf").disabled = false;
    form.submit();
  }

  input.addEventListener("change", submitExample);

  form.addEventListener("dragover", function (event) {
    if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
      event.preventDefault();
      form.classList.add("search-drop");
    }
  });
  form.addEventListener("dragleave", function () {
    form.classList.remove("search-drop");
  });
  form.addEventListener("drop", function (event) {
    var files = event.dataTransfer && event.dataTransfer.files;
    if (!files || !files.length) {
      return;
    }
    event.preventDefault();
    form.classList.remove("search-drop");
    input.files = files;
    submitExample();
  });
})();
