"""Command line: `python -m indexer build | inspect | duplicates`; the only module that prints."""
from __future__ import annotations

import argparse
import errno
import json
import logging
import sys
from pathlib import Path

from tqdm import tqdm

from indexer import store
from indexer.build import BuildReport, build_index
from indexer.duplicates import DuplicateReport, find_duplicates, format_csv, format_table
from indexer.embeddings import EmbeddingsUnavailable
from indexer.model import ParseError
from indexer.parse import parse_file
from indexer.schema import indexed_sections

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if not args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    return args.handler(args, parser)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m indexer",
                                     description="Index HTML pages into a section-level search index.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="build or update the index of a corpus folder")
    build.add_argument("corpus", type=Path, help="folder of HTML pages")
    build.add_argument("--index", type=Path, required=True, help="index folder (created if missing)")
    build.add_argument("--full", action="store_true", help="rebuild from scratch, not incrementally")
    build.add_argument("--strict", action="store_true", help="exit 1 if any page was skipped")
    build.add_argument("--workers", type=int, default=None, help="parser processes (default: cores)")
    build.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                       help="wait this long for another build to finish (default: fail at once)")
    semantic = build.add_mutually_exclusive_group()
    semantic.add_argument("--no-semantic", dest="semantic", action="store_false", default=None,
                          help="skip the meaning vectors (faster build; search falls back to words "
                               "only); remembered by later builds of this index")
    semantic.add_argument("--semantic", dest="semantic", action="store_true", default=None,
                          help="add meaning vectors again after a --no-semantic build")
    build.add_argument("--json", action="store_true", help="print the report as JSON")
    build.set_defaults(handler=_cmd_build)

    inspect = commands.add_parser("inspect", help="print how a page is cut into sections, as JSON")
    inspect.add_argument("file", type=Path, help="an HTML file")
    inspect.add_argument("--root", type=Path, default=None,
                         help="corpus root the path is relative to (default: the file's folder)")
    inspect.set_defaults(handler=_cmd_inspect)

    dups = commands.add_parser("duplicates", help="list duplicate and near-duplicate sections")
    dups.add_argument("--index", type=Path, required=True, help="index folder")
    dups.add_argument("--threshold", type=float, default=None,
                      help="word-shingle Jaccard similarity, 0-1 (default: as stored with the index, 0.8)")
    dups.add_argument("--min-words", type=int, default=None, help="leave out shorter sections (default 25)")
    dups.add_argument("--format", choices=("table", "csv", "json"), default="table")
    dups.set_defaults(handler=_cmd_duplicates)
    return parser


