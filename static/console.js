// The gift form's live check: as staff type, the form is sent to the server's own rule
// (/console/gifts/check) and its answer shown beside the form. Saving checks again.
(function () {
  "use strict";
  var form = document.getElementById("gift-form");
  var out = document.getElementById("rule-check");
  if (!form || !out) { return; }
  var timer = null;
  var seq = 0;
  function check() {
    var mine = ++seq;
    var body = new URLSearchParams(new FormData(form));
    fetch(form.getAttribute("data-check"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString()
    }).then(function (r) { return r.json(); }).then(function (a) {
      if (mine !== seq) { return; }
      out.className = "rule-check " + (a.ok ? "ok" : "ng");
      out.textContent = a.ok ? a.message : a.message + " (" + a.code + ")";
      out.setAttribute("data-code", a.ok ? "ok" : a.code);
    }).catch(function () { /* the save checks again */ });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  });
})();
