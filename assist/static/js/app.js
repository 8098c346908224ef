// Assist page behaviour. Loaded as a file: the CSP forbids inline script.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.classList && el.classList.contains("js-autosubmit")) {
    el.form.submit();
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
