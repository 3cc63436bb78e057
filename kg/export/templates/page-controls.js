// paperkg explorer, part 3: search, filter controls, state in the URL fragment, export, start-up.
var entityHay, paperHay, results = [], current = -1;

function buildSearchIndex() {
  if (entityHay) { return; }
  entityHay = E.name.map(function (n, i) { return (n + "\n" + E.aliases[i].join("\n") + "\n" + E.id[i]).toLowerCase(); });
  paperHay = P.title.map(function (t, p) { return ((t || "") + "\n" + P.id[p]).toLowerCase(); });
}

function search(query) {
  // entities first (exact name, then the most connected), then papers (newest first)
  var q = query.trim().toLowerCase(), hits = [];
  if (!q) { return hits; }
  buildSearchIndex();
  var ents = [], papers = [];
  for (var i = 0; i < N_ENT; i++) { if (entityHay[i].indexOf(q) !== -1) { ents.push(i); } }
  ents.sort(function (a, b) {
    return (E.name[a].toLowerCase() === q ? 0 : 1) - (E.name[b].toLowerCase() === q ? 0 : 1) || E.rank[a] - E.rank[b];
  });
  for (var p = 0; p < paperHay.length; p++) { if (paperHay[p].indexOf(q) !== -1) { papers.push(p); } }
  papers.sort(function (a, b) { return (P.year[b] || 0) - (P.year[a] || 0) || a - b; });
  ents.forEach(function (i) { hits.push({kind: "entity", index: i, id: E.id[i]}); });
  papers.forEach(function (p) { hits.push({kind: "paper", index: p, id: P.id[p]}); });
  return hits;
}

function pick(k) {
  if (!results.length) { return; }
  current = (k + results.length) % results.length;
  var items = document.querySelectorAll("#results li");
  items.forEach(function (li, n) { li.classList.toggle("current", n === current); });
  if (items[current]) { items[current].scrollIntoView({block: "nearest"}); }
  var hit = results[current];
  if (hit.kind === "entity") { focusOn(hit.index); } else { showPaper(hit.index); }
  document.getElementById("search-status").textContent = (current + 1) + " of " + results.length.toLocaleString("en");
}

function runSearch(query) {
  S.query = query;
  results = search(query); current = -1;
  var list = document.getElementById("results"), status = document.getElementById("search-status");
  list.replaceChildren();
  if (!results.length) {
    status.textContent = query.trim() ? "No match." : "";
    if (query.trim()) { showNothing(); }
    return;
  }
  results.slice(0, 200).forEach(function (hit, n) {
    var label = hit.kind === "entity" ? E.name[hit.index] : (P.title[hit.index] || P.id[hit.index]);
    var kind = hit.kind === "entity" ? D.types[E.type[hit.index]] : "Paper" + (P.year[hit.index] ? " " + P.year[hit.index] : "");
    list.appendChild(el("li", {onclick: function () { pick(n); }}, [label + " ", el("span", {"class": "kind", text: kind})]));
  });
  pick(0);
}

// ---- controls ------------------------------------------------------------------------------
function checkboxes(boxId, names, counts, colour, hidden) {
  var box = document.getElementById(boxId);
  names.forEach(function (name) {
    var input = el("input", {type: "checkbox", value: name});
    input.checked = !hidden.has(name);
    input.addEventListener("change", function () {
      if (input.checked) { hidden.delete(name); } else { hidden.add(name); }
      applyFilters();
    });
    box.appendChild(el("label", {}, [input, el("span", {"class": "sym", style: "color:" + colour(name), text: "\u25cf"}), name,
      el("span", {"class": "count", text: (counts[name] || 0).toLocaleString("en")})]));
  });
}

function syncControls() {
  var from = document.getElementById("year-from"), to = document.getElementById("year-to");
  from.value = S.yearFrom; to.value = S.yearTo;
  document.getElementById("year-label").textContent = S.yearFrom + "\u2013" + S.yearTo;
  document.getElementById("min-papers").value = S.minPapers;
  document.getElementById("min-label").textContent = "\u2265 " + S.minPapers;
  document.getElementById("only").checked = S.only;
  document.getElementById("hide-isolated").checked = S.hideIsolated;
  document.getElementById("colour-by").value = S.colourBy;
  document.querySelectorAll("#type-filters input").forEach(function (b) { b.checked = !S.hiddenTypes.has(b.value); });
  document.querySelectorAll("#relation-filters input").forEach(function (b) { b.checked = !S.hiddenRelations.has(b.value); });
  drawLegend();
}

