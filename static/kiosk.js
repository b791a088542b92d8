// The voting tablet. Two jobs, both so that no resident is let down by the hall's Wi-Fi or by
// the person before them:
// 1. "Confirm my vote" keeps the ballot on the tablet and resends it (same idempotency key, so it
//    is never counted twice) until the server answers; the resident is told what is happening.
// 2. A ballot left half-done is cleared after a quiet spell, with a warning and "I need more time".
// 3. Nothing of one voter is left for the next: once the receipt is in, the copies kept on the
//    tablet are deleted, Finish replaces the page in history, and a page brought back by the Back
//    button is asked of the server again (which has forgotten the voter by then).
(function () {
  "use strict";
  var PENDING = "commonpurse.pendingBallot";
  var DRAFTS = "commonpurse.draft.";

  function remember(body) { try { localStorage.setItem(PENDING, body); } catch (e) { /* private mode */ } }
  function forget() { try { localStorage.removeItem(PENDING); } catch (e) { /* private mode */ } }
  function pending() { try { return localStorage.getItem(PENDING); } catch (e) { return null; } }
  // The ballot in progress that ballot.js keeps for a reload: gone once confirmed or abandoned.
  function forgetDrafts() {
    try {
      for (var i = sessionStorage.length - 1; i >= 0; i--) {
        var name = sessionStorage.key(i);
        if (name && name.indexOf(DRAFTS) === 0) { sessionStorage.removeItem(name); }
      }
    } catch (e) { /* private mode */ }
  }
  function startAgain() { forgetDrafts(); location.replace("/kiosk"); }
  function say(text) { var region = document.getElementById("messages"); if (region) { region.textContent = text; } }
  // The page's own words for these messages (in its language: data-say-* on the header), else English.
  function words(name, english) {
    var header = document.querySelector(".kiosk-header");
    return (header && header.getAttribute("data-say-" + name)) || english;
  }

  // Resolves with the server's answer (a receipt, or a refusal to show); retries only when
  // there was no answer at all or the server failed, which is safe with the idempotency key.
  function send(body, onRetry) {
    var delay = 1000;
    return new Promise(function (resolve) {
      function attempt() {
        fetch("/kiosk/confirm", { method: "POST", body: body, credentials: "same-origin",
                                  headers: { "Content-Type": "application/x-www-form-urlencoded" } })
          .then(function (response) {
            if (response.status >= 500) { throw new Error("server " + response.status); }
            return response.text().then(function (html) { forget(); forgetDrafts(); resolve(html); });
          })
          .catch(function () {
            if (onRetry) { onRetry(); }
            setTimeout(attempt, delay);
            delay = Math.min(delay * 2, 8000);
          });
      }
      attempt();
    });
  }

  // document.open() keeps this window's timers: the review page's walk-away timer must not fire
  // on the receipt (on a resident's own phone the receipt is theirs to keep).
  var stopTimers = function () {};

  function showPage(html) {
    stopTimers();
    document.open();
    document.write(html);
    document.close();
  }

  var confirmForm = document.querySelector("form[data-confirm-ballot]");
  if (confirmForm) {
    confirmForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = new URLSearchParams(new FormData(confirmForm)).toString();
      remember(body);
      Array.prototype.forEach.call(document.querySelectorAll("button"), function (b) { b.disabled = true; });
      say(words("sending", "Sending your vote…"));
      send(body, function () {
        say(words("dropped", "The connection dropped. Your vote is kept safe on this tablet and is being sent again. Please wait here."));
      }).then(showPage);
    });
  } else if (document.querySelector("form[data-kiosk-start]")) {
    // The start screen: whoever was here has finished or walked away.
    forgetDrafts();
    if (pending()) {
      // The tablet was reloaded before a ballot got through: send it now, quietly.
      send(pending(), null).then(function () { say(words("sent", "A vote kept on this tablet has now been sent.")); });
    }
  }

  // A page restored from the browser's memory by Back is not shown as it was: the server decides
  // again (the same voter carries on; anyone else is sent to the start).
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && !document.querySelector("form[data-kiosk-start]")) { location.reload(); }
  });

  var finish = document.querySelector("a[data-finish]");
  if (finish) {
    finish.addEventListener("click", function (event) { event.preventDefault(); startAgain(); });
  }

  var main = document.getElementById("main");

  // The receipt goes back to the start after a quiet minute, so the next person never sees it.
  var receiptSeconds = main && Number(main.getAttribute("data-receipt-seconds"));
  if (receiptSeconds) {
    var receiptTimer, moreTime = document.getElementById("more-time");
    var restartReceipt = function () {
      clearTimeout(receiptTimer);
      receiptTimer = setTimeout(startAgain, receiptSeconds * 1000);
    };
    ["pointerdown", "keydown"].forEach(function (kind) { document.addEventListener(kind, restartReceipt); });
    moreTime.addEventListener("click", function () { say(words("more-time", "You have another minute.")); });
    moreTime.hidden = false;
    restartReceipt();
  }

  var idleSeconds = main && Number(main.getAttribute("data-idle-seconds"));
  if (idleSeconds) {
    var warning = document.getElementById("idle-warning");
    var warnTimer, resetTimer;
    var restart = function () {
      clearTimeout(warnTimer); clearTimeout(resetTimer);
      if (warning) { warning.hidden = true; }
      warnTimer = setTimeout(function () {
        if (warning) { warning.hidden = false; }
        resetTimer = setTimeout(startAgain, 30000);
      }, Math.max(idleSeconds - 30, 5) * 1000);
    };
    stopTimers = function () { clearTimeout(warnTimer); clearTimeout(resetTimer); };
    ["pointerdown", "keydown", "change"].forEach(function (kind) { document.addEventListener(kind, restart); });
    restart();
  }
})();
