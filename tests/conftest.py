"""Shared fixtures for every test folder."""
from __future__ import annotations

from pathlib import Path

import pytest
from sitegen import page_html, write_corpus


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """Three short pages in two folders."""
    return write_corpus(tmp_path / "corpus", {
        "net/what-is.html": page_html("What is a NET", {
            "Overview": "A neuroendocrine tumour (NET) grows from neuroendocrine cells.",
            "Symptoms": "Flushing and diarrhoea can be symptoms of carcinoid syndrome.",
        }, topic="Neuroendocrine cancer"),
        "net/treatment.html": page_html("Treating NETs", {
            "Surgery": "Surgery may remove the tumour completely.",
            "Octreotide": "Octreotide injections control hormone symptoms.",
        }, topic="Neuroendocrine cancer"),
        "bowel/about.html": page_html("About bowel cancer", {
            "Screening": "Bowel screening uses a home test kit called FIT.",
        }, topic="Bowel cancer"),
    })