function drawLegend() {
  var legend = document.getElementById("legend"), items = [];
  if (S.colourBy === "type") {
    D.types.forEach(function (t, k) { items.push([typeColour(k), t]); });
  } else {
    var best = {};
    for (var i = 0; i < N_ENT; i++) {
      var c = E.community[i];
      if (c < COMMUNITY_COLOURS.length && (best[c] === undefined || E.rank[i] < E.rank[best[c]])) { best[c] = i; }
    }
    Object.keys(best).sort(function (a, b) { return a - b; }).forEach(function (c) { items.push([communityColour(+c), E.name[best[c]] + " cluster"]); });
  }
  legend.replaceChildren.apply(legend, items.map(function (it) {
    return el("span", {}, [el("span", {style: "color:" + it[0], text: "\u25cf "}), it[1]]);
  }));
}

function wireControls() {
  var from = document.getElementById("year-from"), to = document.getElementById("year-to");
  [from, to].forEach(function (r) { r.min = PK.years[0]; r.max = PK.years[1]; r.step = 1; });
  if (PK.years[0] === PK.years[1]) { document.getElementById("years-box").hidden = true; }  // no range
  function years() {
    var a = +from.value, b = +to.value;
    S.yearFrom = Math.min(a, b); S.yearTo = Math.max(a, b); syncControls(); applyFilters();
  }
  from.addEventListener("input", years); to.addEventListener("input", years);
  var minP = document.getElementById("min-papers");
  minP.max = Math.max(2, E.papers.reduce(function (m, l) { return Math.max(m, l.length); }, 1));
  minP.addEventListener("input", function () { S.minPapers = +minP.value; syncControls(); applyFilters(); });
  document.getElementById("only").addEventListener("change", function (ev) { S.only = ev.target.checked; applyFilters(); });
  document.getElementById("hide-isolated").addEventListener("change", function (ev) { S.hideIsolated = ev.target.checked; applyFilters(); });
  document.getElementById("colour-by").addEventListener("change", function (ev) { S.colourBy = ev.target.value; drawLegend(); applyFilters(); });
  var typeCounts = {}, relCounts = {};
  E.type.forEach(function (t) { typeCounts[D.types[t]] = (typeCounts[D.types[t]] || 0) + 1; });
  EDGES.relation.forEach(function (r) { relCounts[D.relations[r]] = (relCounts[D.relations[r]] || 0) + 1; });
  checkboxes("type-filters", D.types, typeCounts, function (t) { return D.styles.types[t].color; }, S.hiddenTypes);
  checkboxes("relation-filters", D.relations, relCounts, function (r) { return D.styles.relations[r].color; }, S.hiddenRelations);
  document.getElementById("search-form").addEventListener("submit", function (ev) { ev.preventDefault(); runSearch(document.getElementById("search").value); });
  document.getElementById("next-result").addEventListener("click", function () { pick(current + 1); });
  document.getElementById("prev-result").addEventListener("click", function () { pick(current - 1); });
  document.getElementById("back").addEventListener("click", function () { stepFocus(history_, future); });
  document.getElementById("forward").addEventListener("click", function () { stepFocus(future, history_); });
  document.getElementById("expand").addEventListener("click", function () { if (S.focus !== null) { setFocus(S.focus, S.depth + 1); } });
  document.getElementById("collapse").addEventListener("click", function () { if (S.focus !== null && S.depth > 1) { setFocus(S.focus, S.depth - 1); } });
  document.getElementById("clear-focus").addEventListener("click", function () { setFocus(null, 0); showNothing(); });
  document.getElementById("fit").addEventListener("click", function () { renderer.getCamera().animatedReset({duration: 300}); });
  document.getElementById("reset").addEventListener("click", function () { restoreState(""); renderer.getCamera().animatedReset({duration: 300}); });
  document.getElementById("export-png").addEventListener("click", function () { download("graph.png", exportPNG()); });
  document.getElementById("export-csv").addEventListener("click", function () {
    var csv = exportCSV();
    download("entities.csv", URL.createObjectURL(new Blob([csv.entities], {type: "text/csv"})));
    download("links.csv", URL.createObjectURL(new Blob([csv.links], {type: "text/csv"})));
  });
  document.getElementById("export-json").addEventListener("click", function () {
    download("graph.json", URL.createObjectURL(new Blob([JSON.stringify(exportJSON(), null, 1)], {type: "application/json"})));
  });
}

