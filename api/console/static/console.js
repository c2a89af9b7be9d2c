// cxloop console: the little the pages need beyond plain forms. No framework, nothing loaded from elsewhere.
"use strict";
document.addEventListener("click", (event) => {
  const target = event.target.closest("[data-confirm]");
  if (target && !window.confirm(target.dataset.confirm)) {
    event.preventDefault();
  }
  const back = event.target.closest("[data-back]");
  if (back && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
// a filter form's select submits at once
document.querySelectorAll("form.filters select[data-autosubmit]").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
});
// a button that posts shows it is working and cannot be pressed twice
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  if (button && event.target.method === "post") {
    window.setTimeout(() => { button.disabled = true; }, 0);
  }
});
