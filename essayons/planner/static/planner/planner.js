// Planner: drag a post onto another day of the calendar (htmx posts the move), and keep the
// composer's preview informed of how many photos are chosen. Works without it: every move
// can also be done with the "reschedule" form of the post.
(function () {
  "use strict";

  function csrfHeaders() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    } catch (error) {
      return {};
    }
  }

  document.addEventListener("dragstart", function (event) {
    var chip = event.target.closest && event.target.closest("[data-move-url]");
    if (!chip) return;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", chip.dataset.moveUrl + "|" + chip.dataset.version);
  });

  document.addEventListener("dragover", function (event) {
    var cell = event.target.closest && event.target.closest("[data-day]");
    if (!cell) return;
    event.preventDefault();
    cell.classList.add("drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    var cell = event.target.closest && event.target.closest("[data-day]");
    if (cell) cell.classList.remove("drop-target");
  });

  document.addEventListener("drop", function (event) {
    var cell = event.target.closest && event.target.closest("[data-day]");
    if (!cell || !window.htmx) return;
    event.preventDefault();
    cell.classList.remove("drop-target");
    var parts = event.dataTransfer.getData("text/plain").split("|");
    if (parts.length !== 2) return;
    window.htmx.ajax("POST", parts[0], {
      source: cell,
      target: "#calendar",
      swap: "outerHTML",
      headers: csrfHeaders(),
      values: { date: cell.dataset.day, version: parts[1], next: window.location.pathname + window.location.search }
    });
  });

  document.addEventListener("change", function (event) {
    if (!event.target.matches || !event.target.matches("input[type=file][name=images]")) return;
    var counter = document.getElementById("new_image_count");
    if (counter) {
      counter.value = event.target.files.length;
      // "input" is what refreshes the preview; a "change" would also fire on every blur.
      counter.dispatchEvent(new Event("input", { bubbles: true }));
    }
  });
})();
