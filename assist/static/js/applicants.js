// Hardship-file form: add household member rows. Loaded as a file (the CSP forbids inline script).
document.addEventListener("click", (event) => {
  const button = event.target.closest(".js-add-member");
  if (!button) {
    return;
  }
  const rows = document.getElementById("member-rows");
  const template = document.getElementById("member-row-template");
  if (!rows || !template) {
    return;
  }
  const index = rows.querySelectorAll("tr.member-row").length;
  const html = template.innerHTML.replaceAll("__i__", String(index));
  rows.insertAdjacentHTML("beforeend", html);
  const first = rows.lastElementChild.querySelector("select, input");
  if (first) {
    first.focus();
  }
});
