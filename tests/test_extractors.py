"""The spaCy extractor: each pattern family with sentences written for these tests."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import spacy
from conftest import SHARED_CORPUS
from spacy.tokens import Span

from extractors import build_nlp, extract
from extractors.extract import doc_to_extraction
from extractors.normalize import name_key
from kg.errors import InputError
from kg.ingest import read_papers
from kg.model import Mention, Paper, PaperEntity, PaperExtraction
from kg.text import read_styling, reading_title


@pytest.fixture(scope="module")
def nlp(rules_nlp):
    """The rule pipeline (the candidates the model decides from, and ``--model rules``)."""
    return rules_nlp


def mentions_of(extraction: PaperExtraction) -> list[tuple[PaperEntity, Mention]]:
    """Every (entity, mention) of an extraction."""
    return [(entity, mention) for entity in extraction.entities for mention in entity.mentions]


def cited_text(paper: Paper, mention: Mention) -> str:
    """What a mention's evidence points at in the paper's field as given."""
    ev = mention.evidence
    return (paper.title if ev.field == "title" else paper.abstract)[ev.start:ev.end]


def run(nlp, title: str, abstract: str = "Nothing else is said here."):
    """Extract one paper; return {name: entity} and the set of relation triples."""
    paper = Paper(id="t1", title=title, abstract=abstract)
    (extraction,) = extract([paper], nlp)
    entities = {e.name: e for e in extraction.entities}
    relations = {(r.subject, r.predicate, r.object) for r in extraction.relations}
    return entities, relations


def types(entities) -> dict[str, str]:
    return {name: e.type for name, e in entities.items()}


# --- tokenizer -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Med-PaLM 2 and ViT-B/16 (e.g. GPT-4o) reach 91.2% on MIMIC\u2010III.",
        "  leading spaces,\ttabs\n\nand  double  spaces ",
        "URLs like https://example.org/a-b_c. stay whole; U.S. data, et al. too",
        "",
    ],
)
def test_tokenizer_keeps_text_exactly(nlp, text):
    assert nlp.make_doc(text).text == text


def test_phrase_patterns_are_the_token_hashes_of_their_doc(nlp):
    """Lexicon patterns go into the PhraseMatchers as token hashes, not Docs: the hashes are
    those of the pattern's Doc, also for words the vocab has not seen and unicode dashes."""
    for text in ("Qorvex\u2010Net and QORVEX-Bench", "Zyntrax Lab's corpus \u2013 v2"):
        patterns = {attr: nlp.tokenizer.phrase_pattern(text, attr) for attr in ("ORTH", "NORM")}
        doc = nlp.make_doc(text)  # makes the lexemes after the patterns were computed
        assert patterns["ORTH"] == tuple(token.orth for token in doc)
        assert patterns["NORM"] == tuple(token.norm for token in doc)
        assert "-" in {nlp.vocab.strings[norm] for norm in patterns["NORM"]}


def test_tokenizer_splits_joiners_and_keeps_abbreviations(nlp):
    words = [t.text for t in nlp.make_doc("Med-PaLM, ViT-B/16, e.g. GMAI-VL-5.5M")]
    assert words == [
        "Med",
        "-",
        "PaLM",
        ",",
        "ViT",
        "-",
        "B",
        "/",
        "16",
        ",",
        "e.g.",
        "GMAI",
        "-",
        "VL",
        "-",
        "5.5M",
    ]


# --- lexicon matching ----------------------------------------------------------------------


def test_lexicon_variants_link_to_one_entry(nlp):
    entities, _ = run(
        nlp,
        "Comparing Llama 2, LLaMA-2 and Llama2",
        "We test Llama\u20102 against Llama-3 and GPT-4 and GPT-4V.",
    )
    assert entities["Llama-2"].lexicon_id == "model/llama-2"
    assert set(entities["Llama-2"].aliases) >= {"Llama 2", "LLaMA-2", "Llama2", "Llama\u20102"}
    for other in ("Llama-3", "GPT-4", "GPT-4V"):
        assert other in entities  # near names stay apart


def test_short_names_match_case_sensitively(nlp):
    entities, _ = run(nlp, "A note", "We adapt SAM to ultrasound. A sam of rice is not a model.")
    sam = entities["SAM"]
    assert [m.text for m in sam.mentions] == ["SAM"]


def test_lexicon_match_inside_a_longer_name_is_not_that_entity(nlp):
    entities, _ = run(nlp, "A note", "SAM-Med3D-Lite segments organs, unlike SAM.")
    assert [m.text for m in entities["SAM"].mentions] == ["SAM"]


def test_lexicon_entries_carry_external_ids(nlp):
    lexicon = nlp.get_pipe("paperkg_entities").lexicon
    assert any(e.external_ids.get("huggingface") for e in lexicon.entries.values())
    assert len(lexicon) >= 1500


# --- names no lexicon knows ----------------------------------------------------------------


def test_title_name_is_proposed_and_typed_by_subtitle(nlp):
    entities, _ = run(
        nlp,
        "RetinaTalk: A Benchmark for Fundus Question Answering",
        "RetinaTalk holds 4,000 questions about fundus photographs.",
    )
    assert entities["RetinaTalk"].type == "Dataset"
    assert entities["RetinaTalk"].proposed


