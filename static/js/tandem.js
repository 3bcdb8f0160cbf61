// Small enhancements only: every page works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // A select marked data-autosubmit submits its form on change; its submit button is then
  // redundant and hidden (it stays for browsers without JavaScript).
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    const form = select.form;
    if (!form) continue;
    for (const button of form.querySelectorAll("[data-autosubmit-button]")) {
      button.hidden = true;
    }
    select.addEventListener("change", () => {
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit();
      } else {
        form.submit();
      }
    });
  }
});
