// The lesson panel without a page load: Check and Hint post their form and swap the panel
// for the one in the page the server answers; saving the learner's file re-checks by itself.
// Without JavaScript the same forms post and the server answers the whole page.
(function () {
  "use strict";
  var busy = false;       // one request at a time
  var recheck = false;    // a save arrived while busy: check again afterwards
  var failures = 0;

  function panel() { return document.getElementById("panel"); }
  function say(text) {
    var status = document.getElementById("panel-status");
    if (status) { status.textContent = text; }
  }

  function swap(html, focusId, checked) {
    var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("panel");
    if (!fresh) { throw new Error("the answer holds no panel"); }
    // Only a check answers for the files as they are now; after a hint, a save not yet
    // checked must still be noticed.
    if (!checked) { fresh.dataset.digest = panel().dataset.digest; }
    panel().replaceWith(fresh);
    enhance();
    var target = focusId && document.getElementById(focusId);
    if (target) { target.focus(); }
  }

  function submit(form, note) {
    if (busy) { recheck = recheck || form.action.indexOf("/check/") !== -1; return; }
    busy = true;
    var checking = form.action.indexOf("/check/") !== -1;
    var button = form.querySelector("button");
    var focusId = document.activeElement && document.activeElement.id;
    if (button) { button.disabled = true; }
    say(note || "Working\u2026");
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error("the server answered " + response.status); }
        return response.text();
      })
      .then(function (html) { swap(html, focusId, checking); say(checking ? "Checked." : ""); })
      .catch(function (error) {
        // `make start` restarts the server on every save, so a check sent just then is lost:
        // forget which files were checked, and the next poll that gets an answer checks again.
        if (checking) { panel().dataset.digest = ""; }
        say("Could not reach the playground (" + error.message + "); trying again\u2026");
        if (button) { button.disabled = false; }
      })
      .finally(function () {
        busy = false;
        if (recheck) { recheck = false; checkNow("Saved again: checking\u2026"); }
      });
  }

  function checkNow(note) {
    var form = panel().querySelector("form[action$='/check/']");
    if (form) { submit(form, note); }
  }

  function enhance() {
    var root = panel();
    root.querySelectorAll("form[data-enhance]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        submit(form, form.action.indexOf("/check/") !== -1 ? "Checking\u2026" : "");
      });
    });
    root.querySelectorAll(".live-note").forEach(function (note) { note.hidden = false; });
  }

  // Live: poll the hash of the learner's files; a new hash is a save, so check again.
  function poll() {
    if (document.hidden || busy) { return; }
    fetch(panel().dataset.statusUrl, {cache: "no-store", credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (status) {
        if (failures >= 3) { say(""); }
        failures = 0;
        if (status.digest !== panel().dataset.digest) {
          panel().dataset.digest = status.digest;
          checkNow("File saved: checking\u2026");
        }
      })
      .catch(function () {
        // `make start` restarts the server on every save: wait for it to come back.
        failures += 1;
        if (failures === 3) { say("Waiting for the playground to answer\u2026"); }
      });
  }

  enhance();
  setInterval(poll, 1000);
})();
