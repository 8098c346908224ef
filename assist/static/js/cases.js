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

// New-case form: when the household, kind or holiday changes, fetch the household's summary
// (category, the cap and this year's aid) from the server. Without script, "Check the cap"
// re-renders the form with the same summary.
(function () {
  const slot = document.getElementById("household-slot");
  const file = document.querySelector("select[name=file_no]");
  if (!slot || !file) {
    return;
  }
  const kind = document.querySelector("select[name=kind]");
  const occasion = document.querySelector("select[name=occasion]");
  let latest = 0;
  function refresh() {
    const params = new URLSearchParams({
      file_no: file.value,
      kind: kind ? kind.value : "",
      occasion: occasion ? occasion.value : "",
    });
    const ticket = ++latest;
    fetch(slot.dataset.url + "?" + params.toString(), { credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : ""))
      .then((html) => {
        if (ticket === latest) {
          slot.innerHTML = html;
        }
      })
      .catch(() => {});
  }
  [file, kind, occasion].forEach((el) => el && el.addEventListener("change", refresh));
})();
