// Progressive enhancement of the programme's forms: without this script
// the forms post normally and the service answers with a page; with it,
// the same endpoint answers JSON, errors appear next to the fields and
// the confirmation replaces the form without a reload. No framework.
(function () {
  "use strict";

  var ERROR_TITLE = "Erreur\u00a0: ";

  function clearErrors(form) {
    form.querySelectorAll(".mentorat-field--invalid").forEach(function (field) {
      field.classList.remove("mentorat-field--invalid");
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (input) {
      input.removeAttribute("aria-invalid");
    });
    form.querySelectorAll(".mentorat-error").forEach(function (p) {
      p.textContent = "";
      p.hidden = true;
    });
  }

  function fieldBox(form, name) {
    return form.querySelector('[data-field="' + name + '"]');
  }

  function firstControl(box) {
    return box && box.querySelector("input, select, textarea");
  }

  function labelOf(box) {
    var label = box.querySelector("legend, label");
    var text = label ? label.textContent : "";
    return text.replace(/\s*\(obligatoire[^)]*\)\s*$/, "").trim();
  }

  function showErrors(form, errors) {
    // A page refused without this script shows the summary at its top, out of the form.
    var summary = form.querySelector(".mentorat-summary") ||
      document.getElementById(form.dataset.mentoratForm + "-resume");
    var list = document.createElement("ul");
    var first = null;
    var count = 0;
    // In the form's order (the JSON answer's keys are sorted by field name),
    // then what belongs to no field.
    var names = [];
    form.querySelectorAll("[data-field]").forEach(function (box) {
      var name = box.dataset.field;
      if (errors[name] && names.indexOf(name) < 0) names.push(name);
    });
    Object.keys(errors).forEach(function (name) {
      if (names.indexOf(name) < 0) names.push(name);
    });
    names.forEach(function (name) {
      var box = fieldBox(form, name);
      var messages = errors[name];
      count += messages.length;
      var item = document.createElement("li");
      if (!box) {
        item.textContent = messages.join(" ");
        list.appendChild(item);
        return;
      }
      box.classList.add("mentorat-field--invalid");
      var error = box.querySelector(".mentorat-error");
      error.textContent = messages.join(" ");
      error.hidden = false;
      box.querySelectorAll("input, select, textarea").forEach(function (input) {
        input.setAttribute("aria-invalid", "true");
      });
      var control = firstControl(box);
      var link = document.createElement("a");
      link.href = "#" + (control ? control.id : "");
      link.textContent = labelOf(box) + "\u00a0: " + messages.join(" ");
      item.appendChild(link);
      list.appendChild(item);
      if (!first && control) first = control;
    });
    var title = document.createElement("p");
    title.className = "mentorat-summary__title";
    title.textContent = "Le formulaire contient " + count + (count > 1 ? " erreurs\u00a0:" : " erreur\u00a0:");
    summary.replaceChildren(title, list);
    summary.hidden = false;
    // The title says it too, as on the page the service shows without this script.
    if (document.title.indexOf(ERROR_TITLE) !== 0) document.title = ERROR_TITLE + document.title;
    // The summary is a live alert: screen readers announce it; focus goes
    // to the first wrong field so the person can fix it at once.
    if (first) first.focus(); else summary.focus();
  }

  function showConfirmation(form, body) {
    var box = document.createElement("div");
    box.className = "mentorat-confirmation";
    box.setAttribute("role", "status");
    box.tabIndex = -1;
    var message = document.createElement("p");
    message.textContent = body.message;
    var reference = document.createElement("p");
    reference.append("Votre référence\u00a0: ");
    var code = document.createElement("span");
    code.className = "mentorat-reference";
    code.textContent = body.reference;
    reference.appendChild(code);
    box.append(message, reference);
    form.replaceWith(box);
    if (document.title.indexOf(ERROR_TITLE) === 0) {
      document.title = document.title.slice(ERROR_TITLE.length);
    }
    box.focus();
  }

  function submit(event) {
    var form = event.currentTarget;
    event.preventDefault();
    var button = form.querySelector('button[type="submit"]');
    var status = form.querySelector(".mentorat-status");
    if (form.dataset.sending === "1") return;  // a double click stores once
    form.dataset.sending = "1";
    button.disabled = true;
    status.textContent = "Envoi en cours…";
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { "Accept": "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (body) {
        return { status: response.status, body: body };
      });
    }).then(function (result) {
      status.textContent = "";
      if (result.body.ok) {
        showConfirmation(form, result.body);
        return;
      }
      clearErrors(form);
      showErrors(form, result.body.errors || { __form__: [result.body.message] });
    }).catch(function () {
      // No answer we understand: fall back to the plain post, which shows a page.
      form.removeEventListener("submit", submit);
      form.submit();
    }).finally(function () {
      form.dataset.sending = "";
      button.disabled = false;
    });
  }

  // A question one role must answer reads « (obligatoire pour un mentor) » until that
  // role is chosen, then « (obligatoire) », its controls required (which assistive
  // technologies announce: the required attribute is aria-required's native form).
  function markRoleQuestions(form) {
    var chosen = form.querySelector('input[name="role"]:checked');
    var role = chosen ? chosen.value : "";
    form.querySelectorAll("[data-requis-pour]").forEach(function (mark) {
      var applies = mark.dataset.requisPour.split(" ").indexOf(role) >= 0;
      mark.textContent = applies ? "(obligatoire)" : mark.dataset.marqueRole;
      var box = mark.closest("[data-field]");
      if (!box) return;
      box.querySelectorAll("input, select, textarea").forEach(function (control) {
        control.required = applies;
      });
    });
  }

  document.querySelectorAll("form[data-mentorat-form]").forEach(function (form) {
    form.addEventListener("submit", submit);
    if (form.querySelector("[data-requis-pour]")) {
      form.addEventListener("change", function (event) {
        if (event.target.name === "role") markRoleQuestions(form);
      });
      markRoleQuestions(form);  // a role kept by the browser (back button) counts too
    }
  });
})();
