// The leads pages: live countdowns and the inline follow-up form of My leads.
// Enhancements only: the server renders each countdown's text and the follow-up button is a
// link to the lead page's form, so everything works without this file.
"use strict";

(() => {
  // The words come from the page (translated there): data-in="in {time}", data-unit-min="{n} min".
  function formatter(source) {
    const data = source.dataset;
    const unit = (name, n) => data["unit" + name].replace("{n}", String(n));
    // Mirrors duration_text in coordination/core/web/pages.py: "45 s", "12 min", "2 h 5 min", "3 d 4 h".
    function duration(totalSeconds) {
      const seconds = Math.floor(Math.abs(totalSeconds));
      if (seconds < 60) return unit("S", seconds);
      let minutes = Math.floor(seconds / 60);
      if (minutes < 60) return unit("Min", minutes);
      let hours = Math.floor(minutes / 60);
      minutes %= 60;
      if (hours < 24) return minutes ? `${unit("H", hours)} ${unit("Min", minutes)}` : unit("H", hours);
      const days = Math.floor(hours / 24);
      hours %= 24;
      return hours ? `${unit("D", days)} ${unit("H", hours)}` : unit("D", days);
    }
    return (secondsLeft) => {
      const overdue = secondsLeft <= 0;
      const template = overdue ? data.overdue : data.in;
      return { overdue, text: template.replace("{time}", duration(secondsLeft)) };
    };
  }

  function startCountdowns() {
    const source = document.querySelector("[data-countdown-formats]");
    const clocks = Array.from(document.querySelectorAll("[data-deadline]"));
    if (!source || clocks.length === 0) return;
    const format = formatter(source);
    const deadlines = clocks.map((clock) => Date.parse(clock.dataset.deadline));
    function tick() {
      const now = Date.now();
      clocks.forEach((clock, index) => {
        if (Number.isNaN(deadlines[index])) return;
        const { overdue, text } = format((deadlines[index] - now) / 1000);
        if (clock.textContent !== text) clock.textContent = text;
        clock.classList.toggle("is-overdue", overdue);
        const row = clock.closest("[data-countdown-row]");
        if (row) row.classList.toggle("is-overdue", overdue);
      });
    }
    tick();
    window.setInterval(tick, 1000);
  }

  function setOpen(button, row, open) {
    row.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    button.classList.toggle("is-active", open);
    const leadRow = button.closest("tr");
    if (leadRow) leadRow.classList.toggle("has-open-form", open);
  }

  function startFollowUpToggles() {
    for (const button of document.querySelectorAll("[data-follow-up-toggle]")) {
      const row = document.getElementById(button.getAttribute("aria-controls"));
      if (!row) continue;
      setOpen(button, row, !row.hidden);
      button.addEventListener("click", (event) => {
        event.preventDefault();
        const open = row.hidden;
        setOpen(button, row, open);
        if (open) {
          const first = row.querySelector("select, input:not([type=hidden]), textarea");
          if (first) first.focus();
        }
      });
      const cancel = row.querySelector("[data-follow-up-cancel]");
      if (cancel) {
        cancel.addEventListener("click", () => {
          setOpen(button, row, false);
          button.focus();
        });
      }
    }
    // A form sent back with an error is open: bring it into view.
    const invalid = document.querySelector(".follow-up-row:not([hidden]) .has-error, .follow-up-row:not([hidden]) .form-errors");
    if (invalid) invalid.scrollIntoView({ block: "center" });
  }

  document.addEventListener("DOMContentLoaded", () => {
    startCountdowns();
    startFollowUpToggles();
  });
})();
