#!/usr/bin/env python3
"""Inter-annotator agreement, pass A (as gold) vs pass B (as prediction).

Official matching rule:
  * document level, per entity type;
  * an entity of one pass matches an entity of the other pass with the same type when their
    normalised name/alias sets share a form; normalise = NFKC, casefold, drop a leading
    "the/a/an", drop whitespace, hyphens, underscores, dots, slashes, apostrophes;
  * one-to-one (maximum bipartite matching within document and type);
  * micro P/R/F1 overall and per type;
  * relations match when subject and object entities match (under the entity alignment above)
    and the predicate is equal (one-to-one).

Usage: python3 agreement.py [passA.jsonl] [passB.jsonl]
"""
import json
import re
import sys
import unicodedata
from collections import defaultdict

TYPES = ["Model", "Dataset", "Method", "Task", "Metric"]
PREDS = ["based_on", "evaluated_on", "trained_on", "uses_method"]


def norm(s):
    s = unicodedata.normalize("NFKC", s).casefold().strip()
    s = re.sub(r"^(the|a|an)\s+", "", s)
    s = re.sub(r"[\s\-_./\\'\u2019\u2018`]+", "", s)
    return s


def forms(e):
    return {norm(x) for x in [e["name"]] + list(e.get("aliases") or []) if norm(x)}


def load(path):
    return {d["id"]: d for d in map(json.loads, open(path, encoding="utf-8"))}


def max_match(left, right, ok):
    """Maximum bipartite matching; left/right are index lists, ok(i,j) -> bool. Returns {i: j}."""
    adj = {i: [j for j in right if ok(i, j)] for i in left}
    match_r = {}

    def aug(i, seen):
        for j in adj[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in match_r or aug(match_r[j], seen):
                match_r[j] = i
                return True
        return False

    # try entities with fewer candidates first (deterministic)
    for i in sorted(left, key=lambda i: (len(adj[i]), i)):
        aug(i, set())
    return {i: j for j, i in match_r.items()}


def prf(tp, ng, np_):
    p = tp / np_ if np_ else 0.0
    r = tp / ng if ng else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def resolve(name, ents):
    """index of the entity a relation argument refers to (by name first, then any form)."""
    for k, e in enumerate(ents):
        if e["name"] == name:
            return k
    n = norm(name)
    for k, e in enumerate(ents):
        if n in forms(e):
            return k
    return None


def compare(gold, pred):
    ent = {t: [0, 0, 0] for t in TYPES}  # tp, n_gold, n_pred
    rel = {p: [0, 0, 0] for p in PREDS}
    extra = {"proposed_mismatch": 0, "matched": 0, "type_diff": 0, "name_diff": 0}
    per_doc = {}
    for did in gold:
        g, p = gold[did], pred.get(did, {"entities": [], "relations": []})
        ge, pe = g["entities"], p["entities"]
        gf, pf = [forms(e) for e in ge], [forms(e) for e in pe]
        align = {}
        for t in TYPES:
            gi = [i for i, e in enumerate(ge) if e["type"] == t]
            pj = [j for j, e in enumerate(pe) if e["type"] == t]
            m = max_match(gi, pj, lambda i, j: bool(gf[i] & pf[j]))
            align.update(m)
            ent[t][0] += len(m)
            ent[t][1] += len(gi)
            ent[t][2] += len(pj)
        for i, j in align.items():
            extra["matched"] += 1
            if bool(ge[i].get("proposed")) != bool(pe[j].get("proposed")):
                extra["proposed_mismatch"] += 1
            if norm(ge[i]["name"]) != norm(pe[j]["name"]):
                extra["name_diff"] += 1
        # same surface form, different type
        um_g = [i for i in range(len(ge)) if i not in align]
        um_p = set(range(len(pe))) - set(align.values())
        for i in um_g:
            for j in list(um_p):
                if gf[i] & pf[j]:
                    extra["type_diff"] += 1
                    um_p.discard(j)
                    break
        # relations
        def key(r, ents):
            return (resolve(r["subject"], ents), r["predicate"], resolve(r["object"], ents))
        gr = [key(r, ge) for r in g["relations"]]
        pr = [key(r, pe) for r in p["relations"]]
        used = set()
        tp_doc = 0
        for (s, pd, o) in gr:
            rel.setdefault(pd, [0, 0, 0])[1] += 1
            for k, (s2, pd2, o2) in enumerate(pr):
                if k in used or pd2 != pd or s is None or o is None:
                    continue
                if align.get(s) == s2 and align.get(o) == o2 and s2 is not None:
                    used.add(k)
                    rel[pd][0] += 1
                    tp_doc += 1
                    break
        for (_, pd2, _) in pr:
            rel.setdefault(pd2, [0, 0, 0])[2] += 1
        per_doc[did] = (len(align), len(ge), len(pe), tp_doc, len(gr), len(pr))
    return ent, rel, extra, per_doc


def report(ent, rel, extra):
    lines = []
    tot = [sum(v[k] for v in ent.values()) for k in range(3)]
    p, r, f = prf(tot[0], tot[1], tot[2])
    lines.append(f"ENTITIES overall  tp={tot[0]} A={tot[1]} B={tot[2]}  P={p:.3f} R={r:.3f} F1={f:.3f}")
    for t in TYPES:
        p, r, f = prf(*[ent[t][0], ent[t][1], ent[t][2]])
        lines.append(f"  {t:8s} tp={ent[t][0]:3d} A={ent[t][1]:3d} B={ent[t][2]:3d}  P={p:.3f} R={r:.3f} F1={f:.3f}")
    rt = [sum(v[k] for v in rel.values()) for k in range(3)]
    p, r, f = prf(rt[0], rt[1], rt[2])
    lines.append(f"RELATIONS overall tp={rt[0]} A={rt[1]} B={rt[2]}  P={p:.3f} R={r:.3f} F1={f:.3f}")
    for k, v in rel.items():
        p, r, f = prf(*v)
        lines.append(f"  {k:12s} tp={v[0]:3d} A={v[1]:3d} B={v[2]:3d}  P={p:.3f} R={r:.3f} F1={f:.3f}")
    lines.append(f"matched entities={extra['matched']}  proposed-flag mismatches among matched={extra['proposed_mismatch']}"
                 f"  canonical-name differences among matched={extra['name_diff']}"
                 f"  unmatched pairs sharing a form but differing in type={extra['type_diff']}")
    return "\n".join(lines)


if __name__ == "__main__":
    a = sys.argv[1] if len(sys.argv) > 1 else "/work/annot/passA.jsonl"
    b = sys.argv[2] if len(sys.argv) > 2 else "/work/annot/passB.jsonl"
    ent, rel, extra, _ = compare(load(a), load(b))
    print(report(ent, rel, extra))
