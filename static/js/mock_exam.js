// A mock exam's paper: each answer is saved as it is given (PUT to the API, the last one
// counts), the countdown runs from the seconds the server gave, and at zero the page asks the
// server again, which hands the paper in and shows the review. Without this script the page is
// one form posting every answer.
(function () {
  "use strict";
  const form = document.getElementById("paper");
  if (!form) return;
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const countdown = document.querySelector("[data-countdown]");
  const answered = document.querySelector("[data-answered]");
  const endsAt = Date.now() + Number(countdown.dataset.secondsLeft) * 1000;
  let over = false;

  form.classList.add("js");

  function letters(fieldset) {
    return Array.from(fieldset.querySelectorAll("input:checked"))
      .map((input) => input.value)
      .join("");
  }

  function countAnswered() {
    const sets = form.querySelectorAll("fieldset[data-position]");
    return Array.from(sets).filter((fieldset) => letters(fieldset) !== "").length;
  }

  function showState(fieldset, text, failed) {
    const state = fieldset.querySelector(".save-state");
    state.textContent = text;
    state.classList.toggle("error", failed);
  }

  function toServer() {
    over = true;
    window.location.assign(form.dataset.paperUrl);
  }

  async function save(fieldset) {
    const chosen = letters(fieldset);
    answered.textContent = countAnswered();
    try {
      const response = await fetch(form.dataset.saveUrl + fieldset.dataset.position, {
        method: "PUT",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ chosen: chosen }),
        credentials: "same-origin",
      });
      if (response.status === 409) {
        const refusal = await response.json();
        over = true;
        window.location.assign(refusal.review_url);
        return;
      }
      showState(fieldset, response.ok ? form.dataset.saved : form.dataset.notSaved, !response.ok);
    } catch (error) {
      showState(fieldset, form.dataset.notSaved, true);
    }
  }

  form.addEventListener("change", (event) => {
    const fieldset = event.target.closest("fieldset[data-position]");
    if (fieldset && !over) save(fieldset);
  });

  form.addEventListener("submit", (event) => {
    const button = event.submitter;
    if (!button || !button.hasAttribute("data-hand-in") || over) return;
    const missing = form.querySelectorAll("fieldset[data-position]").length - countAnswered();
    const question = missing
      ? form.dataset.confirmMissing.replace("{count}", missing)
      : form.dataset.confirm;
    if (!window.confirm(question)) event.preventDefault();
  });

  function pad(number) {
    return String(number).padStart(2, "0");
  }

  function tick() {
    const left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    const hours = Math.floor(left / 3600);
    const minutes = Math.floor((left % 3600) / 60);
    countdown.textContent =
      (hours ? hours + ":" + pad(minutes) : String(minutes)) + ":" + pad(left % 60);
    countdown.classList.toggle("warn-text", left <= 300);
    if (left === 0) {
      window.clearInterval(timer);
      // A second after the deadline, so that the server's clock has passed it too.
      window.setTimeout(toServer, 1000);
    }
  }

  const timer = window.setInterval(tick, 1000);
  tick();
})();
