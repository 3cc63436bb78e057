// paperkg explorer, part 2: the details panel (entity, link, paper), built from text nodes only.
var PAGE = 20;

function el(tag, attrs, children) {
  var node = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) {
    if (k === "text") { node.textContent = attrs[k]; }
    else if (k === "onclick") { node.addEventListener("click", attrs[k]); }
    else { node.setAttribute(k, attrs[k]); }
  });
  (children || []).forEach(function (c) {
    if (c !== null && c !== undefined) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); }
  });
  return node;
}

function outside(url, text) {
  // only absolute http(s) links (checked when the page was written, and again here)
  if (!url || !/^https?:\/\//i.test(url)) { return null; }
  return el("a", {href: url, target: "_blank", rel: "noopener noreferrer", text: text});
}
function inside(text, onclick) { return el("a", {"class": "inside", text: text, onclick: onclick}); }
function entityLink(i) { return inside(E.name[i], function () { focusOn(i); }); }
function paperLink(p) { return inside(P.title[p] || P.id[p], function () { showPaper(p); }); }
function plural(n, word) { return n.toLocaleString("en") + " " + (n === 1 ? word : word + "s"); }

function show(nodes) {
  document.getElementById("details").replaceChildren.apply(document.getElementById("details"), nodes);
}
function showNothing() { S.paper = null; show([document.createTextNode("Click an entity or a link, or search.")]); }

function paged(items, render, listTag) {
  var box = el("div"), page = 0, pages = Math.max(1, Math.ceil(items.length / PAGE));
  function draw() {
    var list = el(listTag || "ol", {start: String(page * PAGE + 1)});
    items.slice(page * PAGE, page * PAGE + PAGE).forEach(function (it) { list.appendChild(el("li", {}, render(it))); });
    var pager = pages > 1 ? el("div", {"class": "pager"}, [
      el("button", {type: "button", "class": "page-prev", text: "\u2039", onclick: function () { if (page > 0) { page--; draw(); } }}),
      el("span", {"class": "page-label", text: "page " + (page + 1) + " of " + pages}),
      el("button", {type: "button", "class": "page-next", text: "\u203a", onclick: function () { if (page < pages - 1) { page++; draw(); } }})
    ]) : null;
    box.replaceChildren.apply(box, [list, pager].filter(Boolean));
  }
  draw();
  return box;
}

function paperLine(p) {
  var facts = [P.year[p], P.venue[p]].filter(function (x) { return x !== null && x !== ""; }).join(" \u00b7 ");
  return [paperLink(p), facts ? el("span", {"class": "kind", text: " " + facts + " "}) : null,
          outside(P.url[p], "\u2197")];
}

function showEntity(i) {
  S.paper = null;
  var type = D.types[E.type[i]], parts = [el("h3", {"class": "name", text: E.name[i]}),
    el("div", {"class": "kind", text: type + " \u00b7 " + plural(E.papers[i].length, "paper") +
      " \u00b7 " + plural(E.degree[i], "linked entity").replace("entitys", "entities")})];
  if (E.aliases[i].length) { parts.push(el("div", {"class": "aliases", text: "Also: " + E.aliases[i].join(", ")})); }
  var links = E.links[i].map(function (l) { return outside(l[1], l[0]) || el("span", {text: l[0] + ": " + l[2]}); });
  if (links.length) { parts.push(el("div", {"class": "links"}, links.reduce(function (acc, a) { return acc.concat(acc.length ? [" \u00b7 ", a] : [a]); }, []))); }
  parts.push(el("div", {"class": "row"}, [
    el("button", {type: "button", text: "Expand", onclick: function () { setFocus(i, (S.depth || 1) + 1); }}),
    el("button", {type: "button", text: "Only this neighbourhood", onclick: function () {
      document.getElementById("only").checked = true; S.only = true; applyFilters(); }})]));
  var rels = [];
  for (var e = 0; e < N_EDGE; e++) {
    if (EDGES.source[e] === i || EDGES.target[e] === i) { rels.push(e); }
  }
  rels.sort(function (a, b) { return EDGES.weight[b] - EDGES.weight[a] || a - b; });
  if (rels.length) {
    parts.push(el("h4", {text: "Relations (" + rels.length + ")"}));
    parts.push(paged(rels, function (e) {
      var other = EDGES.source[e] === i ? EDGES.target[e] : EDGES.source[e];
      var rel = D.relations[EDGES.relation[e]], arrow = EDGES.source[e] === i ? " \u2192 " : " \u2190 ";
      return [inside(rel, function () { showEdge(e); }), arrow, entityLink(other),
              el("span", {"class": "kind", text: " " + plural(EDGES.weight[e], "paper")})];
    }, "ul"));
  }
  parts.push(el("h4", {text: "Papers (" + E.papers[i].length + ")"}));
  parts.push(el("div", {"class": "entity-papers"}, [paged(E.papers[i], paperLine)]));
  parts.push(el("div", {"class": "kind", text: E.id[i]}));
  show(parts);
}

function highlighted(text, spans) {
  // spans: [start, end] in UTF-16 offsets, sorted; overlapping ones are skipped
  var out = [], at = 0;
  spans.forEach(function (s) {
    if (s[0] < at || s[0] < 0 || s[1] > text.length || s[1] <= s[0]) { return; }
    out.push(document.createTextNode(text.slice(at, s[0])));
    out.push(el("mark", {text: text.slice(s[0], s[1])}));
    at = s[1];
  });
  out.push(document.createTextNode(text.slice(at)));
  return out;
}

function sharedPapers(a, b) {
  var other = new Set(E.papers[b]);
  return E.papers[a].filter(function (p) { return other.has(p); });
}

var showEdge = withTexts(function (e) {
  S.paper = null;
  var s = EDGES.source[e], t = EDGES.target[e], rel = D.relations[EDGES.relation[e]];
  var parts = [el("h3", {}, [entityLink(s), " " + rel + " ", entityLink(t)]),
    el("div", {"class": "kind", text: plural(EDGES.weight[e], "supporting paper")})];
  var evidence = EDGES.evidence[e];
  if (evidence === null) {
    var shared = sharedPapers(s, t);
    parts.push(el("h4", {text: "Shared papers (" + shared.length + ")"}));
    parts.push(el("div", {"class": "edge-papers"}, [paged(shared, paperLine)]));
  } else {
    parts.push(el("h4", {text: "Evidence (" + evidence.length + " sentences)"}));
    parts.push(el("div", {"class": "evidence"}, [paged(evidence, function (q) {
      return [el("blockquote", {}, highlighted(q[1], [[q[2], q[3]]])), el("div", {}, paperLine(q[0]))];
    }, "ul")]));
  }
  show(parts);
});

var paperEntities = null;
function entitiesOf(p) {
  if (!paperEntities) {
    paperEntities = new Map();
    for (var i = 0; i < N_ENT; i++) {
      E.papers[i].forEach(function (q) {
        if (!paperEntities.has(q)) { paperEntities.set(q, []); }
        paperEntities.get(q).push(i);
      });
    }
  }
  return (paperEntities.get(p) || []).slice().sort(function (a, b) { return E.rank[a] - E.rank[b]; });
}

var showPaper = withTexts(function (p) {
  S.paper = p;
  var mentions = P.mentions[p];
  var spans = function (field) { return mentions.filter(function (m) { return m[0] === field; }).map(function (m) { return [m[1], m[2]]; }); };
  var facts = [P.year[p], P.venue[p]].filter(function (x) { return x !== null && x !== ""; }).join(" \u00b7 ");
  var parts = [el("h3", {"class": "paper-title"}, highlighted(P.title[p] || P.id[p], P.title[p] ? spans(0) : [])),
    el("div", {"class": "kind", text: ["Paper", facts].filter(Boolean).join(" \u00b7 ")})];
  if (P.authors[p].length) {
    parts.push(el("div", {text: P.authors[p].slice(0, 6).join(", ") + (P.authors[p].length > 6 ? " et al." : "")}));
  }
  var link = outside(P.url[p], "Open the paper \u2197");
  if (link) { parts.push(el("div", {}, [link])); }
  if (P.abstract[p]) { parts.push(el("p", {"class": "abstract"}, highlighted(P.abstract[p], spans(1)))); }
  var ents = entitiesOf(p);
  parts.push(el("h4", {text: "Entities (" + ents.length + ")"}));
  parts.push(el("ul", {"class": "paper-entities"}, ents.map(function (i) {
    return el("li", {}, [entityLink(i), el("span", {"class": "kind", text: " " + D.types[E.type[i]]})]);
  })));
  parts.push(el("div", {"class": "kind", text: P.id[p]}));
  show(parts);
  if (PK.ready) { saveState(); }
});
