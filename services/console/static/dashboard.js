// The KPI dashboard: draws the charts from /dashboard/data and refreshes cards and charts every
// few seconds while the tab is visible. No inline scripts (CSP): everything is wired from data-*.
(function () {
  "use strict";
  const root = document.querySelector("[data-dashboard]");
  if (!root || !window.Chart) return;
  const base = "/stores/" + encodeURIComponent(root.dataset.store) + "/dashboard";
  const query = root.dataset.query;
  const refreshMs = Number(root.dataset.refresh || 5) * 1000;
  const css = getComputedStyle(document.documentElement);
  const color = (name, fallback) => (css.getPropertyValue(name).trim() || fallback);
  const palette = {
    inbound: color("--chart-1", "#2563eb"),
    bot: color("--chart-2", "#10b981"),
    agent: color("--chart-3", "#f59e0b"),
    paid: color("--chart-2", "#10b981"),
    first_response: color("--chart-1", "#2563eb"),
    hand_overs: "#ef4444",
    closed: "#8b5cf6",
  };
  const many = ["#2563eb", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16"];
  const sentimentColors = { positive: "#10b981", neutral: "#94a3b8", negative: "#ef4444" };
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily || "system-ui, sans-serif";
  Chart.defaults.color = color("--muted", "#64748b");
  Chart.defaults.animation = false; // live refresh: no replaying animations every 5 s

  const charts = {};

  function datasetStyle(kind, chartName, dataset, keys) {
    if (kind === "doughnut") {
      const colors = (keys || []).map((key, i) =>
        chartName === "sentiments" ? sentimentColors[key] || many[i % many.length] : many[i % many.length]);
      return { backgroundColor: colors, borderWidth: 0 };
    }
    const c = palette[dataset.key] || many[0];
    if (kind === "line") {
      return { borderColor: c, backgroundColor: c + "22", fill: dataset.key === "inbound", cubicInterpolationMode: "monotone", pointRadius: 2 };
    }
    return { backgroundColor: c, borderRadius: 4, maxBarThickness: 28 };
  }

  function config(kind, name, data) {
    const type = kind === "hbar" ? "bar" : kind;
    const datasets = data.datasets.map((d) => Object.assign({ label: d.label, data: d.data },
      datasetStyle(kind, name, d, data.keys)));
    const options = {
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { display: kind === "line" || kind === "doughnut" || datasets.length > 1, position: "bottom",
        labels: { boxWidth: 12, usePointStyle: true } } },
    };
    if (kind === "hbar") options.indexAxis = "y";
    if (kind !== "doughnut") {
      options.scales = { y: { beginAtZero: true, ticks: { precision: 0 }, grid: { color: "#e5e7eb55" } },
        x: { grid: { display: false } } };
      if (kind === "hbar") options.scales = { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { grid: { display: false } } };
    } else {
      options.cutout = "62%";
    }
    return { type, data: { labels: data.labels, datasets }, options };
  }

  function empty(data) {
    return data.datasets.every((d) => d.data.every((v) => !v));
  }

  function draw(name, data) {
    const canvas = root.querySelector('[data-chart="' + name + '"]');
    if (!canvas) return;
    const box = canvas.parentElement;
    box.classList.toggle("is-empty", empty(data));
    box.dataset.emptyText = root.dataset.emptyText || "";
    const chart = charts[name];
    if (!chart) {
      charts[name] = new Chart(canvas, config(canvas.dataset.kind, name, data));
      return;
    }
    chart.data.labels = data.labels;
    data.datasets.forEach((d, i) => {
      if (chart.data.datasets[i]) chart.data.datasets[i].data = d.data;
    });
    chart.update("none");
  }

  function apply(payload) {
    Object.entries(payload.cards).forEach(([key, card]) => {
      const el = root.querySelector('[data-card="' + key + '"]');
      if (!el) return;
      el.querySelector("[data-value]").textContent = card.value;
      el.querySelector("[data-sub]").textContent = card.sub;
    });
    Object.entries(payload.charts).forEach(([name, data]) => draw(name, data));
    root.dataset.updatedAt = payload.updated_at;
  }

  const live = root.querySelector("[data-live]");
  async function refresh() {
    try {
      const response = await fetch(base + "/data?" + query, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      apply(await response.json());
      if (live) live.classList.remove("is-stale");
    } catch (error) {
      if (live) live.classList.add("is-stale");
    }
  }

  async function forecast() {
    const select = root.querySelector("[data-forecast-metric]");
    const canvas = root.querySelector('[data-chart="forecast"]');
    if (!select || !canvas) return;
    const response = await fetch(base + "/forecast?metric=" + encodeURIComponent(select.value));
    if (!response.ok) return;
    const data = await response.json();
    const method = root.querySelector("[data-forecast-method]");
    if (method) method.textContent = data.method ? (root.dataset.methodLabel || "") + data.method.replaceAll("_", " ") : "";
    canvas.parentElement.classList.toggle("is-empty", !data.method);
    const sets = [
      { label: data.label, data: data.history, borderColor: palette.inbound, backgroundColor: palette.inbound, pointRadius: 1.5, cubicInterpolationMode: "monotone" },
      { label: data.label + " ↗", data: data.forecast, borderColor: "#8b5cf6", borderDash: [6, 4], pointRadius: 2, cubicInterpolationMode: "monotone" },
      { label: "80% +", data: data.upper, borderColor: "transparent", backgroundColor: "#8b5cf622", fill: "+1", pointRadius: 0 },
      { label: "80% −", data: data.lower, borderColor: "transparent", backgroundColor: "#8b5cf622", fill: false, pointRadius: 0 },
    ];
    if (charts.forecast) charts.forecast.destroy();
    charts.forecast = new Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: sets },
      options: {
        responsive: true, maintainAspectRatio: false, spanGaps: false,
        plugins: { legend: { display: true, position: "bottom", labels: { boxWidth: 12, usePointStyle: true,
          filter: (item) => item.datasetIndex < 2 } } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { grid: { display: false } } },
      },
    });
  }

  root.querySelector("[data-forecast-metric]")?.addEventListener("change", forecast);
  refresh();
  forecast();
  setInterval(() => { if (!document.hidden) refresh(); }, refreshMs);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
})();
