// Drag and drop on a TD's upload zone: the dropped files become the form's files and the form is sent.
// Without JavaScript the file picker and the button do the same.
document.querySelectorAll("form.depot").forEach(function (form) {
  var zone = form.querySelector(".zone");
  var input = form.querySelector("input[type=file]");
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("survol"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("survol"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    input.files = event.dataTransfer.files;
    form.submit();
  });
});
