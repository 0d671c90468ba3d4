// DistInfer dashboard: polls /api/cluster every 2 s and redraws. No dependencies, no network beyond the silo.
"use strict";
(function () {
  const PollMs = 2000;

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    if (attrs) for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function bytes(n) {
    if (!n) return "0 B";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return n.toFixed(i ? 1 : 0) + " " + units[i];
  }

  function seconds(s) { return s < 1 ? (s * 1000).toFixed(0) + " ms" : s.toFixed(2) + " s"; }

  function setText(id, text) { document.getElementById(id).textContent = text; }

  // Activations, experts and stages name their silo by address (HOST:PORT@GENERATION) in a cluster, by name in one process.
  function isSilo(s, silo) { return s.address === silo || s.name === silo; }

  function siloLabel(silos, silo) {
    const s = silos.find(x => isSilo(x, silo));
    return s ? s.name : silo.split("@")[0];
  }

  function renderTiles(c, r) {
    setText("cluster-id", "cluster " + c.clusterId);
    setText("tile-silos", String(c.silos.length));
    setText("tile-activations", String(c.activations.reduce((a, x) => a + x.count, 0)));
    setText("tile-rps", r.requestsPerSecond.toFixed(2));
    setText("tile-tps", r.tokensPerSecond.toFixed(1));
    setText("tile-p50", seconds(r.p50LatencySeconds));
    setText("tile-p99", seconds(r.p99LatencySeconds));
    setText("tile-load", r.running + " / " + r.waiting);
    setText("tile-errors", String(r.errorsTotal));
  }

  function renderSilos(silos) {
    const body = document.querySelector("#silo-table tbody");
    body.replaceChildren(...silos.map(s => {
      const tr = el("tr", { "data-testid": "silo-row", "data-silo": s.name });
      const acc = s.accelerators.length
        ? s.accelerators.map(a => a.name + " " + bytes(a.memoryUsedBytes) + " / " + bytes(a.memoryTotalBytes)).join(", ")
        : "none";
      for (const v of [s.name, s.address, s.status, s.roles.join(", "), s.cpuPercent.toFixed(1) + " %",
        bytes(s.memoryUsedBytes) + " / " + bytes(s.memoryTotalBytes), bytes(s.processMemoryBytes), acc]) tr.append(el("td", null, v));
      return tr;
    }));
  }

  function renderActivations(activations, silos) {
    const table = document.getElementById("activation-table");
    const types = [...new Set(activations.map(a => a.grainType))].sort();
    const head = el("tr");
    head.append(el("th", null, "Grain type"), ...silos.map(s => el("th", null, s.name)));
    table.tHead.replaceChildren(head);
    table.tBodies[0].replaceChildren(...types.map(t => {
      const tr = el("tr", { "data-testid": "activation-row", "data-grain-type": t });
      tr.append(el("td", null, t));
      for (const s of silos) {
        const hit = activations.find(a => a.grainType === t && isSilo(s, a.silo));
        tr.append(el("td", null, hit ? String(hit.count) : "0"));
      }
      return tr;
    }));
  }

  function renderPipeline(stages, silos) {
    const box = document.getElementById("pipeline");
    if (!stages.length) { box.replaceChildren(el("span", { class: "muted" }, "no pipelines")); return; }
    box.replaceChildren(...stages.map(s => {
      const row = el("div", { class: "pipeline-row", "data-testid": "pipeline-stage" });
      const bar = el("div", { class: "bar" });
      const fill = el("span");
      fill.style.width = Math.round(Math.min(1, Math.max(0, s.utilization)) * 100) + "%";
      bar.append(fill);
      row.append(el("span", null, s.model + " stage " + s.stage + " (layers " + s.firstLayer + "–" + s.lastLayer + ") on " + siloLabel(silos, s.silo)),
        bar, el("span", null, Math.round(s.utilization * 100) + " %"));
      return row;
    }));
  }

  function heat(load, max) {
    const f = max > 0 ? load / max : 0;
    // white (idle) to red (the layer's busiest expert)
    const g = Math.round(255 - 180 * f);
    return "rgb(255," + g + "," + g + ")";
  }

  function renderExperts(experts, silos) {
    const box = document.getElementById("expert-map");
    if (!experts.length) { box.replaceChildren(el("span", { class: "muted" }, "no MoE experts placed")); return; }
    const layers = new Map();
    for (const e of experts) {
      const key = e.model + "\u0000" + e.layer;
      if (!layers.has(key)) layers.set(key, []);
      layers.get(key).push(e);
    }
    const blocks = [];
    for (const list of layers.values()) {
      const { model, layer } = list[0];
      const maxExpert = Math.max(...list.map(e => e.expert));
      const maxReplica = Math.max(...list.map(e => e.replica));
      const maxLoad = Math.max(...list.map(e => e.load));
      const block = el("div", { class: "expert-layer", "data-testid": "expert-layer", "data-model": model, "data-layer": String(layer) });
      block.append(el("div", null, model + " · layer " + layer));
      const table = el("table");
      const head = el("tr");
      head.append(el("th", null, "replica"));
      for (let x = 0; x <= maxExpert; x++) head.append(el("th", null, "E" + x));
      table.append(head);
      for (let r = 0; r <= maxReplica; r++) {
        const tr = el("tr");
        tr.append(el("th", null, String(r)));
        for (let x = 0; x <= maxExpert; x++) {
          const e = list.find(p => p.expert === x && p.replica === r);
          const td = el("td", e ? { "data-testid": "expert-cell", "data-silo": e.silo, "data-load": String(e.load) } : null,
            e ? siloLabel(silos, e.silo) : "");
          if (e) { td.style.background = heat(e.load, maxLoad); td.title = e.silo + " load " + e.load; }
          tr.append(td);
        }
        table.append(tr);
      }
      block.append(table);
      blocks.push(block);
    }
    box.replaceChildren(...blocks);
  }

  function drawChart(id, points) {
    const canvas = document.getElementById(id);
    canvas.setAttribute("data-points", points.join(","));
    const ctx = canvas.getContext("2d");
    const w = canvas.width, h = canvas.height, pad = 18;
    ctx.clearRect(0, 0, w, h);
    const max = Math.max(1, ...points);
    ctx.strokeStyle = "#dde1e6";
    ctx.beginPath(); ctx.moveTo(pad, h - pad); ctx.lineTo(w - 4, h - pad); ctx.stroke();
    ctx.fillStyle = "#6b7684";
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillText(String(max), 2, 12);
    ctx.strokeStyle = "#2f6fde";
    ctx.lineWidth = 2;
    ctx.beginPath();
    points.forEach((p, i) => {
      const x = pad + (w - pad - 4) * (points.length > 1 ? i / (points.length - 1) : 0);
      const y = h - pad - (h - 2 * pad) * (p / max);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
  }

  async function poll() {
    const status = document.getElementById("status");
    try {
      const res = await fetch("/api/cluster", { cache: "no-store" });
      if (!res.ok) throw new Error("HTTP " + res.status);
      const data = await res.json();
      const c = data.cluster, r = data.requests;
      renderTiles(c, r);
      renderSilos(c.silos);
      renderActivations(c.activations, c.silos);
      renderPipeline(c.pipeline, c.silos);
      renderExperts(c.experts, c.silos);
      drawChart("tokens-chart", r.tokensHistory);
      drawChart("requests-chart", r.requestsHistory);
      status.textContent = "updated " + new Date().toLocaleTimeString();
      status.className = "";
    } catch (e) {
      status.textContent = "cannot reach the silo: " + e.message;
      status.className = "error";
    } finally {
      setTimeout(poll, PollMs);
    }
  }

  poll();
})();
