// "Copy the text" on the page of a post to publish by hand; without JavaScript the text
// stays selectable in its box.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var source = document.getElementById(button.getAttribute("data-copy"));
  var done = document.getElementById(button.getAttribute("data-copy") + "-done");
  source.select();
  var show = function () { if (done) { done.hidden = false; } };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(source.value).then(show, function () { document.execCommand("copy"); show(); });
  } else {
    document.execCommand("copy");
    show();
  }
});
