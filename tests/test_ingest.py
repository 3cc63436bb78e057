"""Readers, format detection, inputs, duplicates, ids, bad input and ``paperkg info``."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import InputError, PaperkgError
from kg.ingest import (
    ReadReport,
    SkippedRecord,
    detect_format,
    parse_columns,
    read_papers,
    summarize_inputs,
    title_id,
    title_key,
    with_merged_identifiers,
)

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
BAD = FIXTURES / "bad"
SHARED_CORPUS = Path(__file__).parents[2] / "shared" / "data" / "corpus"


def read(path: Path | str, **kwargs) -> list:
    return list(read_papers([path], **kwargs))


def read_skipping(path: Path | str, **kwargs) -> tuple[list, ReadReport]:
    report = ReadReport()
    papers = list(read_papers([path], on_error="skip", report=report, **kwargs))
    return papers, report


def raises_at(path: Path | str, record: int | None, *words: str, **kwargs) -> InputError:
    """Reading ``path`` fails with a message naming the file, the record and ``words``."""
    with pytest.raises(InputError) as info:
        read(path, **kwargs)
    error = info.value
    where = f"{path}:{record}: " if record is not None else f"{path}: "
    assert str(error).startswith(where), str(error)
    for word in words:
        assert word in error.problem, str(error)
    assert "\n" not in str(error)
    return error


# --------------------------------------------------------------------------- readers


def test_listing_skips_furniture_and_glued_button_and_blank_lines():
    papers = read(FIXTURES / "listing.txt")
    assert [p.title for p in papers] == [
        "Sparse Adapters for Low-Resource Clinical Note Summarisation",
        "Benchmarking Retrieval-Augmented Generation on Radiology Question Answering",
        "Can Small Vision-Language Models Read Histology Slides?",
    ]
    assert [p.record for p in papers] == [4, 7, 9]  # line of each title
    assert papers[0].abstract.startswith("We study parameter-efficient fine-tuning")
    assert papers[2].abstract.endswith("a clinician rating")  # last line, no final period
    assert all(p.id == title_id(p.title) for p in papers)
    assert all(p.source == str(FIXTURES / "listing.txt") for p in papers)


def test_listing_without_furniture_keeps_titles_that_start_like_buttons(tmp_path):
    abstract = ("We describe a method in several sentences. It is long enough to be an abstract "
                "and it ends with a period.")
    path = tmp_path / "plain.txt"
    path.write_text(f"Subscriber Churn in Patient Portals\n{abstract}\n\n\n"
                    f"ShareGPT Conversations as Medical Training Data\n{abstract}\n",
                    encoding="utf-8")
    papers = read(path)
    assert [p.title for p in papers] == ["Subscriber Churn in Patient Portals",
                                         "ShareGPT Conversations as Medical Training Data"]
    assert [p.record for p in papers] == [1, 5]


def test_jsonl_fields_aliases_and_id_rules():
    papers = read(FIXTURES / "papers.jsonl")
    first, arxiv, doi, pmid, untitled_id = papers
    assert first.id == "x001"
    assert (first.url, first.year, first.authors, first.venue) == (
        "https://example.org/x001", 2023, ("Ana Ruiz", "Bo Chen"), "ML4H")
    assert arxiv.id == "arxiv:2401.01234"  # prefix and version dropped
    assert arxiv.abstract.startswith("Entity linking maps mentions")  # "summary" alias
    assert arxiv.year == 2024 and arxiv.authors == ("Chidi Okafor", "Dana Weiss")
    assert doi.id == "doi:10.1234/abc.5678"  # resolver prefix dropped, lowercased
    assert doi.record == 4  # the blank line 3 is not a record
    assert pmid.id == "pmid:37012345" and pmid.year == 2022
    assert untitled_id.id == title_id(untitled_id.title) and untitled_id.venue == "MIDL"


def test_json_array_records_are_numbered_by_line():
    papers = read(FIXTURES / "papers.json")
    assert [(p.id, p.record) for p in papers] == [("j1", 2), ("j2", 9)]
    assert papers[0].authors == ("Eva Novak", "Femi Adeyemi")
    assert papers[0].year == 2021 and papers[1].url == "https://example.org/j2"


def test_csv_header_names_quoted_multiline_fields():
    papers = read(FIXTURES / "papers.csv")
    assert [p.record for p in papers] == [2, 3]
    active, tokens = papers
    assert active.id == "doi:10.5555/al.2020.1"
    assert active.authors == ("Gil Marks", "Hana Sato")
    assert active.venue == "Journal of Pathology Informatics" and active.year == 2020
    assert "\nDomain vocabularies" in tokens.abstract
    assert '""' not in tokens.abstract and '"especially"' in tokens.abstract
    assert tokens.id == title_id(tokens.title) and tokens.year == 2019 and tokens.authors == ()


def test_csv_configurable_columns():
    columns = parse_columns("title=Paper Name, abstract=Summary Text,id=identifier")
    assert columns == {"title": "Paper Name", "abstract": "Summary Text", "id": "identifier"}
    [paper] = read(FIXTURES / "custom_columns.csv", columns=columns)
    assert paper.id == "c-1"
    assert paper.title == "Uncertainty Estimation for Medical Image Registration"
    assert paper.abstract.startswith("Registration networks")
    raises_at(FIXTURES / "custom_columns.csv", 1, "no title column", "--columns")
    raises_at(FIXTURES / "custom_columns.csv", 1, "no column 'Name'", "for title",
              columns={"title": "Name", "abstract": "Summary Text"})


def test_parse_columns_rejects_bad_specs():
    for spec, words in (("title", "FIELD=COLUMN"), ("colour=Red", "unknown field"),
                        ("title=A,title=B", "twice"), (" , ", "empty")):
        with pytest.raises(PaperkgError, match=words):
            parse_columns(spec)


def test_tsv():
    papers = read(FIXTURES / "papers.tsv")
    assert [(p.id, p.year, p.record) for p in papers] == [("t1", 2024, 2), ("t2", None, 3)]
    assert papers[1].title == "Privacy Attacks on Fine-Tuned Clinical Models"


def test_arxiv_atom():
    papers = read(FIXTURES / "arxiv.xml")
    moe, hmm = papers
    assert moe.id == "arxiv:2402.05678"  # not the DOI: arXiv ids come first
    assert moe.title == "Mixture-of-Experts Decoders for Multimodal Clinical Reports"
    assert moe.abstract.startswith("We route image and text tokens")
    assert "same compute & size." in moe.abstract and "\n" not in moe.abstract
    assert (moe.year, moe.authors) == (2024, ("Ivo Petrov", "Jia Li"))
    assert moe.url == "http://arxiv.org/abs/2402.05678v2"
    assert moe.record == 8
    # every identifier kept: arXiv id, the DOI in its original case; the full date; categories
    # as subjects (primary first), not as a venue; the journal reference
    assert (moe.arxiv_id, moe.doi, moe.date) == ("2402.05678", "10.9999/MoE.2024.7", "2024-02-08")
    assert moe.subjects == ("cs.CV", "cs.CL") and moe.venue is None
    assert moe.journal_ref == "J. Imag. Radiol. 7 (2024) 101-112"
    assert hmm.id == "arxiv:q-bio/0501001" and hmm.subjects == ("q-bio.QM",) and hmm.year == 2005
    assert (hmm.arxiv_id, hmm.doi, hmm.date) == ("q-bio/0501001", None, "2005-01-03")


def test_arxiv_error_feed_is_reported():
    raises_at(FIXTURES / "arxiv_error.xml", 5, "arXiv API returned an error",
              "incorrect id format")


def test_pubmed_efetch():
    sepsis, sleep = read(FIXTURES / "pubmed.xml")
    assert sepsis.id == "doi:10.7777/jimi.2023.42"
    assert sepsis.title == "Early Sepsis Prediction with Gradient-Boosted Trees in Intensive Care"
    assert sepsis.abstract == (
        "BACKGROUND: Sepsis is a leading cause of death in intensive care units. "
        "METHODS: We trained gradient-boosted trees on hourly vital signs of 20,000 admissions. "
        "RESULTS: The model predicted sepsis six hours before onset with an AUROC of 0.86.")
    assert sepsis.authors == ("Maria Lopez", "Sepsis Prediction Study Group")
    assert sepsis.venue == "Journal of Imaginary Medical Informatics" and sepsis.year == 2023
    assert sepsis.url == "https://pubmed.ncbi.nlm.nih.gov/38000001/" and sepsis.record == 4
    assert sleep.id == "pmid:9900002" and sleep.year == 1998 and sleep.authors == ("T Nakamura",)
    # every identifier kept: PMID, PMC id, the DOI as PubMed gives it; the full date
    assert (sepsis.pmid, sepsis.pmcid, sepsis.doi) == ("38000001", "PMC10600001",
                                                       "10.7777/JIMI.2023.42")
    assert sepsis.date == "2023-10-05"
    assert (sleep.pmid, sleep.pmcid, sleep.doi, sleep.date) == ("9900002", None, None, None)


# --------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("name", "expected"),
    [("listing.txt", "listing"), ("papers.jsonl", "jsonl"), ("papers.json", "json"),
     ("papers.csv", "csv"), ("papers.tsv", "tsv"), ("arxiv.xml", "arxiv"),
     ("pubmed.xml", "pubmed")],
)
def test_detect_format_by_extension_and_by_content(tmp_path, name, expected):
    assert detect_format(FIXTURES / name) == expected
    anonymous = tmp_path / "input.dat"  # no telling extension: content decides
    shutil.copy(FIXTURES / name, anonymous)
    assert detect_format(anonymous) == expected
    assert len(read(anonymous)) >= 2


def test_detect_json_object_file_and_comma_titles(tmp_path):
    pretty = tmp_path / "one.json"
    pretty.write_text('{\n  "title": "A"\n}\n', encoding="utf-8")
    assert detect_format(pretty) == "json"
    raises_at(pretty, 1, "expected a JSON array", "--format jsonl")
    listing = tmp_path / "commas.txt"
    shutil.copy(FIXTURES / "listing.txt", listing)
    text = listing.read_text(encoding="utf-8").replace("Sparse Adapters for", "Sparse, Small for")
    listing.write_text(text, encoding="utf-8")
    assert detect_format(listing) == "listing"


def test_undetectable_inputs(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="empty.txt: cannot detect"):
        detect_format(empty)
    raises_at(BAD / "unknown_root.xml", 1, "neither an arXiv Atom <feed> nor a PubMed",
              "'html'")


def test_forced_format(tmp_path):
    odd = tmp_path / "export.data"
    shutil.copy(FIXTURES / "papers.jsonl", odd)
    assert len(read(odd, fmt="jsonl")) == 5
    raises_at(odd, 1, "no title column", fmt="csv")  # forcing applies even when it is wrong
    with pytest.raises(PaperkgError, match="unknown format 'yaml'"):
        read(odd, fmt="yaml")


# --------------------------------------------------------------------------- inputs


def test_directory_is_read_recursively_sorted_without_hidden_or_unsupported_files():
    report = ReadReport()
    papers = list(read_papers([FIXTURES / "dir"], report=report))
    assert [p.id for p in papers] == ["d1", "d2"]
    assert report.files == [str(FIXTURES / "dir" / "a.jsonl"),
                            str(FIXTURES / "dir" / "nested" / "b.csv")]
    assert papers[1].source == str(FIXTURES / "dir" / "nested" / "b.csv")


def test_glob_inputs_and_files_given_twice():
    pattern = str(FIXTURES / "papers.*")
    report = ReadReport()
    papers = list(read_papers([pattern, FIXTURES / "papers.csv"], report=report))
    assert report.files == [str(FIXTURES / f"papers.{ext}")
                            for ext in ("csv", "json", "jsonl", "tsv")]
    assert len(papers) == 2 + 2 + 5 + 2
    with pytest.raises(InputError, match=r"nothing\*\.jsonl: no files match"):
        read_papers([str(FIXTURES / "nothing*.jsonl")])


def test_missing_file_fails_before_anything_is_read(tmp_path):
    with pytest.raises(InputError, match="missing.jsonl: no such file or directory"):
        read_papers([FIXTURES / "papers.jsonl", tmp_path / "missing.jsonl"], on_error="skip")


def test_reading_is_lazy():
    papers = read_papers([FIXTURES / "papers.jsonl", BAD / "malformed.jsonl"])
    first = next(papers)
    assert first.id == "x001"
    with pytest.raises(InputError, match="malformed.jsonl:2: malformed JSON"):
        list(papers)


# --------------------------------------------------------------------------- duplicates, ids


def test_duplicates_by_id_and_by_normalised_title():
    source = str(FIXTURES / "duplicates.jsonl")
    report = ReadReport()
    papers = list(read_papers([source], report=report))
    assert [p.id for p in papers] == ["u1", "u4"]
    assert report.duplicates == [("u1", source, 2), ("u1", source, 3), ("u1", source, 4)]
    assert report.papers == 2


def test_duplicates_across_files(tmp_path):
    copy = tmp_path / "again.jsonl"
    shutil.copy(FIXTURES / "papers.jsonl", copy)
    report = ReadReport()
    papers = list(read_papers([FIXTURES / "papers.jsonl", copy], report=report))
    assert len(papers) == 5 and len(report.duplicates) == 5
    assert {d[1] for d in report.duplicates} == {str(copy)}


def test_title_ids_are_stable_and_normalised():
    key = title_key("  Ｄｅｅｐ   Learning: a Survey!! ")
    assert key == "deep learning a survey"
    assert title_id("Deep learning - a survey") == title_id("DEEP LEARNING: A SURVEY")
    expected = hashlib.sha256(b"deep learning a survey").hexdigest()[:16]
    assert title_id("Deep Learning: A Survey") == f"title:{expected}"
    assert read(FIXTURES / "listing.txt") == read(FIXTURES / "listing.txt")


# --------------------------------------------------------------------------- bad input


def test_malformed_jsonl_stops_at_the_first_bad_line():
    raises_at(BAD / "malformed.jsonl", 2, "malformed JSON", "column")


def test_skip_records_every_bad_record_and_keeps_the_good_ones():
    papers, report = read_skipping(BAD / "malformed.jsonl")
    assert [p.id for p in papers] == ["b1", "b6"]
    source = str(BAD / "malformed.jsonl")
    assert [(s.source, s.record) for s in report.skipped] == [(source, n) for n in (2, 3, 4, 5)]
    problems = [s.problem for s in report.skipped]
    assert problems[0].startswith("malformed JSON")
    assert problems[1:] == ["expected a JSON object, got an array", "missing title",
                            "empty abstract"]
    assert report.skipped[0].raw.startswith('{"id": "b2"')
    assert all(isinstance(s, SkippedRecord) for s in report.skipped)


def test_bad_field_values():
    papers, report = read_skipping(BAD / "bad_values.jsonl")
    assert papers == []
    assert [(s.record, s.problem) for s in report.skipped] == [
        (1, "not a year: 'soon'"), (2, "not a DOI: 'not-a-doi'"),
        (3, "title must be text, not list")]


def test_raw_text_of_skipped_records_is_truncated(tmp_path):
    path = tmp_path / "long.jsonl"
    path.write_text('{"title": "' + "x" * 5000 + "\n", encoding="utf-8")
    _, report = read_skipping(path)
    assert len(report.skipped[0].raw) == 1000


def test_malformed_csv_rows():
    raises_at(BAD / "malformed.csv", 3, "malformed CSV", "4 fields", "header has 3")
    papers, report = read_skipping(BAD / "malformed.csv")
    assert len(papers) == 1
    assert [(s.record, s.problem) for s in report.skipped] == [
        (3, "malformed CSV: 4 fields, the header has 3"), (4, "empty abstract")]


def test_bad_csv_quoting_is_skipped_and_reading_goes_on(tmp_path):
    path = tmp_path / "quotes.csv"
    path.write_text('title,abstract\n"Bad"quote,x\n"Good Title","A fine abstract."\n',
                    encoding="utf-8")
    raises_at(path, 2, "malformed CSV")
    papers, report = read_skipping(path)
    assert [p.title for p in papers] == ["Good Title"]
    assert report.skipped[0].record == 2


def test_missing_header_column_is_a_file_error_even_when_skipping():
    with pytest.raises(InputError, match=r"no_title_column.csv:1: no title column"):
        read_skipping(BAD / "no_title_column.csv")


def test_listing_title_without_abstract():
    raises_at(BAD / "missing_abstract.txt", 3, "empty abstract")
    papers, report = read_skipping(BAD / "missing_abstract.txt")
    assert [p.record for p in papers] == [1, 4]
    assert report.skipped[0].raw == "A Title Whose Abstract Was Lost"


def test_listing_that_is_not_one(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("just a note\nand another short line\n", encoding="utf-8")
    raises_at(path, 1, "no paper found")


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".txt"])
def test_not_utf8_names_the_line(tmp_path, suffix):
    rows = {
        ".jsonl": ['{"title": "Fine Title", "abstract": "A fine abstract."}',
                   '{"title": "Caf\xe9 Title", "abstract": "Latin-1 bytes."}'],
        ".csv": ["title,abstract", '"Caf\xe9 Title","Latin-1 bytes."'],
        ".txt": ["Fine Title", "A fine abstract that is long enough to be taken for an abstract "
                 "line of a listing. It has two sentences.", "Caf\xe9 Title",
                 "Latin-1 bytes in the title line before this abstract line. It is long enough."],
    }[suffix]
    path = tmp_path / f"latin1{suffix}"
    path.write_bytes("\n".join(rows).encode("latin-1") + b"\n")
    error = raises_at(path, {".jsonl": 2, ".csv": 2, ".txt": 3}[suffix], "not UTF-8", "0xe9")
    assert "save the file as UTF-8" in error.problem
    papers, report = read_skipping(path)
    assert len(report.skipped) == 1
    assert len(papers) == (0 if suffix == ".csv" else 1)


def test_not_utf8_json_array(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('[\n{"title": "Caf\xe9", "abstract": "x"}\n]\n'.encode("latin-1"))
    raises_at(path, 2, "not UTF-8")


def test_binary_and_utf16_files(tmp_path):
    binary = tmp_path / "figure.jsonl"
    binary.write_bytes(b'{"title": "x"}\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR')
    raises_at(binary, 4, "binary file")  # the line of the first NUL byte
    utf16 = tmp_path / "papers.csv"
    utf16.write_text("title,abstract\nA,B\n", encoding="utf-16")
    raises_at(utf16, 1, "UTF-16", "UTF-8")


def test_malformed_json_array_is_a_file_error(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[\n  {"title": "Ok", "abstract": "Fine."},\n  {"title": "Oops",}\n]\n',
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"broken.json:3: malformed JSON"):
        read_skipping(path)
    numbers = tmp_path / "numbers.json"
    numbers.write_text('[\n  1,\n  {"title": "Ok", "abstract": "Fine."}\n]', encoding="utf-8")
    papers, report = read_skipping(numbers)
    assert len(papers) == 1
    assert (report.skipped[0].record, report.skipped[0].problem) == (
        2, "expected a JSON object, got a number")


def test_malformed_xml_names_the_line():
    with pytest.raises(InputError, match=r"truncated.xml:11: malformed XML: no element found"):
        read_skipping(BAD / "truncated.xml")


def test_pubmed_article_without_abstract():
    raises_at(BAD / "pubmed_no_abstract.xml", 3, "empty abstract")


def test_billion_laughs_is_refused_quickly():
    started = time.perf_counter()
    with pytest.raises(InputError, match="entity declarations"):
        read_skipping(FIXTURES / "billion_laughs.xml")
    assert time.perf_counter() - started < 1.0
    raises_at(FIXTURES / "billion_laughs.xml", 3, "entity-expansion attack")


def test_external_entities_are_refused():
    raises_at(BAD / "external_entity.xml", 2, "external entities are refused")


def test_long_xml_is_streamed(tmp_path):
    entry = ("<entry><id>http://arxiv.org/abs/2401.{n:05d}v1</id><title>Paper {n}</title>"
             "<summary>Abstract number {n}.</summary></entry>\n")
    path = tmp_path / "big.xml"
    with path.open("w", encoding="utf-8") as fh:
        fh.write('<feed xmlns="http://www.w3.org/2005/Atom">\n')
        for n in range(3000):
            fh.write(entry.format(n=n))
        fh.write("</feed>\n")
    papers = read(path)
    assert len(papers) == 3000
    assert papers[-1].id == "arxiv:2401.02999" and papers[-1].record == 3001


# --------------------------------------------------------------------------- shared corpus


@pytest.fixture()
def shared_corpus() -> Path:
    if not (SHARED_CORPUS / "medical-ai-dev.jsonl").is_file():
        pytest.skip(f"the shared corpus is not at {SHARED_CORPUS}")
    return SHARED_CORPUS


def test_shared_listing_and_jsonl_hold_the_same_142_papers(shared_corpus):
    listing = read(shared_corpus / "medical-ai-dev.listing.txt")
    jsonl = read(shared_corpus / "medical-ai-dev.jsonl")
    assert len(listing) == len(jsonl) == 142
    assert [(p.title, p.abstract) for p in listing] == [(p.title, p.abstract) for p in jsonl]
    rows = [json.loads(line) for line in
            (shared_corpus / "medical-ai-dev.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [p.id for p in jsonl] == [r["id"] for r in rows]
    assert [(p.title, p.abstract) for p in jsonl] == [(r["title"], r["abstract"]) for r in rows]
    assert not listing[0].title.startswith("Subscribe")
    summaries, report = summarize_inputs([shared_corpus])
    assert report.papers == 142 and len(report.duplicates) == 142
    assert [(s.format, s.papers, s.duplicates) for s in summaries] == [
        ("jsonl", 142, 0), ("listing", 0, 142)]


# --------------------------------------------------------------------------- paperkg info


@pytest.fixture()
def runner(monkeypatch) -> CliRunner:
    monkeypatch.chdir(FIXTURES)
    return CliRunner()


def test_info_table(runner):
    result = runner.invoke(app, ["info", "papers.jsonl", "pubmed.xml", "duplicates.jsonl"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    row = next(line for line in lines if "pubmed.xml" in line)
    assert [c.strip() for c in row.split("│")[2:6]] == ["pubmed", "2", "0", "0"]
    dup_row = next(line for line in lines if "duplicates.jsonl" in line)
    assert [c.strip() for c in dup_row.split("│")[2:6]] == ["jsonl", "2", "3", "0"]
    total = next(line for line in lines if "total" in line)
    assert [c.strip() for c in total.split("│")[3:6]] == ["9", "3", "0"]


def test_info_lists_problems_and_exits_1(runner):
    result = runner.invoke(app, ["info", "bad/malformed.jsonl", "--on-error", "skip"])
    assert result.exit_code == 1
    assert "4 records skipped" in result.stdout
    assert "missing title" in result.stdout and "expected a JSON object" in result.stdout


def test_info_reports_input_errors_on_one_line(runner):
    result = runner.invoke(app, ["info", "bad/malformed.jsonl"])
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("error: bad/malformed.jsonl:2: malformed JSON")
    assert "Traceback" not in result.output
    missing = runner.invoke(app, ["info", "nope.csv"])
    assert missing.exit_code == 1
    assert missing.stderr.strip() == "error: nope.csv: no such file or directory"
    bad_option = runner.invoke(app, ["info", "papers.csv", "--on-error", "ignore"])
    assert bad_option.exit_code == 1 and "--on-error" in bad_option.stderr


def test_info_never_reads_file_names_or_record_text_as_markup(runner, tmp_path):
    evil = tmp_path / ("[red]x" + "-long" * 20 + ".jsonl")  # long: the error must not wrap
    evil.write_text('{"title": "T", "abstract": "A", "year": "[/]"}\n', encoding="utf-8")
    result = runner.invoke(app, ["info", str(evil)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.stderr.strip() == f"error: {evil}:1: not a year: '[/]'"
    skipped = runner.invoke(app, ["info", str(evil), "--on-error", "skip"])
    assert skipped.exit_code == 1
    assert "[/]" in skipped.stdout and "[red]x-long" in skipped.stdout


def test_info_with_format_and_columns(runner):
    result = runner.invoke(app, ["info", "custom_columns.csv", "--format", "csv", "--columns",
                                 "title=Paper Name,abstract=Summary Text"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "custom_columns" in line)
    assert [c.strip() for c in row.split("│")[2:6]] == ["csv", "1", "0", "0"]


# --------------------------------------------------------------------------- identifiers


def test_jsonl_record_keeps_every_identifier(tmp_path):
    path = tmp_path / "Lab Papers.jsonl"
    record = {"id": "lab-17", "title": "Sparse Probes of Retinal Scans", "abstract": "We probe.",
              "doi": "https://doi.org/10.1006/CRYO.2001.2328", "arxiv_id": "arXiv:2106.09685v3",
              "pmid": "011748933", "pmcid": "3531190", "date": "2021-06-17",
              "categories": "cs.CV eess.IV", "journal_ref": "Cryobiology 43 (2001) 1-9"}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    (paper,) = read(path)
    assert paper.id == "lab-17"
    assert (paper.doi, paper.arxiv_id, paper.pmid, paper.pmcid) == (
        "10.1006/CRYO.2001.2328", "2106.09685", "11748933", "PMC3531190")
    assert (paper.year, paper.date) == (2021, "2021-06-17")
    assert paper.subjects == ("cs.CV", "eess.IV")
    assert paper.journal_ref == "Cryobiology 43 (2001) 1-9"
    assert paper.namespace == "lab-papers"  # from the file name
    (named,) = read(path, namespace="lab")
    assert named.namespace == "lab"
    with pytest.raises(PaperkgError, match="id-namespace"):
        read(path, namespace="Not Valid")


def test_same_doi_pmid_or_arxiv_id_across_inputs_is_one_paper(tmp_path):
    first = tmp_path / "a.jsonl"
    second = tmp_path / "b.jsonl"
    first.write_text("\n".join(json.dumps(r) for r in [
        {"id": "a1", "title": "One", "abstract": "x", "doi": "10.1000/ABC"},
        {"id": "a2", "title": "Two", "abstract": "x", "pmid": "42"},
        {"id": "a3", "title": "Three", "abstract": "x", "arxiv_id": "2101.00001"},
    ]) + "\n", encoding="utf-8")
    second.write_text("\n".join(json.dumps(r) for r in [
        {"id": "b1", "title": "One again", "abstract": "x", "doi": "doi:10.1000/abc"},
        {"id": "b2", "title": "Two again", "abstract": "x", "pmid": 42},
        {"id": "b3", "title": "Three again", "abstract": "x", "arxiv_id": "2101.00001v2"},
        {"id": "b4", "title": "Four", "abstract": "x", "doi": "10.1000/abd"},
    ]) + "\n", encoding="utf-8")
    report = ReadReport()
    papers = list(read_papers([first, second], report=report))
    assert [p.id for p in papers] == ["a1", "a2", "a3", "b4"]
    assert [(kept, record) for kept, _, record in report.duplicates] == [
        ("a1", 1), ("a2", 2), ("a3", 3)]


MERGE = FIXTURES / "merge"


@pytest.mark.parametrize("order", ["pubmed-first", "arxiv-first"])
def test_duplicates_merge_the_union_of_their_identifiers(order):
    """A PubMed record (DOI, PMID, PMC id) and an arXiv entry (the DOI in another case, an arXiv
    id) are one paper, and it keeps all four identifiers; a third record known only by the
    arXiv id, which only the merged paper has, is the same paper too."""
    files = [MERGE / "pubmed.xml", MERGE / "arxiv.xml"]
    if order == "arxiv-first":
        files.reverse()
    report = ReadReport()
    papers = {p.id: p for p in read_papers([*files, MERGE / "later.jsonl"], report=report)}
    assert len(papers) == 2 and len(report.duplicates) == 2  # the other arXiv entry is kept
    merged = with_merged_identifiers(papers, report)
    (kept,) = [p for p in merged.values() if p.pmid]
    assert (kept.pmid, kept.pmcid, kept.arxiv_id) == ("38111111", "PMC10911111", "2403.01234")
    # where both records have one, the first read wins (the DOI keeps its case as written)
    assert kept.doi == ("10.5555/JIRM.2024.031" if order == "pubmed-first"
                        else "10.5555/jirm.2024.031")
    assert {k for k, _, _ in report.duplicates} == {kept.id}
    assert set(report.merged_identifiers) == {kept.id}
    other = next(p for p in merged.values() if p is not kept)
    assert other == papers[other.id]  # untouched


def test_a_duplicate_does_not_take_an_identifier_of_another_paper(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        {"id": "p1", "title": "One", "abstract": "x", "doi": "10.1000/a"},
        {"id": "p2", "title": "Two", "abstract": "x", "pmid": "7"},
        # the same paper as p1 by its DOI, but its PMID is p2's: not taken
        {"id": "p3", "title": "One again", "abstract": "x", "doi": "10.1000/A", "pmid": "7",
         "pmcid": "PMC9"},
    ]) + "\n", encoding="utf-8")
    report = ReadReport()
    papers = with_merged_identifiers({p.id: p for p in read_papers([path], report=report)},
                                     report)
    assert (papers["p1"].pmid, papers["p1"].pmcid, papers["p2"].pmid) == (None, "PMC9", "7")
