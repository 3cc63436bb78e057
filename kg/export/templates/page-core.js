"use strict";
// paperkg explorer, part 1: data, drawing (sigma.js), filters and focus.
// Every piece of paper text is written with textContent / text nodes, never parsed as HTML.
var PK = window.paperkg;
var D, renderer, graph, E, P, EDGES, N_ENT, N_EDGE;
var S = {yearFrom: null, yearTo: null, minPapers: 1, hiddenTypes: new Set(), hiddenRelations: new Set(),
         hideIsolated: true, colourBy: "community", only: false, focus: null, paper: null, query: ""};
var nodeShown, edgeShown, focusSet = null, history_ = [], future = [];
var COMMUNITY_COLOURS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9",
  "#8c564b", "#7f7f00", "#9467bd", "#17becf", "#bc5090", "#2f4b7c"];
var DIM = "#e3e3e3";

function decodeData(id) {
  var text = document.getElementById(id).textContent, bytes;
  if (Uint8Array.fromBase64) { bytes = Uint8Array.fromBase64(text); }
  else {
    var bin = atob(text);
    bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
  }
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).text().then(JSON.parse);
}

// abstracts, authors, mentions and evidence are read after the first frame
var textsReady = null;
function readTexts() {
  // the texts' block comes after the script in the page: wait until it is parsed
  var parsed = document.readyState === "loading" ? new Promise(function (resolve) {
    document.addEventListener("DOMContentLoaded", resolve);
  }) : Promise.resolve();
  textsReady = parsed.then(function () { return decodeData("paperkg-texts"); }).then(function (t) {
    P.abstract = t.abstract; P.authors = t.authors; P.mentions = t.mentions; EDGES.evidence = t.evidence;
    PK.textsAt = performance.now();
  });
  return textsReady;
}
function withTexts(show) { return function (k) { textsReady.then(function () { show(k); }); }; }

function communityColour(c) { return c < COMMUNITY_COLOURS.length ? COMMUNITY_COLOURS[c] : "#9a9a9a"; }
function typeColour(t) { return D.styles.types[D.types[t]].color; }
function nodeColour(i) {
  return S.colourBy === "type" ? typeColour(E.type[i]) : communityColour(E.community[i]);
}

function buildGraph() {
  graph = new graphology.MultiGraph();
  var maxDeg = 1;
  for (var i = 0; i < N_ENT; i++) { maxDeg = Math.max(maxDeg, E.degree[i]); }
  for (i = 0; i < N_ENT; i++) {
    graph.addNode(String(i), {x: E.x[i], y: E.y[i], label: E.name[i],
      size: 2.5 + 13 * Math.sqrt(E.degree[i] / maxDeg), color: nodeColour(i),
      forceLabel: E.rank[i] < D.forcedLabels, zIndex: N_ENT - E.rank[i]});
  }
  var maxW = 1;
  for (var e = 0; e < N_EDGE; e++) { maxW = Math.max(maxW, EDGES.weight[e]); }
  for (e = 0; e < N_EDGE; e++) {
    var rel = D.relations[EDGES.relation[e]];
    graph.addEdgeWithKey(String(e), String(EDGES.source[e]), String(EDGES.target[e]), {
      size: 0.5 + 3.5 * Math.sqrt(EDGES.weight[e] / maxW),
      color: rel === "co_occurs_with" ? "#cfcfcf" : D.styles.relations[rel].color});
  }
}

// ---- filters: which entities and edges are shown -------------------------------------------
function papersInRange(i) {
  var list = E.papers[i];
  if (S.yearFrom === PK.years[0] && S.yearTo === PK.years[1]) { return list.length; }
  var n = 0;
  for (var k = 0; k < list.length; k++) {
    var y = P.year[list[k]];
    if (y !== null && y >= S.yearFrom && y <= S.yearTo) { n++; }
  }
  return n;
}

function computeShown() {
  var base = new Uint8Array(N_ENT), linked = new Uint8Array(N_ENT);
  for (var i = 0; i < N_ENT; i++) {
    base[i] = !S.hiddenTypes.has(D.types[E.type[i]]) && papersInRange(i) >= S.minPapers &&
      (!S.only || !focusSet || focusSet.has(i)) ? 1 : 0;
  }
  edgeShown = new Uint8Array(N_EDGE);
  for (var e = 0; e < N_EDGE; e++) {
    var s = EDGES.source[e], t = EDGES.target[e];
    if (base[s] && base[t] && !S.hiddenRelations.has(D.relations[EDGES.relation[e]])) {
      edgeShown[e] = 1; linked[s] = 1; linked[t] = 1;
    }
  }
  nodeShown = new Uint8Array(N_ENT);
  for (i = 0; i < N_ENT; i++) {
    nodeShown[i] = base[i] && (!S.hideIsolated || linked[i] || (focusSet && focusSet.has(i))) ? 1 : 0;
  }
}

