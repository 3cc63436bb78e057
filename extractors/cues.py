"""Context words that decide an entity's type and role: head nouns, proposal verbs, morphology."""

from __future__ import annotations

import re
from functools import lru_cache

from extractors.token_view import token_view

#: head nouns that follow (or precede) a name and give its type
HEAD_TYPES: dict[str, str] = {
    **dict.fromkeys(
        "dataset datasets benchmark benchmarks corpus corpora database databases collection "
        "suite testbed exam exams examination leaderboard dataset.".split(),
        "Dataset",
    ),
    **dict.fromkeys(
        "model models llm llms lm lms vlm vlms mllm mllms lvlm lvlms network networks "
        "architecture assistant assistants chatbot chatbots encoder decoder backbone "
        "agent generalist copilot learner learners".split(),
        "Model",
    ),
    **dict.fromkeys(
        "method methods technique techniques algorithm algorithms strategy strategies approach "
        "framework paradigm mechanism module loss pipeline procedure scheme tuning fine-tuning "
        "finetuning prompting regularization regularisation optimization optimisation "
        "distillation adaptation attack defense".split(),
        "Method",
    ),
    **dict.fromkeys("task tasks".split(), "Task"),
    **dict.fromkeys("metric metrics score".split(), "Metric"),
}

#: words of clinical and biomedical text: a paper with two or more counts as clinical (a
#: decider feature: clinical and general-ML annotations mark generic terms differently)
CLINICAL_WORDS = frozenset(
    "patient patients clinical clinically clinician clinicians medical medicine biomedical "
    "disease diseases diagnosis diagnostic radiology radiologists hospital health healthcare "
    "ehr ehrs pathology ct mri x-ray cancer tumor lesion lesions physician physicians surgical "
    "therapy drug drugs genomic protein cell cells brain chest retinal dermatology ecg eeg icu "
    "mimic pubmed usmle medqa".split()
)
#: verbs after "we" that introduce the paper's own contribution
PROPOSE_VERBS = frozenset(
    "propose proposes proposed present presents presented introduce introduces introduced "
    "develop develops developed release releases released build builds built create creates "
    "created construct constructs constructed curate curates curated design designs designed "
    "train trained pretrain pretrained name named call called dub dubbed term termed offer "
    "unveil contribute establish collect compile assemble".split()
)
#: "a benchmark called X"
NAMING_WORDS = frozenset("called named dubbed termed coined entitled".split())

#: acronyms and words that look like names but are generic
GENERIC_NAMES = frozenset(
    """llm llms vlm vlms lvlm lvlms mllm mllms lmm lmms mlm slm slms lm lms plm plms ai ml dl nlp
    cv gpu gpus cpu tpu api apis sota ehr ehrs emr emrs icu ct mri pet us usa uk eu who fda nih
    x-ray x-rays covid covid-19 sars-cov-2 dna rna 2d 3d 4d rgb id ood iid qa faq url html pdf
    json gpt-like cnn cnns nn nns rnn rnns gnn gnns mlp mlps lstm vlp ecg eeg os ft pt note it
    ir hci iot ui ux ar vr fm fms gai genai agi ok github arxiv llm-based
    openai google meta microsoft deepmind anthropic nvidia ibm amazon apple baidu alibaba
    tencent huawei stanford mit dnn dnns mcq mcqs lmm
    i ii iii iv v vi vii viii ix x xi xii xiii xiv xv""".split()
)

_DATASET_SHAPE = re.compile(
    r"(qa|vqa|bench|benchmark|eval|set|corpus|dataset|db|bank|exam|\d+(\.\d+)?[km])$",
    re.IGNORECASE,
)
_MODEL_SHAPE = re.compile(
    r"(gpt|bert|llama|lm|llm|clip|sam|net|former|vit|vl|med|chat|instruct|diffusion|t5|"
    r"mistral|gemma|qwen|phi|mamba|dino|unet|gan|doctor|coder)(\d+(\.\d+)?)?$",
    re.IGNORECASE,
)
_METHOD_SHAPE = re.compile(
    r"(rag|tuning|lora|adapter|adapt|prompt|prompting|cot|kd)$", re.IGNORECASE
)
#: preference optimisation acronyms: "DPO", "SimPO", "GRPO" (but not "Hippo")
_PO_SHAPE = re.compile(r"[A-Z]PO$")


#: data splits named after their dataset: "DoctorFLAN-test"
_SPLITS = frozenset({"test", "train", "dev", "val", "validation"})


@lru_cache(maxsize=65536)
def type_from_shape(name: str) -> str | None:
    """A type guessed from the form of a name alone (``-QA`` Dataset, ``-GPT`` Model …)."""
    parts = re.split(r"[-\s/]", name.strip())
    last = parts[-1] or name
    split = len(parts) > 1 and last.lower() in _SPLITS  # "DoctorFLAN-test"
    if split or _DATASET_SHAPE.search(last) or re.search(r"bench", name, re.IGNORECASE):
        return "Dataset"
    if _METHOD_SHAPE.search(last) or _PO_SHAPE.search(last):
        return "Method"
    if _MODEL_SHAPE.search(last) or re.search(r"gpt|bert|llama|llava", name, re.IGNORECASE):
        return "Model"
    return None