// ---- state in the URL fragment (a permalink) ------------------------------------------------
function stateString() {
  var q = new URLSearchParams();
  if (S.focus !== null) { q.set("focus", E.id[S.focus]); if (S.depth > 1) { q.set("depth", S.depth); } }
  if (S.paper !== null) { q.set("paper", P.id[S.paper]); }
  if (S.only) { q.set("only", "1"); }
  if (S.yearFrom !== PK.years[0] || S.yearTo !== PK.years[1]) { q.set("years", S.yearFrom + "-" + S.yearTo); }
  if (S.minPapers !== D.minPapers) { q.set("min", S.minPapers); }
  if (S.hiddenTypes.size) { q.set("hide-types", Array.from(S.hiddenTypes).sort().join(",")); }
  if (S.hiddenRelations.size) { q.set("hide-relations", Array.from(S.hiddenRelations).sort().join(",")); }
  if (!S.hideIsolated) { q.set("isolated", "1"); }
  if (S.colourBy !== "community") { q.set("colour", S.colourBy); }
  return q.toString();
}
function saveState() {
  var s = stateString();
  history.replaceState(null, "", s ? "#" + s : location.pathname + location.search);
}
function restoreState(hash) {
  var q = new URLSearchParams(hash.replace(/^#/, ""));
  var years = (q.get("years") || "").split("-").map(Number);
  S.yearFrom = years.length === 2 && years[0] ? years[0] : PK.years[0];
  S.yearTo = years.length === 2 && years[1] ? years[1] : PK.years[1];
  S.minPapers = q.has("min") ? Math.max(1, +q.get("min") || 1) : D.minPapers;
  S.only = q.get("only") === "1"; S.hideIsolated = q.get("isolated") !== "1";
  S.colourBy = q.get("colour") === "type" ? "type" : "community";
  S.hiddenTypes.clear(); S.hiddenRelations.clear();
  (q.get("hide-types") || "").split(",").filter(Boolean).forEach(function (t) { S.hiddenTypes.add(t); });
  (q.get("hide-relations") || "").split(",").filter(Boolean).forEach(function (r) { S.hiddenRelations.add(r); });
  var focus = q.has("focus") ? E.id.indexOf(q.get("focus")) : -1;
  var centre = focus >= 0 ? focus : (D.centre !== null && !hash ? E.id.indexOf(D.centre) : -1);
  syncControls();
  setFocus(centre >= 0 ? centre : null, Math.max(1, +q.get("depth") || 1), false);
  var paper = q.has("paper") ? P.id.indexOf(q.get("paper")) : (D.centre !== null && !hash ? P.id.indexOf(D.centre) : -1);
  if (paper >= 0) { showPaper(paper); } else if (centre < 0) { showNothing(); }
}

// ---- export of what is shown ----------------------------------------------------------------
function visible() {
  var nodes = [], links = [];
  var seen = function (i) { return nodeShown[i] && (!focusSet || focusSet.has(i)); };  // focused: what stands out
  for (var i = 0; i < N_ENT; i++) { if (seen(i)) { nodes.push(i); } }
  for (var e = 0; e < N_EDGE; e++) {
    if (edgeShown[e] && seen(EDGES.source[e]) && seen(EDGES.target[e]) &&
        (!focusSet || (focusSet.has(EDGES.source[e]) && focusSet.has(EDGES.target[e])))) { links.push(e); }
  }
  return {nodes: nodes, links: links};
}
function exportJSON() {
  var v = visible();
  return {state: stateString(),
    entities: v.nodes.map(function (i) { return {id: E.id[i], name: E.name[i], type: D.types[E.type[i]], papers: E.papers[i].length, community: E.community[i]}; }),
    links: v.links.map(function (e) { return {source: E.id[EDGES.source[e]], relation: D.relations[EDGES.relation[e]], target: E.id[EDGES.target[e]], papers: EDGES.weight[e]}; })};
}
function csvCell(v) {
  var s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) { s = "'" + s; }  // no formula injection in spreadsheets
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}
function csvTable(rows) {
  if (!rows.length) { return ""; }
  var keys = Object.keys(rows[0]);
  return [keys.join(",")].concat(rows.map(function (r) { return keys.map(function (k) { return csvCell(r[k]); }).join(","); })).join("\r\n") + "\r\n";
}
function exportCSV() {
  var data = exportJSON();
  return {entities: csvTable(data.entities) || "id,name,type,papers,community\r\n",
          links: csvTable(data.links) || "source,relation,target,papers\r\n"};
}
function exportPNG() {
  renderer.refresh();  // draw now: the WebGL buffers are read in the same task
  var canvases = renderer.getCanvases(), dims = renderer.getDimensions(), ratio = window.devicePixelRatio || 1;
  var out = document.createElement("canvas");
  out.width = dims.width * ratio; out.height = dims.height * ratio;
  var ctx = out.getContext("2d");
  ctx.fillStyle = "#ffffff"; ctx.fillRect(0, 0, out.width, out.height);
  ["edges", "nodes", "labels", "hovers", "hoverNodes"].forEach(function (id) {
    if (canvases[id]) { ctx.drawImage(canvases[id], 0, 0, out.width, out.height); }
  });
  return out.toDataURL("image/png");
}
function download(name, url) {
  var a = el("a", {href: url, download: name});
  document.body.appendChild(a); a.click(); a.remove();
}

// ---- start-up -----------------------------------------------------------------------------
PK.timings = {start: performance.now()};
decodeData("paperkg-data").then(function (data) {
  PK.timings.decoded = performance.now();
  D = data; E = D.entities; P = D.papers; EDGES = D.edges; N_ENT = E.id.length; N_EDGE = EDGES.source.length;
  readTexts();
  var ys = P.year.filter(function (y) { return y !== null; });
  PK.years = ys.length ? [Math.min.apply(null, ys), Math.max.apply(null, ys)] : [0, 0];
  S.yearFrom = PK.years[0]; S.yearTo = PK.years[1]; S.minPapers = D.minPapers;
  buildGraph(); PK.timings.graph = performance.now();
  wireControls(); restoreState(location.hash); PK.timings.state = performance.now();
  startRenderer(); PK.timings.drawn = performance.now();
  if (S.focus !== null) { centreOn(S.focus); }
  window.addEventListener("hashchange", function () {  // a permalink pasted into this tab
    if (location.hash.replace(/^#/, "") !== stateString()) { restoreState(location.hash); }
  });
  document.getElementById("loading").style.display = "none";
  PK.search = search; PK.applyFilters = applyFilters; PK.state = function () { return S; };
  PK.exportJSON = exportJSON; PK.exportCSV = exportCSV; PK.exportPNG = exportPNG; PK.stateString = stateString;
  PK.types = D.types; PK.entityCount = N_ENT; PK.paperCount = P.id.length; PK.edgeCount = N_EDGE;
  PK.entityIndex = function (id) { return E.id.indexOf(id); };
  PK.paperIndex = function (id) { return P.id.indexOf(id); };
  PK.showPaper = showPaper; PK.showEdge = showEdge; PK.focusOn = focusOn; PK.setFocus = setFocus;
  PK.renderer = renderer;
  requestAnimationFrame(function () {
    PK.ready = true; PK.readyAt = performance.now(); saveState();
    setTimeout(buildSearchIndex, 0);  // after the first frame; a search before it builds it
  });
}).catch(function (err) { PK.errors.push(String(err && err.stack || err)); document.getElementById("loading").textContent = "Could not read the page's data: " + err; });
