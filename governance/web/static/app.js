// Small behaviours without inline script (the Content-Security-Policy forbids inline code).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
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
