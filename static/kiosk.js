// The voting tablet. Two jobs, both so that no resident is let down by the hall's Wi-Fi or by
// the person before them:
// 1. "Confirm my vote" keeps the ballot on the tablet and resends it (same idempotency key, so it
//    is never counted twice) until the server answers; the resident is told what is happening.
// 2. A ballot left half-done is cleared after a quiet spell, with a warning and "I need more time".
(function () {
  "use strict";
  var PENDING = "commonpurse.pendingBallot";

  function remember(body) { try { localStorage.setItem(PENDING, body); } catch (e) { /* private mode */ } }
  function forget() { try { localStorage.removeItem(PENDING); } catch (e) { /* private mode */ } }
  function pending() { try { return localStorage.getItem(PENDING); } catch (e) { return null; } }
  function say(text) { var region = document.getElementById("messages"); if (region) { region.textContent = text; } }

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
            return response.text().then(function (html) { forget(); resolve(html); });
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

  function showPage(html) {
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
      say("Sending your vote…");
      send(body, function () {
        say("The connection dropped. Your vote is kept safe on this tablet and is being sent again. Please wait here.");
      }).then(showPage);
    });
  } else if (document.querySelector("form[data-kiosk-start]") && pending()) {
    // The tablet was reloaded before a ballot got through: send it now, quietly.
    send(pending(), null).then(function () { say("A vote kept on this tablet has now been sent."); });
  }

  var main = document.getElementById("main");

  // The receipt goes back to the start after a quiet minute, so the next person never sees it.
  var receiptSeconds = main && Number(main.getAttribute("data-receipt-seconds"));
  if (receiptSeconds) {
    var receiptTimer, moreTime = document.getElementById("more-time");
    var restartReceipt = function () {
      clearTimeout(receiptTimer);
      receiptTimer = setTimeout(function () { location.replace("/kiosk"); }, receiptSeconds * 1000);
    };
    ["pointerdown", "keydown"].forEach(function (kind) { document.addEventListener(kind, restartReceipt); });
    moreTime.addEventListener("click", function () { say("You have another minute."); });
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
        resetTimer = setTimeout(function () { location.replace("/kiosk"); }, 30000);
      }, Math.max(idleSeconds - 30, 5) * 1000);
    };
    ["pointerdown", "keydown", "change"].forEach(function (kind) { document.addEventListener(kind, restart); });
    restart();
  }
})();