def _cmd_build(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if not args.corpus.is_dir():
        parser.error(f"corpus folder not found: {args.corpus}")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int, item: str) -> None:
        if stage not in bars:
            unit = "page" if stage == "parsing" else "section"
            bars[stage] = tqdm(total=total, unit=unit, desc=stage.capitalize(), disable=None, file=sys.stderr)
        bar = bars[stage]
        bar.set_postfix_str(item[-40:], refresh=False)
        bar.update(done - bar.n)

    try:
        report = build_index(args.corpus, args.index, full=args.full, workers=args.workers,
                             wait_seconds=args.wait, progress=progress, semantic=args.semantic)
    except store.BuildLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except EmbeddingsUnavailable as exc:
        print(f"error: {exc}\n(the previous index, if any, is still serving; "
              "--no-semantic builds without meaning vectors)", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:
        failure = write_failure(exc)
        if failure is None:
            raise  # a bug: the traceback is what is needed
        print(write_failure_message(failure, args.index), file=sys.stderr)
        return EXIT_FAILED
    finally:
        for bar in bars.values():
            bar.close()
    print(json.dumps(report.to_dict(), indent=1) if args.json else format_report(report, args.index))
    return EXIT_FAILED if args.strict and report.skipped else EXIT_OK


def write_failure(exc: BaseException) -> OSError | None:
    """The operating-system error behind a failed build, looking through the errors it caused
    (a full disk can surface as a missing file); None if there is none."""
    chain: list[BaseException] = []
    while exc is not None and exc not in chain:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    errors = [e for e in chain if isinstance(e, OSError)]
    for wanted in (_DISK_FULL, _NOT_WRITABLE):
        for error in errors:
            if error.errno in wanted:
                return error
    return errors[0] if errors else None


def write_failure_message(error: OSError, index_dir: Path) -> str:
    """One line saying what went wrong and what to do; the live index is never touched by it."""
    where = f" ({error.filename})" if error.filename else ""
    if error.errno in _DISK_FULL:
        what = (f"the disk is full (or a file size limit was reached) writing the index in {index_dir}"
                f"{where}: free some space and build again")
    elif error.errno in _NOT_WRITABLE:
        what = (f"cannot write to the index folder {index_dir}{where}: {error.strerror}; "
                "make it writable or choose another --index")
    else:
        what = f"cannot build the index in {index_dir}{where}: {error.strerror or error}"
    return f"error: {what} (the index that was serving, if any, is unchanged)"


def format_report(report: BuildReport, index_dir: Path) -> str:
    """The human summary printed at the end of a build."""
    if not report.published:
        head = f"Index {index_dir} is up to date ({report.pages} pages, {report.sections} sections)."
    else:
        kind = "Full build" if report.full else "Incremental build"
        head = (f"{kind}: {report.pages} pages, {report.sections} sections -> {index_dir} "
                f"({report.parsed} parsed, {report.unchanged} unchanged, {report.deleted} removed)"
                f" in {report.seconds:.1f} s, {report.pages_per_second:.0f} pages/s.")
    lines = [head]
    if report.published:
        lines.append(f"Duplicate report: {report.duplicate_groups} groups of duplicate sections.")
    lines.append(_vectors_line(report))
    if report.skipped:
        lines.append(f"Skipped {len(report.skipped)} file(s):")
        lines += [f"  {path}: {reason}" for path, reason in report.skipped]
    lines += [f"Warning: {path}: {message}" for path, message in report.warnings]
    return "\n".join(lines)


def _vectors_line(report: BuildReport) -> str:
    """What the summary says of meaning vectors, so nobody is surprised by an hour of embedding."""
    if not report.semantic:
        return ("Meaning vectors: off (chosen with --no-semantic and kept for this index; "
                "--semantic adds them); ranking by words only.")
    rate = report.embedded / report.embedding_seconds if report.embedding_seconds else 0.0
    speed = f" in {report.embedding_seconds:.1f} s ({rate:.0f} sections/s)" if report.embedded else ""
    state = {"complete": "complete", "partial": "still being computed",
             "none": "none yet"}.get(report.vectors, report.vectors)
    words = (f" Search was live after {report.words_seconds:.1f} s, before the vectors."
             if report.published and report.embedding_seconds > report.words_seconds else "")
    return f"Meaning vectors: {state}; {report.embedded} sections embedded{speed}, the rest reused.{words}"


def _cmd_inspect(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if not args.file.is_file():
        parser.error(f"file not found: {args.file}")
    root = (args.root or args.file.parent).resolve()
    try:
        page = parse_file(args.file.resolve(), root)
    except ParseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except ValueError:
        parser.error(f"{args.file} is not inside --root {root}")
    output = {"path": page.meta.path, "warnings": page.warnings,
              "sections": [s.to_dict() for s in page.sections]}
    print(json.dumps(output, indent=2, ensure_ascii=False))
    return EXIT_OK


def _cmd_duplicates(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.threshold is not None and not 0 < args.threshold <= 1:
        parser.error("--threshold must be between 0 and 1")
    if args.min_words is not None and args.min_words < 1:
        parser.error("--min-words must be at least 1")
    try:
        report = stored_or_fresh_duplicates(args.index, args.threshold, args.min_words)
    except store.IndexError_ as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.format == "json":
        print(json.dumps(report.to_dict(), indent=1, ensure_ascii=False))
    else:
        print(format_table(report) if args.format == "table" else format_csv(report), end="")
    return EXIT_OK


def stored_or_fresh_duplicates(index_dir: Path, threshold: float | None,
                               min_words: int | None) -> DuplicateReport:
    """The report stored with the index, or a fresh one when other settings are asked for."""
    index, generation = store.open_index(index_dir)
    stored = generation.path / store.DUPLICATES_FILE
    if threshold is None and min_words is None and stored.exists():
        return DuplicateReport.from_dict(json.loads(stored.read_text(encoding="utf-8")))
    return find_duplicates(indexed_sections(index), threshold=threshold or 0.8, min_words=min_words or 25)
