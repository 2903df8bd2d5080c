// Actions of a worklist (forms marked data-inplace) answer in place: the row keeps its
// place on the page, its decision area says what happened, and the focus stays there.
// Without JavaScript the same forms post and come back to the same row.
(function () {
  "use strict";
  function message(text, ok) {
    var p = document.createElement("p");
    p.className = "admonition mentorat-flash " + (ok ? "success" : "failure mentorat-flash--error");
    p.setAttribute("role", ok ? "status" : "alert");
    p.setAttribute("tabindex", "-1");
    p.textContent = text;
    return p;
  }
  function answer(form, data, ok) {
    var row = form.closest("[id^='proposition-']");
    var area = row ? row.querySelector("[data-decision]") : form.parentNode;
    var note = message(data.message || "", ok);
    var finished = (ok && !data.keep) || data.done;
    if (finished && area) {
      area.textContent = "";
      area.appendChild(note);
      if (data.pair) {
        var link = document.createElement("a");
        link.href = data.pair;
        link.textContent = "Voir le binôme";
        area.appendChild(link);
      }
      if (row) { row.classList.add("mentorat-card--done"); }
    } else {
      var old = area && area.querySelector(".mentorat-flash");
      if (old) { old.remove(); }
      if (area) { area.insertBefore(note, area.firstChild); }
    }
    note.focus();
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-inplace]") || !window.fetch) { return; }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      return response.json().then(function (data) { answer(form, data, response.ok && data.ok); });
    }).catch(function () {
      answer(form, {message: "La demande n’a pas abouti\u00a0: rechargez la page, puis recommencez."}, false);
    }).then(function () { if (button) { button.disabled = false; } });
  });
})();
