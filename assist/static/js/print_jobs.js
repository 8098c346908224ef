// Batch printing: switch the "which" list with the document kind, and follow a job's progress.
(function () {
  const kind = document.getElementById("kind");
  if (kind) {
    const show = () => {
      document.querySelectorAll(".js-kind-values").forEach((select) => {
        const on = select.dataset.kind === kind.value;
        select.hidden = !on;
        select.disabled = !on;
        select.id = on ? "value" : "value-" + select.dataset.kind;
      });
    };
    kind.addEventListener("change", show);
    show();
  }
  const job = document.getElementById("job");
  if (!job) return;
  const bar = document.getElementById("job-bar");
  const states = {};
  document.getElementById("job-states").content.querySelectorAll("span").forEach((s) => {
    states[s.dataset.state] = s.textContent;
  });
  const setWidth = (percent) => {
    bar.className = bar.className.replace(/\bw-\d+\b/, "");
    bar.style.width = percent + "%"; // CSSOM writes are allowed by the CSP; inline attributes are not
    bar.textContent = percent + "%";
    bar.parentElement.setAttribute("aria-valuenow", percent);
  };
  const poll = async () => {
    const response = await fetch(job.dataset.statusUrl, { headers: { Accept: "application/json" } });
    if (!response.ok) return setTimeout(poll, 3000);
    const data = await response.json();
    setWidth(data.percent);
    document.getElementById("job-done").textContent = data.done;
    document.getElementById("job-state").textContent = states[data.status] || data.status;
    document.getElementById("job-error").textContent = data.error || "";
    if (data.download_url) document.getElementById("job-download").classList.remove("d-none");
    if (data.status === "queued" || data.status === "running") {
      setTimeout(poll, 1000);
    } else {
      const cancel = document.getElementById("job-cancel");
      if (cancel) cancel.remove();
    }
  };
  setWidth(parseInt(bar.parentElement.getAttribute("aria-valuenow"), 10));
  poll();
})();
