// The ballot form. The bar at the foot of the screen says how far the resident has got ("7 of 17
// scored", the running total, the points left); and a copy of the choices is kept on this tablet
// (sessionStorage, under a key made from the pass) so that a reload loses nothing. kiosk.js clears
// it when the vote is confirmed, abandoned or timed out. The server checks everything again.
(function () {
  "use strict";
  var form = document.getElementById("ballot-form");
  if (!form) { return; }
  var kind = form.getAttribute("data-kind");
  var key = "commonpurse.draft." + form.getAttribute("data-draft-key");
  var progress = document.getElementById("progress");
  var pounds = new Intl.NumberFormat("en-GB", { style: "currency", currency: "GBP", maximumFractionDigits: 0 });

  function fields() {
    return Array.prototype.filter.call(form.elements, function (e) { return e.name && e.type !== "submit"; });
  }

  function save() {
    var data = {};
    fields().forEach(function (e) {
      if (e.type === "radio" || e.type === "checkbox") {
        if (e.checked) { (data[e.name] = data[e.name] || []).push(e.value); }
      } else if (e.value !== "") {
        data[e.name] = [e.value];
      }
    });
    try { sessionStorage.setItem(key, JSON.stringify(data)); } catch (err) { /* storage full or off */ }
  }

  function restore() {
    var data;
    try { data = JSON.parse(sessionStorage.getItem(key) || "null"); } catch (err) { data = null; }
    if (!data) { return; }
    fields().forEach(function (e) {
      var values = data[e.name] || [];
      if (e.type === "radio" || e.type === "checkbox") {
        e.checked = values.indexOf(e.value) >= 0;
      } else {
        e.value = values.length ? values[0] : "";
      }
    });
  }

  function whole(text) { return /^[0-9]+$/.test(text) ? Number(text) : null; }

  function describe() {
    var all = fields();
    if (kind === "scores") {
      var scored = {};
      all.forEach(function (e) { if (e.checked) { scored[e.name] = true; } });
      return Object.keys(scored).length + " of " + form.getAttribute("data-projects") + " scored";
    }
    if (kind === "points") {
      var allowed = Number(form.getAttribute("data-points")), given = 0;
      all.forEach(function (e) { given += whole(e.value.trim()) || 0; });
      var text = given + " of " + allowed + " points given";
      if (given > allowed) { return text + ": that is " + (given - allowed) + " too many, take some away"; }
      return text + " (" + (allowed - given) + " left)";
    }
    if (kind === "ranking") {
      var filled = all.filter(function (e) { return e.value !== ""; }).length;
      return filled + " of " + form.getAttribute("data-places") + " places filled";
    }
    var picked = all.filter(function (e) { return e.checked; });
    var sum = picked.reduce(function (acc, e) { return acc + Number(e.getAttribute("data-cost")); }, 0);
    // Read from the form, not from the text this function rewrites.
    var budget = Number(form.getAttribute("data-budget"));
    var most = whole(form.getAttribute("data-max-picks") || "");
    var text = picked.length + " picked: " + pounds.format(sum) + " of " + pounds.format(budget);
    if (sum > budget) { return text + " (over budget: untick something)"; }
    if (most !== null && picked.length > most) { return text + " (too many: at most " + most + ")"; }
    return text;
  }

  function update() {
    var text = describe();
    if (progress.textContent !== text) { progress.textContent = text; }
    progress.classList.toggle("over", /too many|over budget/.test(text));
  }

  restore();
  update();
  form.addEventListener("change", function () { save(); update(); });
  form.addEventListener("input", function () { save(); update(); });
})();
