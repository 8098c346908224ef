// Payment form: show only the evidence the chosen method needs (all of it without script).
function showMethodSections(form) {
  const checked = form.querySelector("input[name=method]:checked");
  const method = checked ? checked.value : "";
  form.querySelectorAll("[data-method-section]").forEach((section) => {
    section.hidden = method !== "" && !section.dataset.methodSection.split(" ").includes(method);
  });
}
document.querySelectorAll("form.js-method-form").forEach((form) => {
  showMethodSections(form);
  form.addEventListener("change", (event) => {
    if (event.target.name === "method") {
      showMethodSections(form);
    }
  });
});
