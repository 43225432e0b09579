// Small behaviours without inline script (the Content-Security-Policy forbids inline code).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var button = event.submitter;
  var message = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
    return;
  }
  // A file over the limit (data-max-bytes) is refused here, before the upload; the server refuses it too.
  var inputs = form.querySelectorAll("input[type=file][data-max-bytes]");
  for (var i = 0; i < inputs.length; i++) {
    if (tooLarge(inputs[i])) {
      event.preventDefault();
      inputs[i].focus();
      return;
    }
  }
  dirtyForms = dirtyForms.filter(function (f) { return f !== form; }); // what it sends is being saved
});

// File inputs: say at once when a chosen file is larger than the limit shown on the field.
function tooLarge(input) {
  var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
  var big = null;
  for (var i = 0; i < input.files.length; i++) {
    if (input.files[i].size > limit) big = input.files[i];
  }
  var note = input.parentNode.querySelector(".upload-error[data-for='" + input.name + "']");
  if (!big) {
    if (note) note.remove();
    input.removeAttribute("aria-invalid");
    return false;
  }
  if (!note) {
    note = document.createElement("p");
    note.className = "field-error upload-error";
    note.setAttribute("data-for", input.name);
    note.setAttribute("role", "alert");
    input.insertAdjacentElement("afterend", note);
  }
  var mb = function (n) { return (n / 1048576).toFixed(1).replace(/\.0$/, ""); };
  note.textContent = "ファイルが大きすぎます（" + mb(big.size) + " MB）。1つのファイルは" + mb(limit) +
    " MBまでです。ファイルを選び直してください。";
  input.setAttribute("aria-invalid", "true");
  return true;
}

document.addEventListener("change", function (event) {
  var input = event.target;
  if (input.matches && input.matches("input[type=file][data-max-bytes]")) tooLarge(input);
});

// Forms marked data-warn-unsaved: leaving the page while one holds changes not yet sent asks first.
var dirtyForms = [];
function markDirty(event) {
  var form = event.target.form;
  if (form && form.hasAttribute("data-warn-unsaved") && dirtyForms.indexOf(form) < 0) dirtyForms.push(form);
}
document.addEventListener("input", markDirty);
document.addEventListener("change", markDirty);
window.addEventListener("beforeunload", function (event) {
  if (dirtyForms.length) {
    event.preventDefault();
    event.returnValue = "";
  }
});

// 印刷 buttons (data-print): open the browser's print dialog; the print stylesheet shows only what the page shows.
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-print]") : null;
  if (button) {
    event.preventDefault();
    window.print();
  }
});
