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
  const OPEN = ["queued", "running"];
  const TONES = { done: "bg-success", done_with_errors: "bg-warning", cancelled: "bg-secondary", failed: "bg-danger" };
  const show = (percent, status) => {
    bar.className = bar.className.replace(/\bw-\d+\b/, "");
    bar.style.width = percent + "%"; // CSSOM writes are allowed by the CSP; inline attributes are not
    bar.textContent = percent + "%";
    bar.parentElement.setAttribute("aria-valuenow", percent);
    const open = OPEN.includes(status);
    bar.classList.toggle("progress-bar-striped", open);
    bar.classList.toggle("progress-bar-animated", status === "running");
    Object.entries(TONES).forEach(([state, tone]) => bar.classList.toggle(tone, state === status));
  };
  const update = (data) => {
    show(data.percent, data.status);
    document.getElementById("job-done").textContent = data.done;
    document.getElementById("job-state").textContent = states[data.status] || data.status;
    document.getElementById("job-error").textContent = data.error || "";
    if (data.download_url) {
      const link = document.getElementById("job-download");
      link.href = data.download_url;
      link.classList.remove("d-none");
    }
  };
  const poll = async () => {
    let data;
    try {
      const response = await fetch(job.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(response.status);
      data = await response.json();
    } catch (err) {
      // The web process may be restarting: the job carries on, so keep asking.
      setTimeout(poll, 3000);
      return;
    }
    update(data);
    if (OPEN.includes(data.status)) {
      setTimeout(poll, 1000);
    } else {
      const cancel = document.getElementById("job-cancel");
      if (cancel) cancel.remove();
    }
  };
  show(parseInt(bar.parentElement.getAttribute("aria-valuenow"), 10), job.dataset.status);
  if (OPEN.includes(job.dataset.status)) poll();
})();