def test_title_with_verb_subtitle_takes_the_papers_own_word(nlp):
    entities, _ = run(
        nlp,
        "KidneyFormer: Improving Renal Biopsy Reading",
        "Our model reads whole-slide images of renal biopsies.",
    )
    assert entities["KidneyFormer"].type == "Model"


@pytest.mark.parametrize(
    "abstract, name, etype",
    [
        (
            "We evaluate on the ThoraxScan-3D dataset and report results.",
            "ThoraxScan-3D",
            "Dataset",
        ),
        (
            "We collected a new benchmark called DermQuest for skin questions.",
            "DermQuest",
            "Dataset",
        ),
        ("Results on the NephroNet and UroBench benchmarks are strong.", "NephroNet", "Dataset"),
        ("We present CardioTalk, a conversational model for cardiology.", "CardioTalk", "Model"),
        ("We introduce Perihelion, a framework that prunes adapters.", "Perihelion", "Method"),
        ("Scores on PathoVQA and RenalQA were reported.", "RenalQA", "Dataset"),
        ("OncoGPT answers questions about cancer drugs.", "OncoGPT", "Model"),
    ],
)
def test_unseen_names_are_typed_from_context_and_morphology(nlp, abstract, name, etype):
    entities, _ = run(nlp, "A study of clinical tools", abstract)
    assert entities[name].type == etype


@pytest.mark.parametrize(
    "abstract, name, etype",
    [
        # the head of the apposition is the last noun of its phrase, not a modifier
        (
            "We present PolypMix, the first large-scale colonoscopy instruction-tuning dataset "
            "for assistants.",
            "PolypMix",
            "Dataset",
        ),
        (
            "We present SlimTune, a new LLM fine-tuning technique that skips layers.",
            "SlimTune",
            "Method",
        ),
        (
            "We present DermaNet-X, a collection of small vision models tailored to skin images.",
            "DermaNet-X",
            "Model",
        ),
        (
            "We present Scrivener, a large-scale, open-source multi-modal clinical corpus "
            "comprising notes.",
            "Scrivener",
            "Dataset",
        ),
        ("We present Radiola, a vision-language model built on open weights.", "Radiola", "Model"),
        (
            "This paper presents Modular Bricks (ModBricks), a general-purpose fusion and model "
            "merging framework to join encoders.",
            "ModBricks",
            "Method",
        ),
        # a head noun before the name, across capitals, lists and "named"
        ("We construct a new Retinal Imaging Dataset, RetiMix, of fundus photos.", "RetiMix",
         "Dataset"),
        ("We fine-tuned three open LLMs, namely NORDICA, Falcon and Pythia.", "NORDICA", "Model"),
        (
            "We introduce a compact language model for the renal domain, named NephroBot.",
            "NephroBot",
            "Model",
        ),
    ],
)
def test_unseen_names_take_the_head_of_their_defining_phrase(nlp, abstract, name, etype):
    entities, _ = run(nlp, "A study of clinical tools", abstract)
    assert entities[name].type == etype


@pytest.mark.parametrize(
    "abstract, name",
    [
        ("Signals come from the Lakeside Sleep EEG Database and other sources.",
         "Lakeside Sleep EEG Database"),
        ("Seven benchmarks including Radiology Puzzle Challenges were used.",
         "Radiology Puzzle Challenges"),
    ],
)
def test_title_case_resources_with_their_head_are_datasets(nlp, abstract, name):
    entities, _ = run(nlp, "A study of clinical tools", abstract)
    assert entities[name].type == "Dataset"


@pytest.mark.parametrize(
    "abstract, absent",
    [
        # a description, not a name
        ("We build a large Renal Imaging Dataset of scans.", "Renal Imaging Dataset"),
        # a lexicon name inside: the known dataset, not a new one
        ("Models were ranked on the MIMIC-CXR Database leaderboard.", "MIMIC-CXR Database"),
    ],
)
def test_title_case_resources_need_a_name_context(nlp, abstract, absent):
    entities, _ = run(nlp, "A study of clinical tools", abstract)
    assert absent not in entities


def test_examples_of_methods_keep_the_type_of_their_form(nlp):
    """Papers call the models they compare "methods": ``methods such as X`` gives no type."""
    entities, _ = run(nlp, "A study of clinical tools",
                      "We compare with methods such as GlomNet and KidneyFormer.")
    assert types(entities) == {"GlomNet": "Model", "KidneyFormer": "Model"}


def test_a_modifier_head_noun_gives_no_type(nlp):
    """``a prompting platform``: the platform is not a method; the name's form decides."""
    entities, _ = run(
        nlp,
        "A study of clinical tools",
        "We present OncoLM, a prompting platform which answers questions. OncoLM is open.",
    )
    assert entities["OncoLM"].type == "Model"


