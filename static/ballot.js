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
  // The words come from the page, in its language ("%(n)s of %(total)s scored"); English if absent.
  var words = {
    scored: "%(n)s of %(total)s scored", given: "%(n)s of %(total)s points given",
    over_points: "%(n)s of %(total)s points given: that is %(over)s too many, take some away",
    points_left: "%(n)s of %(total)s points given (%(left)s left)", filled: "%(n)s of %(total)s places filled",
    picked: "%(n)s picked: %(sum)s of %(budget)s", over_budget: "%(n)s picked: %(sum)s of %(budget)s (over budget: untick something)",
    too_many: "%(n)s picked: %(sum)s of %(budget)s (too many: at most %(most)s)"
  };
  try { Object.assign(words, JSON.parse(form.getAttribute("data-words") || "{}")); } catch (err) { /* keep English */ }
  function say(name, values) {
    return words[name].replace(/%\((\w+)\)s/g, function (all, key) { return String(values[key]); });
  }
  var pounds = new Intl.NumberFormat(document.documentElement.lang === "cy" ? "cy-GB" : "en-GB",
                                     { style: "currency", currency: "GBP", maximumFractionDigits: 0 });

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

  // The bar's words, and whether they say something is wrong (too many, over budget).
  function describe() {
    var all = fields();
    if (kind === "scores") {
      var scored = {};
      all.forEach(function (e) { if (e.checked) { scored[e.name] = true; } });
      return [say("scored", { n: Object.keys(scored).length, total: form.getAttribute("data-projects") }), false];
    }
    if (kind === "points") {
      var allowed = Number(form.getAttribute("data-points")), given = 0;
      all.forEach(function (e) { given += whole(e.value.trim()) || 0; });
      if (given > allowed) { return [say("over_points", { n: given, total: allowed, over: given - allowed }), true]; }
      return [say("points_left", { n: given, total: allowed, left: allowed - given }), false];
    }
    if (kind === "ranking") {
      var filled = all.filter(function (e) { return e.value !== ""; }).length;
      return [say("filled", { n: filled, total: form.getAttribute("data-places") }), false];
    }
    var picked = all.filter(function (e) { return e.checked; });
    var sum = picked.reduce(function (acc, e) { return acc + Number(e.getAttribute("data-cost")); }, 0);
    // Read from the form, not from the text this function rewrites.
    var budget = Number(form.getAttribute("data-budget"));
    var most = whole(form.getAttribute("data-max-picks") || "");
    var values = { n: picked.length, sum: pounds.format(sum), budget: pounds.format(budget), most: most };
    if (sum > budget) { return [say("over_budget", values), true]; }
    if (most !== null && picked.length > most) { return [say("too_many", values), true]; }
    return [say("picked", values), false];
  }

  function update() {
    var described = describe();
    if (progress.textContent !== described[0]) { progress.textContent = described[0]; }
    progress.classList.toggle("over", described[1]);
  }

  restore();
  update();
  form.addEventListener("change", function () { save(); update(); });
  form.addEventListener("input", function () { save(); update(); });
})();