_CAMEL = re.compile(r"[a-z][A-Z]|[A-Z]{2,}")
_ALNUM_MIX = re.compile(r"[A-Za-z].*\d|\d.*[A-Za-z]")


@lru_cache(maxsize=65536)
def is_name_shaped(text: str) -> bool:
    """A chunk that looks like a proper name: internal capitals, an acronym or letters+digits.

    ``MedSAM``, ``LLaVA-Med``, ``GPT-4o``, ``Med42`` and ``VQA-RAD`` are; ``fine-tuning``,
    ``Vision-Language``, ``2023`` and ``7B`` are not.
    """
    if len(text) < 2 or not any(c.isalpha() for c in text):
        return False
    if text.casefold() in GENERIC_NAMES or text.rstrip("s").casefold() in GENERIC_NAMES:
        return False
    if re.fullmatch(r"\d+(\.\d+)?[kKmMbBtT]?|[xX]\d+|v\d+(\.\d+)?", text):
        return False
    parts = re.split(r"[-/+=\s]", text)
    # what makes a name a name must not be a generic word: "Med-LVLMs", "pre-LLM" are not names
    distinctive = [p for p in parts if p.casefold().rstrip("s") not in GENERIC_NAMES]
    if any(_CAMEL.search(p) for p in distinctive):
        return True
    if any(_ALNUM_MIX.search(p) and p[0].isupper() for p in distinctive if p):
        return True
    # hyphenated names whose parts are capitalised and whose form gives a type: "Zebra-Llama",
    # "μ-Bench", "Aquila-Med"; or a one- or two-letter capital prefix: "R-Path", "I-MedSAM"
    if len(parts) > 1 and all(
        p[:1].isupper() or (p[:1].isalpha() and not p[:1].isascii()) for p in parts if p
    ):
        return (
            type_from_shape(text) in ("Model", "Dataset")
            or len(parts[0]) <= 2
            and (parts[0].isupper())
        )
    return False


_OUR = frozenset({"our", "proposed", "novel", "new"})
_ADVERBS = frozenset("also further then additionally now first finally thus therefore".split())
_INTRO_FILLERS = frozenset({"a", "an", "the", "novel", "new", "our", "first", "simple"})


def is_introduced(doc, span) -> bool:
    """The paper introduces ``span``: ``our (proposed) X``, ``we propose (a novel) X``,
    ``we present a new framework, X``, ``a benchmark called X``, or the title ``X: subtitle``."""
    view = token_view(doc)
    texts, lower = view.text, view.lower
    start, end = span.start, span.end
    if start == 0 and end < len(texts) and texts[end] == ":":
        return True
    after = lower[end : end + 3]
    if any(w in NAMING_WORDS for w in after[:2]):
        return False  # "a new fine-tuning method termed SSF": SSF is the new thing
    if start > 0 and lower[start - 1] in NAMING_WORDS:
        return True  # "a dataset called X to support …"
    if after and after[0].isalpha() and after[0] not in HEAD_TYPES and view.is_lower[end]:
        return False  # "we release the LoRA adapters": LoRA only describes what is released
    k = start - 1
    while k >= 0 and k >= start - 3 and lower[k] in _FILLERS:
        k -= 1
    if k < 0:
        return False
    word = lower[k]
    if word == "our" or (word == "proposed" and k > 0 and lower[k - 1] in {"our", "the"}):
        return True
    if lower[start - 1] == "our" or word in NAMING_WORDS:
        return True
    if word == "as" and k > 0 and lower[k - 1] in NAMING_WORDS:
        return True  # "termed as X"
    if word in PROPOSE_VERBS:
        return _has_author_subject(doc, k)
    # "we present a new framework, X" / "this paper introduces a benchmark: X"
    if texts[start - 1] in {",", ":"}:
        for j in range(start - 2, max(start - 13, -1), -1):
            if texts[j] in {".", ";", "\n"} or lower[j] in _NOT_APPOSED:
                break  # "we train models on A, B": B is used, not introduced
            if lower[j] in PROPOSE_VERBS and j + 1 < start - 1:
                return _has_author_subject(doc, j)
    return False


#: the fillers between a proposal verb and a name: "we propose a new X"
_FILLERS = _INTRO_FILLERS - {"our"}

#: words between a proposal verb and ``, X`` that make X something used, not introduced
_NOT_APPOSED = frozenset("on with from to than using and or by including such".split())

#: who introduces things in an abstract: "we propose", "this paper presents"
_AUTHORS = frozenset({"we", "here", "paper", "work", "study", "article"})


def _has_author_subject(doc, verb: int) -> bool:
    """The verb at ``verb`` has the authors as subject: ``we (also) propose``, ``this paper
    presents``, or ``we present X and curate Y``."""
    view = token_view(doc)
    lower = view.lower
    k = verb - 1
    while k >= 0 and lower[k] in _ADVERBS:
        k -= 1
    if k >= 0 and lower[k] in _AUTHORS:
        return True
    if k >= 0 and lower[k] == "and":  # a coordinated verb: look for "we" earlier
        return any(lower[i] == "we" for i in range(max(k - 15, 0), k) if view.text[i] != ".")
    return False