def test_a_definition_outweighs_the_name_form_repeated(nlp):
    """Four mentions of a ``-Med`` name do not outvote ``X, a benchmark …``."""
    entities, _ = run(
        nlp,
        "A study of clinical tools",
        "We present OmniMed, a benchmark designed to test models. OmniMed has 9 tasks. "
        "OmniMed covers text. Results on OmniMed vary.",
    )
    assert entities["OmniMed"].type == "Dataset"


def test_a_named_dataset_is_proposed_whatever_follows_and_its_split_is_data(nlp):
    entities, _ = run(
        nlp,
        "A study of clinical tools",
        "We build a renal dataset called NephroSet to support nephrologists, and hold out "
        "NephroSet-test for evaluation.",
    )
    assert entities["NephroSet"].proposed
    assert entities["NephroSet-test"].type == "Dataset"


def test_preference_acronyms_are_methods_but_other_po_endings_are_not(nlp):
    from extractors.cues import type_from_shape

    assert type_from_shape("KTPO") == "Method"
    assert type_from_shape("Hippo") is None


def test_mixed_case_names_match_in_capitals(nlp):
    entities, _ = run(nlp, "A note", "Models such as LLAVA answer questions about images.")
    assert entities["LLaVA"].type == "Model"
    entities, _ = run(nlp, "A note", "We measure the COLA score of each answer.")
    assert "CoLA" not in entities  # too short to read its capitals as the same name


def test_proposal_cues_set_the_proposed_flag(nlp):
    entities, _ = run(
        nlp,
        "A study of clinical tools",
        "We propose GlandNet, a segmentation network. It beats Swin UNETR.",
    )
    assert entities["GlandNet"].proposed
    assert not entities["Swin UNETR"].proposed


def test_version_number_belongs_to_the_name(nlp):
    entities, _ = run(nlp, "A study", "We compare RadLlama 2 with GPT-4.")
    assert "RadLlama 2" in entities


@pytest.mark.parametrize(
    "abstract, expected",
    [
        (
            "Encoders were pre-trained with weakly supervised and self-supervised learning.",
            {"weakly supervised learning": "weakly supervised", "self-supervised learning": None},
        ),
        (
            "We compare zero- and few-shot prompting of three chatbots.",
            {"zero-shot prompting": "zero-", "few-shot prompting": None},
        ),
        (
            "It helps active, transfer and federated learning alike.",
            {"active learning": "active", "transfer learning": "transfer",
             "federated learning": None},
        ),
    ],
)
def test_coordinated_terms_share_their_head(nlp, abstract, expected):
    entities, _ = run(nlp, "A note", abstract)
    for name, mention in expected.items():
        assert entities[name].type == "Method"
        if mention:
            assert [m.text for m in entities[name].mentions] == [mention]


@pytest.mark.parametrize(
    "abstract, expected",
    [
        ("It wins on LeNet-5/MNIST and VGG-16/CIFAR-10.",
         [("LeNet-5", "model/lenet"), ("MNIST", "dataset/mnist"), ("VGG-16", "model/vgg-16"),
          ("CIFAR-10", "dataset/cifar-10")]),
        ("We test on CIFAR-10/CIFAR-100 and CNN/Daily Mail.",
         [("CIFAR-10", "dataset/cifar-10"), ("CIFAR-100", "dataset/cifar-100"),
          ("CNN/Daily Mail", "dataset/cnn-dailymail")]),
        # a number after the slash stands for the name with that number
        ("We train ResNet-18/34/50 on CIFAR-10/100.",
         [("ResNet-18", "model/resnet-18"), ("34", "model/resnet-34"), ("50", "model/resnet-50"),
          ("CIFAR-10", "dataset/cifar-10"), ("100", "dataset/cifar-100")]),
    ],
)
def test_names_joined_by_a_slash_are_each_their_own(nlp, abstract, expected):
    doc = nlp(f"A note\n{abstract}")
    assert [(e.text, e.kb_id_) for e in doc.ents] == expected


@pytest.mark.parametrize(
    "abstract, mention, name",
    [
        ("We compare self-supervised algorithms on fundus data.", "self-supervised algorithms",
         "self-supervised learning"),
        ("Encoders get self-supervised PT first.", "self-supervised PT",
         "self-supervised learning"),
        ("Self-Supervised Masked Pre-Training helps.", "Self-Supervised Masked Pre-Training",
         "self-supervised learning"),
        ("A semi-supervised approach labels the rest.", "semi-supervised approach",
         "semi-supervised learning"),
    ],
)
def test_paradigm_adjectives_with_a_method_head(nlp, abstract, mention, name):
    entities, _ = run(nlp, "A note", abstract)
    assert [m.text for m in entities[name].mentions] == [mention]


def test_paradigm_adjectives_without_a_method_head_are_not_methods(nlp):
    entities, _ = run(nlp, "A note", "The self-supervised features of weakly supervised labels.")
    assert not [e for e in entities.values() if e.type == "Method"]


def test_a_conjunct_without_a_lexicon_entry_is_left_alone(nlp):
    entities, _ = run(nlp, "A note", "We combine careful and self-supervised learning.")
    assert set(entities) == {"self-supervised learning"}


# --- abbreviations -------------------------------------------------------------------------


