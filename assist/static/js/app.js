// Assist page behaviour. Loaded as a file: the CSP forbids inline script.

// A select marked js-autosubmit submits its form when a choice is made with the mouse. Moving
// through the options with the arrow keys changes the value too, and must not reload the page
// (WCAG 3.2.2): from the keyboard the form is submitted with its own button.
const keyed = new WeakSet();
document.addEventListener("keydown", (event) => {
  if (event.target.classList && event.target.classList.contains("js-autosubmit")) {
    keyed.add(event.target);
  }
});
document.addEventListener("pointerdown", (event) => keyed.delete(event.target));
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.classList && el.classList.contains("js-autosubmit") && !keyed.has(el)) {
    el.form.requestSubmit();
  }
});

document.addEventListener("submit", (event) => {
  const button = event.submitter;
  if (button && button.classList.contains("js-confirm")) {
    if (!window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  }
});

// After a refused submit, move focus to the summary of errors (role="alert", macros.html) so
// a screen reader reads it and a keyboard user starts from its links to the fields.
// Its links take focus to the field itself (or a group's first choice), not just the view.
const summary = document.querySelector("[data-error-summary]");
if (summary) {
  summary.focus();
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const target = link && document.getElementById(link.hash.slice(1));
    const control = target && (target.matches("input, select, textarea")
      ? target : target.querySelector("input, select, textarea"));
    if (control) {
      event.preventDefault();
      control.focus();
    }
  });
}
