// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  document.documentElement.className += " js";
  // Dependent lists (縣市 → 行政區 → 學制 → 學校): choosing submits at once; without JavaScript the
  // 「顯示下一項」 button does the same staged submit.
  document.querySelectorAll("[data-auto-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () {
      var staged = select.form.querySelector("[data-staged-button]");
      if (select.form.requestSubmit && staged) select.form.requestSubmit(staged); else select.form.submit();
    });
  });
  // 7-4 / 3-2: the eye icon toggles password visibility.
  document.querySelectorAll("[data-toggle-password]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-toggle-password"));
    if (!input) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var show = input.type === "password";
      input.type = show ? "text" : "password";
      button.setAttribute("aria-pressed", show ? "true" : "false");
      button.setAttribute("aria-label", button.getAttribute(show ? "data-hide-label" : "data-show-label"));
    });
  });
  // 換下一個: fetch a new captcha without reloading the form (the button also works without JavaScript, as a
  // staged submit that re-renders the page with everything but the passwords kept).
  var refresh = document.querySelector("[data-captcha-refresh]");
  if (refresh) {
    refresh.addEventListener("click", function (event) {
      var form = refresh.form;
      var csrf = form.querySelector("input[name=csrf_token]");
      if (!window.fetch || !csrf) return;
      event.preventDefault();
      fetch("/captcha/new", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "csrf_token=" + encodeURIComponent(csrf.value), credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(); })
        .then(function (answer) {
          document.getElementById("captcha-id").value = answer.id;
          document.getElementById("captcha-image").src = "/captcha/" + answer.id + ".png";
          document.getElementById("captcha-audio").href = "/captcha/" + answer.id + ".wav";
          var input = document.getElementById("captcha");
          input.value = "";
          input.focus();
        })
        .catch(function () { form.requestSubmit ? form.requestSubmit(refresh) : form.submit(); });
    });
  }
  // The speaker plays the digits in place instead of opening the audio file.
  var speaker = document.querySelector("[data-captcha-audio]");
  if (speaker && window.Audio) {
    speaker.addEventListener("click", function (event) {
      event.preventDefault();
      new Audio(speaker.href).play();
    });
  }
  // 聯絡我們: a new category brings its template, unless the student already wrote something of their own.
  var categories = document.querySelector("select[data-templates]");
  if (categories) {
    var description = document.getElementById("description");
    var templates = Array.prototype.map.call(categories.options, function (option) { return option.getAttribute("data-template"); });
    categories.addEventListener("change", function () {
      if (templates.indexOf(description.value) !== -1 || description.value.trim() === "") {
        description.value = categories.options[categories.selectedIndex].getAttribute("data-template");
      }
    });
  }
  // response_mode=form_post: send the authorization response on to the app.
  var auto = document.querySelector("form[data-auto-submit]");
  if (auto) auto.submit();
});