def test_abbreviation_definition_links_long_and_short_form(nlp):
    entities, _ = run(
        nlp, "A study", "We use Low-Rank Adaptation (LoRA). LoRA trains few parameters."
    )
    lora = entities["LoRA"]
    assert lora.type == "Method" and "Low-Rank Adaptation" in lora.aliases
    assert len(lora.mentions) == 3


@pytest.mark.parametrize(
    "sentence, long_form",
    [
        ("We propose “nonlinear channels aggregation networks” (NCAN) here.",
         "nonlinear channels aggregation networks"),
        ('We present "Search with Amortized Value Estimates" (SAVE).',
         "Search with Amortized Value Estimates"),
        ("We present ``Diversity is All You Need'' (DIAYN).", "Diversity is All You Need"),
        (r"We introduce \textit{Parallel Adaptive GAN Data Augmentation} (PAGDA).",
         "Parallel Adaptive GAN Data Augmentation"),
    ],
)
def test_a_long_form_leaves_out_the_quotes_and_markup_around_it(rules_nlp, sentence, long_form):
    ((long_span, _),) = rules_nlp(sentence)._.abbreviations
    assert long_span.text == long_form


SHOUTED_ABSTRACT = ("We propose Lattice Pruning with Hints, a pruning method for CNNs. It trains "
                    "ResNet-50 with knowledge distillation and is evaluated on KITTI for depth "
                    "estimation.")


@pytest.mark.parametrize(
    ("title", "abstract", "read"),
    [
        ("LATTICE PRUNING WITH HINTS: SPARSE CNNS FOR FAST DEPTH ESTIMATION", SHOUTED_ABSTRACT,
         "Lattice Pruning with Hints: Sparse CNNs for Fast Depth Estimation"),
        ("SNIPPET: ONE-SHOT RESNET PRUNING", "We prune ResNets once.",
         "SNIPPET: One-Shot ResNet Pruning"),
        ("HOW SPARSE ARE GCN WEIGHTS? TO WHAT EXTENT IN 3D", "We ask how sparse weights are.",
         "How Sparse Are GCN Weights? To What Extent in 3D"),
        ("latticeNET: DEEP SPARSE LATTICES FOR CNNS", "We prune CNNs.",
         "latticeNET: Deep Sparse Lattices for CNNs"),
        ("Lattice Pruning for CNNs", "We prune CNNs.", "Lattice Pruning for CNNs"),
        ("LSTM and GRU for NLP", "We compare LSTM and GRU.", "LSTM and GRU for NLP"),
        ("SNIPPET", "We propose SNIPPET.", "SNIPPET"),
    ],
)
def test_a_title_in_capitals_is_read_in_title_case(title, abstract, read):
    assert reading_title(title, abstract) == read
    assert len(Paper(id="p", title=title, abstract=abstract).text) == len(title + abstract) + 1


def test_a_title_in_capitals_extracts_as_its_title_case_and_cites_the_text_as_given(rules_nlp):
    shouted = Paper(id="p", title="LATTICE PRUNING WITH HINTS: SPARSE CNNS FOR FAST DEPTH "
                    "ESTIMATION", abstract=SHOUTED_ABSTRACT)
    cased = Paper(id="p", title=reading_title(shouted.title, shouted.abstract),
                  abstract=SHOUTED_ABSTRACT)

    def found(paper):
        (x,) = extract([paper], rules_nlp)
        return x, sorted((name_key(e.name), e.type, e.proposed) for e in x.entities)

    extraction, entities = found(shouted)
    assert entities == found(cased)[1]
    cited = set()
    for entity, mention in mentions_of(extraction):
        assert cited_text(shouted, mention) in mention.evidence.sentence_text
        cited.add((entity.name, mention.evidence.field, cited_text(shouted, mention)))
    # read in capitals, "CNNS" looked like an unknown acronym
    assert ("CNN", "title", "CNNS") in cited


@pytest.mark.parametrize(
    ("given", "read"),
    [
        ("We propose \\textit{LatticeNAS}, a method.", "We propose LatticeNAS, a method."),
        ("It uses {\\em weight sharing} and \\emph{\\textbf{CIFAR-10}}.",
         "It uses weight sharing and CIFAR-10."),
        ("With \\emph {Stale Parameters} and {\\bf DSP}.", "With Stale Parameters and DSP."),
        # mathematics, citations and unbalanced braces stay as they are
        ("A loss $\\mathcal{L}$ as in \\cite{he16}; \\emph{open", None),
        ("{\\it x} and {\\employ y}", "x and {\\employ y}"),
    ],
)
def test_latex_styling_is_read_through_and_offsets_map_back(given, read):
    reading = read_styling(given)
    assert reading.text == (read or given)
    for word in re.finditer(r"\w+", reading.text):
        start, end = reading.source_start(word.start()), reading.source_end(word.end())
        assert given[start:end] == word.group()
        assert (reading.reading_offset(start), reading.reading_offset(end)) == word.span()


