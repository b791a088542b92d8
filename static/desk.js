// Staff pages: a pass leaves the desk screen by itself after a few minutes, so the next resident
// never sees it; the chair's page checks again while the vote is closing. Kept out of the HTML so
// the Content-Security-Policy can forbid inline script.
(function () {
  "use strict";
  var leave = document.querySelector("[data-leave-after]");
  if (leave) {
    window.setTimeout(function () {
      window.location.replace(leave.getAttribute("data-leave-to"));
    }, Number(leave.getAttribute("data-leave-after")) * 1000);
  }
  var poll = document.querySelector("[data-reload-after]");
  if (poll) {
    window.setTimeout(function () {
      window.location.reload();
    }, Number(poll.getAttribute("data-reload-after")) * 1000);
  }
})();
