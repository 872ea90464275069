/* Tracked-link form: show, in grey, the UTM values that an empty field will get. */
(function () {
  "use strict";
  var form = document.querySelector("[data-utm-form]");
  if (!form) { return; }
  function field(name) { return form.elements.namedItem(name); }
  function slug(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80);
  }
  function refresh() {
    var channel = field("channel").value;
    var medium = field("medium").value || (channel === "email" ? "email" : (channel ? "social" : "print"));
    var campaign = field("campaign");
    var chosen = campaign.value ? campaign.options[campaign.selectedIndex].text : "";
    var name = field("new_campaign").value.trim() || chosen;
    field("utm_source").placeholder = channel || medium;
    field("utm_medium").placeholder = medium;
    field("utm_campaign").placeholder = slug(name);
  }
  ["channel", "medium", "campaign", "new_campaign"].forEach(function (name) {
    field(name).addEventListener("input", refresh);
    field(name).addEventListener("change", refresh);
  });
  refresh();
}());