STYLED_ABSTRACT = ("We propose \\textit{LatticeNAS}, a search method that finds compact networks. "
                   "It builds on {\\em weight sharing} and is evaluated on \\textbf{CIFAR-10} and "
                   "\\emph{ImageNet}, where \\textit{LatticeNAS} improves top-1 accuracy.")


def test_latex_styling_extracts_as_plain_text_and_cites_the_text_as_given(rules_nlp):
    styled = Paper(id="p", title="Searching \\emph{Lattices} of Networks",
                   abstract=STYLED_ABSTRACT)
    title, abstract = read_styling(styled.title).text, read_styling(STYLED_ABSTRACT).text
    plain = Paper(id="p", title=title, abstract=abstract)

    def found(paper):
        (x,) = extract([paper], rules_nlp)
        return x, sorted((e.name, e.type, e.proposed, len(e.mentions)) for e in x.entities)

    extraction, entities = found(styled)
    assert entities == found(plain)[1]
    assert ("LatticeNAS", "Method", True, 2) in entities
    for _, mention in mentions_of(extraction):
        sentence = mention.evidence.sentence_text
        assert cited_text(styled, mention) == mention.text
        assert mention.text in sentence
        assert sentence in (styled.title, *re.split(r"(?<=\.) ", styled.abstract))


def test_styled_shared_abstracts_cite_every_mention_from_the_text_as_given():
    """The shared unlabeled corpus' papers with LaTeX styling, through the default pipeline:
    every mention's span begins and ends as its text does and lies in its cited sentence (a
    name across styling, ``\\emph{data poisoning} attacks``, spans the markup inside it)."""
    corpus = SHARED_CORPUS.parent / "corpus-ml" / "ml-openreview-unlabeled.jsonl"
    if not corpus.is_file():
        pytest.skip(f"the shared corpus is not at {corpus}")
    papers = [p for p in read_papers([corpus]) if p.reading.cuts]
    assert len(papers) > 80
    mentions = 0
    for x in extract(papers, build_nlp()):
        for _, mention in mentions_of(x):
            cited, text = cited_text(x.paper, mention), mention.text.lower()
            assert (cited[0].lower(), cited[-1].lower()) == (text[0], text[-1])
            assert cited in mention.evidence.sentence_text
            mentions += 1
    assert mentions > 500


def test_unknown_abbreviation_is_typed_by_its_long_form(nlp):
    entities, _ = run(
        nlp, "A study", "We design Gradient Budget Tuning (GBT) and Kidney Stone Grading (KSG)."
    )
    assert entities["GBT"].type == "Method"
    assert "Gradient Budget Tuning" in entities["GBT"].aliases


def test_a_head_noun_after_the_short_form_gives_the_type(nlp):
    entities, _ = run(
        nlp,
        "A study",
        "We add Boundary Aware Segmentation (BASEG) techniques and a novel Kidney Embedding "
        "Fine-Tuning (KEFTune) technique, unlike open-source (OS) models and deep learning (DL) "
        "methods.",
    )
    assert entities["BASEG"].type == "Method"
    assert entities["KEFTune"].type == "Method"
    assert not {"OS", "DL", "open-source", "deep learning"} & set(entities)


def test_a_definition_in_apposition_takes_the_type_of_its_context(nlp):
    entities, _ = run(
        nlp,
        "A study",
        "We propose a new tuning method, Gradient-guided Weight Picking (GWP), and compare it "
        'with the masked autoencoder approach "MaskLet" on scans.',
    )
    assert entities["GWP"].type == "Method"
    assert entities["GWP"].proposed
    assert "Gradient-guided Weight Picking" in entities["GWP"].aliases
    assert entities["MaskLet"].type == "Method"


def test_the_papers_definition_overrides_the_lexicon(nlp):
    entities, _ = run(nlp, "A study", "We rely on semi-supervised learning (SSL). SSL helps.")
    assert entities["semi-supervised learning"].aliases == ["SSL"]
    assert "self-supervised learning" not in entities


# --- what is not an entity -----------------------------------------------------------------


def test_generic_phrases_are_not_entities(nlp):
    entities, _ = run(
        nlp,
        "Deep learning for medicine",
        "Large language models (LLMs) and deep learning need fine-tuning. A novel framework "
        "of neural networks improves training. Precision medicine matters. "
        "We recall that diagnosis is hard.",
    )
    assert entities == {}


def test_a_likeness_names_no_model(nlp):
    entities, _ = run(
        nlp,
        "A study of clinical tools",
        "We train a GPT-style decoder and a CLIP-like encoder, then compare with CLIP and "
        "a Llama-2-based chatbot.",
    )
    assert "GPT" not in entities
    assert [m.text for m in entities["CLIP"].mentions] == ["CLIP"]
    assert "Llama-2" in entities


def test_short_forms_of_generic_classes_are_not_names(nlp):
    entities, _ = run(
        nlp,
        "A study of clinical tools",
        "We compare traditional deep learning models (TDLMs) with chatbots. Four TDLM models "
        "were trained; the TDLMs lag behind. We also propose KidneyQA, a benchmark of kidney "
        "questions.",
    )
    assert not {"TDLM", "TDLMs"} & set(entities)
    assert entities["KidneyQA"].type == "Dataset"