function nodeReducer(key, attrs) {
  var i = +key;
  if (!nodeShown[i]) { return {x: attrs.x, y: attrs.y, size: attrs.size, hidden: true}; }
  var out = Object.assign({}, attrs);
  out.color = nodeColour(i);
  if (focusSet) {
    if (!focusSet.has(i)) { out.color = DIM; out.label = ""; out.zIndex = 0; out.forceLabel = false; }
    else { out.zIndex = N_ENT + 1; out.forceLabel = focusSet.size <= 60 || E.rank[i] < D.forcedLabels; }
    if (i === S.focus) { out.highlighted = true; }
  }
  return out;
}

function edgeReducer(key, attrs) {
  var e = +key;
  if (!edgeShown[e]) { return {hidden: true}; }
  if (focusSet && !(focusSet.has(EDGES.source[e]) && focusSet.has(EDGES.target[e]))) {
    return {hidden: true};
  }
  return attrs;
}

function applyFilters() {
  var started = performance.now();
  computeShown();
  if (renderer) { renderer.refresh(); }
  var n = 0, m = 0;
  for (var i = 0; i < N_ENT; i++) { n += nodeShown[i]; }
  for (var e = 0; e < N_EDGE; e++) { m += edgeShown[e]; }
  document.getElementById("shown").textContent = n.toLocaleString("en") + " of " +
    N_ENT.toLocaleString("en") + " entities and " + m.toLocaleString("en") + " links shown.";
  PK.shownNodes = n; PK.shownEdges = m;
  PK.lastFilterMs = performance.now() - started;
  if (PK.ready) { saveState(); }
}

// ---- focus: the clicked entity and its neighbours stand out; back / forward ------------------
var adjacency = null;
function neighbours(i) {
  if (!adjacency) {
    adjacency = [];
    for (var k = 0; k < N_ENT; k++) { adjacency.push([]); }
    for (var e = 0; e < N_EDGE; e++) {
      adjacency[EDGES.source[e]].push(EDGES.target[e]);
      adjacency[EDGES.target[e]].push(EDGES.source[e]);
    }
  }
  return adjacency[i];
}

function neighbourhood(centre, depth) {
  var set = new Set([centre]), frontier = [centre];
  for (var d = 0; d < depth; d++) {
    var next = [];
    frontier.forEach(function (i) {
      neighbours(i).forEach(function (j) { if (!set.has(j)) { set.add(j); next.push(j); } });
    });
    frontier = next;
  }
  return set;
}

function setFocus(centre, depth, record) {
  if (record !== false) {
    history_.push({focus: S.focus, depth: S.depth}); future = [];
  }
  S.focus = centre; S.depth = centre === null ? 0 : depth;
  focusSet = centre === null ? null : neighbourhood(centre, S.depth);
  applyFilters();
  if (centre !== null) { showEntity(centre); }
}

function focusOn(i) { setFocus(i, 1); centreOn(i); }

function stepFocus(from, to) {
  if (!from.length) { return; }
  to.push({focus: S.focus, depth: S.depth});
  var state = from.pop();
  setFocus(state.focus, state.depth, false);
  if (state.focus === null) { showNothing(); }
}

function centreOn(i) {
  var d = renderer.getNodeDisplayData(String(i));
  if (d) { renderer.getCamera().animate({x: d.x, y: d.y, ratio: Math.min(renderer.getCamera().ratio, 0.35)}, {duration: 300}); }
}

function startRenderer() {
  var container = document.getElementById("graph");
  renderer = new Sigma(graph, container, {
    nodeReducer: nodeReducer, edgeReducer: edgeReducer, zIndex: true,
    labelDensity: 0.6, labelGridCellSize: 90, labelRenderedSizeThreshold: 7,
    labelSize: 13, labelWeight: "500", labelFont: "system-ui, sans-serif",
    enableEdgeEvents: true, hideEdgesOnMove: N_EDGE > 20000, minCameraRatio: 0.01, maxCameraRatio: 4,
    defaultEdgeColor: "#cfcfcf"
  });
  renderer.on("clickNode", function (ev) { focusOn(+ev.node); });
  renderer.on("doubleClickNode", function (ev) {
    ev.preventSigmaDefault(); setFocus(+ev.node, (S.focus === +ev.node ? S.depth : 1) + 1);
  });
  renderer.on("clickEdge", function (ev) { showEdge(+ev.edge); });
  renderer.on("enterNode", function () { container.style.cursor = "pointer"; });
  renderer.on("leaveNode", function () { container.style.cursor = ""; });
}
