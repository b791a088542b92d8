// The big screen's reveal, paged so that nothing ever needs scrolling: the funded projects appear
// one by one, a slide at a time, then the totals, then the projects not funded; then the slides
// keep turning with everything shown. The websocket replaces #reveal (an out-of-band swap); the
// pager carries on where it was unless the results themselves changed. Without JavaScript the
// page reloads itself on the next slide instead (the <noscript> refresh in screen.html).
(function () {
  "use strict";
  var REST_STEPS = 3;  // how long a finished slide stays up, in steps
  var state = { key: null, slide: 0, resting: false, shown: {}, cycles: 0, timer: null };

  function reveal() { return document.getElementById("reveal"); }

  // The pace is the page's own (?step=), kept when the websocket swaps in a new #reveal.
  var pageStep = 1800;

  function stepMs() { return pageStep; }

  function schedule(el, steps) {
    state.timer = window.setTimeout(tick, stepMs() * steps);
  }

  function paint(el) {
    var slides = el.querySelectorAll(".slide");
    for (var i = 0; i < slides.length; i++) {
      slides[i].classList.toggle("is-current", i === state.slide);
    }
    var items = el.querySelectorAll(".reveal-item");
    for (var j = 0; j < items.length; j++) {
      var shown = state.cycles > 0 || state.shown[items[j].getAttribute("data-id")] === true;
      items[j].classList.toggle("is-shown", shown);
    }
    el.setAttribute("data-cycles", String(state.cycles));
  }

  function tick() {
    state.timer = null;
    var el = reveal();
    var slides = el ? el.querySelectorAll(".slide") : [];
    if (!slides.length) { return; }
    var next = slides[state.slide].querySelector(".reveal-item:not(.is-shown)");
    if (next) {
      state.shown[next.getAttribute("data-id")] = true;
      next.classList.add("is-shown");
      schedule(el, 1);
      return;
    }
    if (!state.resting) {
      state.resting = true;
      schedule(el, REST_STEPS);
      return;
    }
    state.resting = false;
    state.slide = (state.slide + 1) % slides.length;
    if (state.slide === 0) { state.cycles += 1; }
    paint(el);
    schedule(el, 1);
  }

  // The page may open on any slide (?slide=N); a fresh reveal from the websocket opens on the first.
  function currentSlide(el) {
    var slides = el.querySelectorAll(".slide");
    for (var i = 0; i < slides.length; i++) {
      if (slides[i].classList.contains("is-current")) { return i; }
    }
    return 0;
  }

  function adopt() {
    var el = reveal();
    if (!el) { return; }
    el.classList.add("js-pager");
    var key = el.getAttribute("data-key") || "";
    if (key !== state.key) {
      // New results (or none yet): the reveal starts from its first slide.
      if (state.timer) { window.clearTimeout(state.timer); }
      state = { key: key, slide: currentSlide(el), resting: false, shown: {}, cycles: 0, timer: null };
    }
    var slides = el.querySelectorAll(".slide");
    if (state.slide >= slides.length) { state.slide = 0; }
    paint(el);
    if (slides.length && !state.timer) { schedule(el, 1); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var frame = document.querySelector(".screen-frame");
    if (!frame) { return; }
    pageStep = parseInt(reveal().getAttribute("data-step"), 10) || pageStep;
    adopt();
    new MutationObserver(adopt).observe(frame, { childList: true });
  });
})();