# --- tasks and metrics ---------------------------------------------------------------------


def test_task_names_keep_their_modifiers(nlp):
    entities, _ = run(
        nlp, "A study", "We target lung nodule segmentation and radiology report generation."
    )
    assert {"lung nodule segmentation", "radiology report generation"} <= set(entities)


def test_metrics_in_an_evaluation_context(nlp):
    entities, _ = run(
        nlp,
        "A study",
        "The model reaches an accuracy of 81% and a Dice of 0.9, measured by AUROC as well.",
    )
    assert {"accuracy", "Dice", "AUROC"} <= set(entities)
    assert all(entities[m].type == "Metric" for m in ("accuracy", "Dice", "AUROC"))


# --- provenance ----------------------------------------------------------------------------


def test_mentions_point_at_the_text_they_came_from(nlp):
    paper = Paper(
        id="p9",
        title="FooNet: A Model for X-ray Reading",
        abstract="First sentence. We fine-tune BioBERT on MIMIC-III with LoRA.",
    )
    (extraction,) = extract([paper], nlp)
    assert extraction.entities
    for _, mention in mentions_of(extraction):
        ev = mention.evidence
        assert cited_text(paper, mention) == mention.text
        assert mention.text in ev.sentence_text
        assert ev.paper_id == "p9" and ev.rule
    biobert = next(e for e in extraction.entities if e.name == "BioBERT")
    assert biobert.mentions[0].evidence.sentence == 2  # title is sentence 0
    assert biobert.mentions[0].evidence.rule == "lexicon:model/biobert"


# --- relations -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "abstract, triple",
    [
        (
            "We present DermaLlama, a model built on Llama-2 for dermatology.",
            ("DermaLlama", "based_on", "Llama-2"),
        ),
        ("OrthoGPT is fine-tuned from Mistral 7B.", ("OrthoGPT", "based_on", "Mistral 7B")),
        ("Our model is initialised from BioBERT weights.", ("RenalNet", "based_on", "BioBERT")),
        ("We fine-tune our model on MIMIC-III notes.", ("RenalNet", "trained_on", "MIMIC-III")),
        ("RenalNet is evaluated on MedQA and PubMedQA.", ("RenalNet", "evaluated_on", "MedQA")),
        ("It achieves 71% accuracy on the MedQA benchmark.", ("RenalNet", "evaluated_on", "MedQA")),
        ("We train RenalNet using LoRA.", ("RenalNet", "uses_method", "LoRA")),
    ],
)
def test_relation_cues(nlp, abstract, triple):
    _, relations = run(nlp, "RenalNet: A Foundation Model for Kidney Pathology", abstract)
    assert triple in relations


def test_compared_models_are_all_evaluated(nlp):
    _, relations = run(nlp, "A study", "GPT-4 and Llama-2 were evaluated on MedQA.")
    assert {("GPT-4", "evaluated_on", "MedQA"), ("Llama-2", "evaluated_on", "MedQA")} <= relations


def test_name_composition_gives_based_on(nlp):
    _, relations = run(
        nlp, "MammoSAM: Segment Anything for Mammograms", "MammoSAM adapts SAM to breast imaging."
    )
    assert ("MammoSAM", "based_on", "SAM") in relations


def test_a_name_typed_twice_is_not_related_to_itself(nlp):
    """Spans of one name that a decision typed differently are two entities; a relation
    between them would relate the name to itself, and is dropped."""
    paper = Paper(id="t1", title="A study", abstract="We propose MFG. MFG builds on GPT-4.")
    doc = nlp(paper.text)
    first, second = (doc.char_span(m.start(), m.end()) for m in re.finditer("MFG", doc.text))
    gpt = doc.char_span(doc.text.index("GPT-4"), doc.text.index("GPT-4") + 5)
    doc.ents = [Span(doc, first.start, first.end, "Model"),
                Span(doc, second.start, second.end, "Method"),
                Span(doc, gpt.start, gpt.end, "Model")]
    model, method, gpt = doc.ents
    doc._.relations = [(model, "based_on", method, "test"), (method, "based_on", gpt, "test")]
    extraction = doc_to_extraction(doc, paper, nlp)
    assert sorted(e.type for e in extraction.entities if e.name == "MFG") == ["Method", "Model"]
    assert [(r.subject, r.object) for r in extraction.relations] == [("MFG", "GPT-4")]


