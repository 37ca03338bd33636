// The executive dashboard's charts: drawn with Chart.js from the #dashboard-data block the server renders from the
// same figures as the tiles and /api/v1/metrics. Without JavaScript the page shows the figures and data tables.
(() => {
  "use strict";
  const BAND_COLOURS = { Poor: "#d1242f", Good: "#d4a72c", Excellent: "#1a7f37" };
  const SERIES = [
    { color: "#b4235a", dash: [], point: "circle" },
    { color: "#0a58ca", dash: [6, 4], point: "rectRot" },
    { color: "#116329", dash: [2, 3], point: "triangle" },
  ];
  let charts = [];

  // Saved images get a white background (a transparent PNG is unreadable in most viewers).
  const whiteBackground = {
    id: "whiteBackground",
    beforeDraw(chart) {
      const { ctx, width, height } = chart;
      ctx.save();
      ctx.globalCompositeOperation = "destination-over";
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, width, height);
      ctx.restore();
    },
  };

  // The CSAT value inside the half doughnut, so a saved gauge carries its number.
  const gaugeValue = {
    id: "gaugeValue",
    afterDraw(chart, _args, options) {
      const area = chart.chartArea;
      const meta = chart.getDatasetMeta(0);
      if (!meta.data.length) return;
      const { x, y } = meta.data[0];
      const { ctx } = chart;
      ctx.save();
      ctx.fillStyle = "#1b1f24";
      ctx.textAlign = "center";
      ctx.textBaseline = "bottom";
      ctx.font = "700 26px system-ui, sans-serif";
      ctx.fillText(options.text, x, Math.min(y, area.bottom));
      ctx.restore();
    },
  };

  const format = (value, unit) => {
    if (value === null || value === undefined) return "no data";
    if (unit === "%") return `${value.toFixed(1)} %`;
    if (unit === "h") return `${value.toFixed(1)} h`;
    if (unit === "/5") return `${value.toFixed(2)} / 5`;
    return Number.isInteger(value) ? String(value) : value.toFixed(1);
  };

  function gaugeConfig(gauge) {
    const value = gauge.value;
    return {
      type: "doughnut",
      data: {
        labels: gauge.bands.map((b) => `${b.label} ${b.from}–${b.to}`),
        datasets: [
          {
            label: "Bands",
            data: gauge.bands.map((b) => b.to - b.from),
            backgroundColor: gauge.bands.map((b) => BAND_COLOURS[b.label] || "#8c959f"),
            borderWidth: 1,
            borderColor: "#fff",
            weight: 0.35,
          },
          {
            label: "CSAT",
            data: value === null ? [0, 100] : [value, 100 - value],
            backgroundColor: ["#24292f", "#eef1f4"],
            borderWidth: 0,
            weight: 1,
          },
        ],
      },
      options: {
        rotation: -90,
        circumference: 180,
        cutout: "58%",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        layout: { padding: { top: 4, bottom: 4 } },
        plugins: {
          legend: { display: false },
          tooltip: { enabled: false },
          title: { display: false, text: "Customer satisfaction (CSAT)" },
          gaugeValue: { text: value === null ? "no data" : `${value.toFixed(1)} %` },
        },
      },
      plugins: [whiteBackground, gaugeValue],
    };
  }

  function trendConfig(chart) {
    const nps = chart.series.some((s) => s.key === "nps");
    const percent = chart.series.every((s) => s.unit === "%" || s.key === "nps");
    const datasets = chart.series.map((s, i) => {
      const style = SERIES[i % SERIES.length];
      return {
        label: s.label + (s.unit === "%" ? " (%)" : ""),
        data: s.values,
        n: s.n,
        unit: s.unit,
        yAxisID: s.key === "nps" ? "nps" : "y",
        borderColor: style.color,
        backgroundColor: style.color,
        borderDash: style.dash,
        pointStyle: style.point,
        pointRadius: 3,
        spanGaps: false,
      };
    });
    const scales = { y: { beginAtZero: true, ticks: { precision: 0 } } };
    if (percent) scales.y = { min: 0, max: 100, title: { display: true, text: "%" } };
    if (nps) scales.nps = { position: "right", min: -100, max: 100, grid: { drawOnChartArea: false }, title: { display: true, text: "NPS" } };
    return {
      type: chart.type,
      data: { labels: chart.labels, datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales,
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true } },
          title: { display: false, text: chart.title },
          tooltip: {
            callbacks: {
              title(items) {
                return items.length ? chart.periods[items[0].dataIndex] : "";
              },
              label(ctx) {
                const ds = ctx.dataset;
                return `${ds.label}: ${format(ctx.raw, ds.unit)} (n = ${ds.n[ctx.dataIndex]})`;
              },
            },
          },
        },
      },
      plugins: [whiteBackground],
    };
  }

  // The image carries its title (the page shows it as a heading above the canvas instead).
  function imageOf(chart) {
    chart.options.plugins.title.display = true;
    chart.update("none");
    const url = chart.toBase64Image("image/png", 1);
    chart.options.plugins.title.display = false;
    chart.update("none");
    return url;
  }

  function attachSaveLink(root, id, chart) {
    const link = root.querySelector(`.save-chart[data-chart="${id}"]`);
    if (!link) return;
    link.href = imageOf(chart);
    link.hidden = false;
    link.addEventListener("click", () => {
      link.href = imageOf(chart); // the chart may have been resized since
    });
  }

  function make(root, id, config) {
    const canvas = root.querySelector(`#chart-${id}`);
    if (!canvas) return;
    const box = canvas.closest(".chart-box");
    if (box) box.hidden = false;
    window.Chart.getChart(canvas)?.destroy(); // drawn already (a swap and a history restore may both ask)
    const chart = new window.Chart(canvas, config);
    charts.push(chart);
    attachSaveLink(root, id, chart);
    const details = canvas.closest("figure")?.querySelector("details.chart-data");
    if (details) details.open = false;
  }

  function draw() {
    const root = document.getElementById("dashboard-body");
    const source = document.getElementById("dashboard-data");
    charts.forEach((c) => c.destroy());
    charts = [];
    if (!root || !source || !window.Chart) return;
    const data = JSON.parse(source.textContent);
    make(root, "gauge", gaugeConfig(data.gauge));
    data.charts.forEach((chart) => make(root, chart.id, trendConfig(chart)));
    root.classList.add("charts-on");
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", (event) => {
    if (event.detail.target && event.detail.target.id === "dashboard-body") draw();
  });
  document.addEventListener("htmx:historyRestore", draw);
  document.addEventListener("htmx:beforeRequest", (event) => {
    const body = document.getElementById("dashboard-body");
    if (body && event.detail.target === body) body.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", () => {
    document.getElementById("dashboard-body")?.setAttribute("aria-busy", "false");
  });
})();
