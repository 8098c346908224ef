// Aid case form: show only the fields the chosen kind of aid needs.
(function () {
  const select = document.querySelector("select[name=kind]");
  const fixed = document.querySelector("input[type=hidden][name=kind]");
  function update() {
    const kind = select ? select.value : fixed ? fixed.value : "";
    document.querySelectorAll(".js-kinds").forEach((el) => {
      const kinds = el.dataset.kinds.split(" ");
      el.hidden = !kinds.includes(kind);
    });
  }
  if (select) {
    select.addEventListener("change", update);
  }
  update();
})();