def test_a_span_typed_otherwise_than_its_entry_is_named_by_it_but_not_linked(nlp):
    """A decision may type a lexicon span otherwise than its entry: the elided "lifelong" of
    "lifelong and few-shot learning" typed a Task is lifelong learning (the entry's name, not
    the bare conjunct), but not the Method entry; kept as typed, it is both."""
    paper = Paper(id="t1", title="A study",
                  abstract="We study lifelong and few-shot learning. Lifelong learning helps.")
    doc = nlp(paper.text)
    lifelong = doc.char_span(doc.text.index("lifelong"), doc.text.index("lifelong") + 8)
    full = doc.char_span(doc.text.index("Lifelong learning"), len(doc.text) - len(" helps."))
    entry = "method/continual-learning"
    doc.ents = [Span(doc, lifelong.start, lifelong.end, "Task", kb_id=entry),
                Span(doc, full.start, full.end, "Task", kb_id=entry)]
    entity, = doc_to_extraction(doc, paper, nlp).entities
    assert (entity.name, entity.type, entity.lexicon_id) == ("continual learning", "Task", None)
    assert entity.aliases == ["lifelong", "Lifelong learning"]
    doc.ents = [Span(doc, full.start, full.end, "Method", kb_id=entry)]
    entity, = doc_to_extraction(doc, paper, nlp).entities
    assert (entity.name, entity.type, entity.lexicon_id) == ("continual learning", "Method", entry)


def test_own_data_and_benchmark(nlp):
    _, relations = run(
        nlp,
        "A study",
        "We present HepatoLM, a language model, and curate HepatoCorpus-2M, a corpus of notes. "
        "We also release HepatoBench, a benchmark of liver questions.",
    )
    assert ("HepatoLM", "trained_on", "HepatoCorpus-2M") in relations
    assert ("HepatoLM", "evaluated_on", "HepatoBench") in relations


def test_a_sentence_about_the_model_speaks_of_the_papers_own(nlp):
    _, relations = run(
        nlp,
        "A study",
        "We propose NephroGen, a language model for kidney notes. The model was pre-trained on "
        "MIMIC-IV. These models are built on Llama-3.",
    )
    assert ("NephroGen", "trained_on", "MIMIC-IV") in relations
    assert ("NephroGen", "based_on", "Llama-3") in relations


def test_naming_and_apposition_cues_for_the_proposed_flag(nlp):
    entities, _ = run(
        nlp,
        "A study",
        "We develop a renal language model, termed as NephroChat. We construct a large-scale "
        "Renal Multi-modal Dataset, RenMD, of scans. We train models on MIMIC-IV, CheXpert and "
        "PadChest.",
    )
    assert entities["NephroChat"].proposed
    assert entities["RenMD"].proposed and entities["RenMD"].type == "Dataset"
    assert not entities["CheXpert"].proposed


def test_no_relation_without_a_cue(nlp):
    _, relations = run(nlp, "A study", "GPT-4 is large. MedQA is a dataset of exam questions.")
    assert relations == set()


# --- spaCy integration and user patterns ---------------------------------------------------


def test_components_are_registered_factories():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("paperkg_abbreviations")
    nlp.add_pipe("paperkg_names")
    nlp.add_pipe("paperkg_entities")
    nlp.add_pipe("paperkg_relations")
    doc = nlp("We fine-tune Llama-2 with LoRA and evaluate it on MedQA.")
    assert {(e.text, e.label_) for e in doc.ents} >= {
        ("Llama-2", "Model"),
        ("LoRA", "Method"),
        ("MedQA", "Dataset"),
    }


def test_entity_component_alone_in_another_pipeline():
    nlp = spacy.blank("en")
    nlp.add_pipe("paperkg_entities")
    doc = nlp("BioBERT was evaluated on BLURB.")
    assert [(e.text, e.kb_id_) for e in doc.ents] == [
        ("BioBERT", "model/biobert"),
        ("BLURB", "dataset/blurb"),
    ]


def test_user_patterns_add_and_override(tmp_path: Path):
    patterns = tmp_path / "astro.jsonl"
    patterns.write_text(
        json.dumps(
            {
                "label": "Dataset",
                "pattern": "Gaia DR3",
                "id": "dataset/gaia-dr3",
                "name": "Gaia DR3",
                "homepage": "https://example.org/gaia",
            }
        )
        + "\n"
        + json.dumps(
            {
                "label": "Method",
                "pattern": "SAM",
                "id": "method/sharpness-aware",
                "name": "sharpness-aware minimization",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    nlp = build_nlp(patterns=patterns)
    entities, _ = run(nlp, "A study", "We train with SAM on Gaia DR3 photometry.")
    assert entities["Gaia DR3"].type == "Dataset"
    assert entities["Gaia DR3"].lexicon_id == "dataset/gaia-dr3"
    assert entities["sharpness-aware minimization"].type == "Method"
    lexicon = nlp.get_pipe("paperkg_entities").lexicon
    assert lexicon.entries["dataset/gaia-dr3"].external_ids == {
        "homepage": "https://example.org/gaia"
    }


@pytest.mark.parametrize(
    "content, problem",
    [
        ('{"label": "Model", "pattern": "X"}\n{not json}\n', "malformed JSON"),
        ('{"label": "Gadget", "pattern": "X"}\n', "label must be one of"),
        ('{"label": "Model"}\n', "pattern must be"),
    ],
)
def test_bad_user_patterns_name_file_and_line(tmp_path: Path, content, problem):
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as err:
        build_nlp(patterns=path)
    assert str(path) in str(err.value) and problem in str(err.value)
    assert f"{path}:{content.count(chr(10))}" in str(err.value)


@pytest.mark.parametrize(
    "abstract, label",
    [
        ("We pre-train with MAE on ImageNet.", "Method"),
        ("The model reaches an MAE of 3.2 years.", "Metric"),
        ("We report mean absolute error (MAE). MAE drops.", "Metric"),
    ],
)
def test_a_form_in_two_lexicons_is_read_from_context(nlp, abstract, label):
    entities, _ = run(nlp, "A study", abstract)
    (mae,) = [e for e in entities.values() if "MAE" in {e.name, *e.aliases}]
    assert mae.type == label
    assert all(m.type == label for m in mae.mentions)


def test_relation_evidence_stays_inside_one_field_and_sentence(nlp):
    paper = Paper(id="p1", title="RenalNet: A Foundation Model for Kidney Pathology",
                  abstract="Background first. We fine-tune our model on MIMIC-III notes.")
    (extraction,) = extract([paper], nlp)
    (relation,) = [r for r in extraction.relations if r.predicate == "trained_on"]
    ev = relation.evidence
    assert ev.field == "abstract" and paper.abstract[ev.start : ev.end] == "MIMIC-III"
    assert ev.sentence_text == "We fine-tune our model on MIMIC-III notes."


def test_based_on_skips_a_base_named_in_between(nlp):
    _, relations = run(nlp, "LumenX: Contrastive Pre-training for Radiology",
                       "We present LumenX, a dual-encoder model based on CLIP whose text encoder "
                       "is initialised from ClinicalBERT.")
    assert ("LumenX", "based_on", "CLIP") in relations
    assert ("CLIP", "based_on", "ClinicalBERT") not in relations


def test_evaluation_lists_and_spelling_variants_of_one_entity(nlp):
    entities, relations = run(
        nlp, "TinyRad: Small Models for Radiology Questions",
        "In evaluations on the VQA-RAD, SLAKE, and Path-VQA datasets, TinyRad outperformed "
        "LLaVA-Med. On the popular PathVQA benchmark, our TinyRad model achieves 91% accuracy.")
    assert {("TinyRad", "evaluated_on", d) for d in ("VQA-RAD", "SLAKE", "PathVQA")} <= relations
    assert ("LLaVA-Med", "evaluated_on", "SLAKE") in relations
    assert "Path-VQA" in entities["PathVQA"].aliases  # one entity, not two


def test_sentences_do_not_break_before_a_lower_case_word(nlp):
    doc = nlp("A Title\nFirst sentence. Results w.r.t. accuracy on tasks such as MedQA are good. "
              "Next one.")
    sentences = [s.text.strip() for s in doc.sents]
    assert sentences == ["A Title", "First sentence.",
                         "Results w.r.t. accuracy on tasks such as MedQA are good.", "Next one."]


def test_product_variants_are_models_of_their_own(nlp):
    entities, _ = run(nlp, "A study",
                      "We fine-tune Mistral 7B Lite and GPT-4o mini and compare them with GPT-4o.")
    assert {"Mistral 7B Lite", "GPT-4o", "GPT-4o-mini"} <= set(entities)
    assert entities["Mistral 7B Lite"].lexicon_id is None
    assert "Mistral 7B" not in entities


def test_versioned_variants_are_models_of_their_own_but_sizes_are_not(nlp):
    entities, _ = run(nlp, "A study",
                      "We prune Whisper-large-v3 and T5-v1.1 and compare with Llama-2-7B.")
    assert {"Whisper-large-v3", "T5-v1.1", "Llama-2"} <= set(entities)
    assert "Whisper" not in entities


def test_a_version_written_apart_is_the_versioned_entry_or_a_model_of_its_own(nlp):
    entities, _ = run(nlp, "A study",
                      "We compare MobileNet v2, YOLO v3 and ResNet v2 with MobileNet.")
    assert entities["MobileNetV2"].lexicon_id == "model/mobilenetv2"
    assert entities["YOLOv3"].lexicon_id == "model/yolov3"
    assert entities["ResNet v2"].lexicon_id is None
    assert entities["MobileNet"].aliases == []


def test_a_translation_direction_after_a_benchmark_is_a_dataset_of_its_own(nlp):
    entities, _ = run(nlp, "A study",
                      "We train on WMT 2014 English to French, WMT'16 English-to-Romanian and "
                      "IWSLT14 de-en, and adapt from MNIST to SVHN.")
    assert entities["WMT14 En-Fr"].lexicon_id == "dataset/wmt14-en-fr"
    assert entities["IWSLT14 De-En"].lexicon_id == "dataset/iwslt14-de-en"
    assert entities["WMT'16 English-to-Romanian"].lexicon_id is None
    assert {"WMT14", "WMT16", "IWSLT14"}.isdisjoint(entities)
    assert {"MNIST", "SVHN"} <= set(entities)


def test_generic_classes_are_not_names(nlp):
    entities, _ = run(
        nlp, "A study",
        "Medical Large Vision-Language Models (Med-LVLMs) and conventional machine learning "
        "(CML) are compared with pre-LLM systems and clinician-VLM pairs. On 7 benchmarks, "
        "ChatGPT-family models do well.")
    assert set(entities) == {"ChatGPT"}
