"""Check that the ``quote`` given as evidence for a scenario value really is in the seed articles.

A quote is looked up in every ``*.txt`` and ``*.md`` file under ``seeds/`` after both sides are
put through :func:`normalise_text`, so typographic quotes, dash variants, case, line breaks and
spacing do not matter but every word does. For a quote that is not found, the most similar
passage of about the same length is reported with its file, line and similarity, so a user can
see whether they misquoted or quoted something that is not there.
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from ceasefire_sim.errors import Problem, ScenarioError

__all__ = ["QuoteMatch", "SeedCorpus", "check_quotes", "normalise_text"]

_CHAR_MAP = {
    **dict.fromkeys("‘’‚‛′", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"),
}
_SOFT_HYPHEN = "\u00ad"
_NEWLINES = frozenset("\n\r\u2028\u2029\x85")
_WORD_RE = re.compile(r"\w+")
# Quotation marks around a quote, and ellipses marking it as a fragment, are not part of the
# quoted text (normalise_text has already turned curly quotes into '"' and "…" stays as is).
_WRAPPING_RE = re.compile(r'^(?:\.\.\.|…|"|\s)+|(?:\.\.\.|…|"|\s)+$')

# How many distinct word-overlap windows `closest` refines, and how many words either side of
# each it may re-align into: enough to land on the right passage, few enough for ~1 ms a quote.
_CANDIDATES = 4
_SLACK = 2
_CLIP = 160


def _normalise_tracked(text: str) -> tuple[str, list[int]]:
    """Normalise ``text`` as :func:`normalise_text` does, and map each output char to its source.

    Returns:
        ``(normalised, origin)`` where ``origin[i]`` is the index in ``text`` of the character
        that produced ``normalised[i]`` (a collapsed run of whitespace maps to its first char).
    """
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char == _SOFT_HYPHEN:
            continue
        for folded in char.casefold():
            chars.append(_CHAR_MAP.get(folded, folded))
            origin.append(index)

    out: list[str] = []
    out_origin: list[int] = []
    i, n = 0, len(chars)
    while i < n:
        char = chars[i]
        if char == "-":
            j = i + 1
            while j < n and chars[j].isspace():
                j += 1
            if j > i + 1:
                broken_word = (
                    any(c in _NEWLINES for c in chars[i + 1 : j])
                    and i > 0
                    and chars[i - 1].isalpha()
                    and j < n
                    and chars[j].isalpha()
                )
                if not broken_word:
                    out.append("-")
                    out_origin.append(origin[i])
                i = j
                continue
        if char.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                out_origin.append(origin[i])
            i += 1
            continue
        out.append(char)
        out_origin.append(origin[i])
        i += 1
    if out and out[-1] == " ":
        out.pop()
        out_origin.pop()
    return "".join(out), out_origin


def normalise_text(text: str) -> str:
    r"""Normalise text so that a quote matches its source whatever the typography.

    In order:

    1. Soft hyphens (U+00AD, invisible) are removed and the text is casefolded.
    2. Typographic single quotes, apostrophes and primes (‘ ’ ‚ ‛ ′) become ``'``; typographic
       double quotes, double primes and guillemets (“ ” „ ‟ ″ « ») become ``"``.
    3. Dashes and the minus sign (‐ ‑ ‒ – — ― −) become ``-``.
    4. A ``-`` followed by whitespace that contains a line break, with a letter on both sides,
       is a word hyphenated across lines: the hyphen and the whitespace are removed
       (``"defen-\nse"`` -> ``"defense"``). Compound words broken at their own hyphen are
       joined too (``"long-\nstanding"`` -> ``"longstanding"``); text cannot tell them apart.
    5. Any other ``-`` followed by whitespace keeps the hyphen and loses the whitespace
       (``"Ukraine- Russia"`` -> ``"ukraine-russia"``).
    6. Every run of whitespace becomes one space, and leading and trailing spaces are removed.

    Args:
        text: Any text.

    Returns:
        The normalised text.
    """
    return _normalise_tracked(text)[0]


def _prepare_quote(quote: str) -> str:
    return _WRAPPING_RE.sub("", normalise_text(quote))


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _CLIP else text[: _CLIP - 1].rstrip() + "…"


@dataclass(frozen=True)
class QuoteMatch:
    """A passage of a seed file.

    Attributes:
        file: Path of the seed file relative to the corpus folder (``"000_x.txt"``).
        line: 1-based line in that file where the passage starts.
        text: The passage as written in the file.
        similarity: 1.0 for an exact (normalised) match; otherwise in [0, 1].
    """

    file: str
    line: int
    text: str
    similarity: float


class _SeedFile:
    """One seed file with its normalised text and word positions, built once per corpus."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        self.norm, self.origin = _normalise_tracked(text)
        self.newlines = [i for i, char in enumerate(text) if char == "\n"]
        spans = [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(self.norm)]
        self.word_starts = [s for s, _, _ in spans]
        self.word_ends = [e for _, e, _ in spans]
        self.words = [w for _, _, w in spans]

    def match(self, start: int, end: int, similarity: float) -> QuoteMatch:
        """The passage ``self.norm[start:end]`` as a :class:`QuoteMatch` in the original text."""
        first, last = self.origin[start], self.origin[end - 1]
        line = bisect.bisect_left(self.newlines, first) + 1
        return QuoteMatch(self.name, line, self.text[first : last + 1], similarity)

    def find(self, quote: str) -> int | None:
        """Offset in ``self.norm`` of ``quote`` starting and ending at word boundaries."""
        at = self.norm.find(quote)
        while at >= 0:
            end = at + len(quote)
            # A quote must not start or end inside a word: "ruce" is not a quote of "truce".
            cut_before = quote[0].isalnum() and at > 0 and self.norm[at - 1].isalnum()
            cut_after = quote[-1].isalnum() and end < len(self.norm) and self.norm[end].isalnum()
            if not (cut_before or cut_after):
                return at
            at = self.norm.find(quote, at + 1)
        return None

    def window_overlaps(self, quote_counts: dict[str, int], size: int) -> list[int]:
        """Multiset overlap of the quote's words with each window of ``size`` words."""
        words = self.words
        inside: dict[str, int] = {}
        overlap = 0
        result: list[int] = []
        for i, word in enumerate(words):
            want = quote_counts.get(word, 0)
            have = inside.get(word, 0)
            if have < want:
                overlap += 1
            inside[word] = have + 1
            if i >= size:
                gone = words[i - size]
                left = inside[gone] - 1
                inside[gone] = left
                if left < quote_counts.get(gone, 0):
                    overlap -= 1
            if i >= size - 1:
                result.append(overlap)
        return result


class SeedCorpus:
    """The seed articles quotes are checked against.

    Build with :meth:`from_dir`, or directly from ``{file name: text}`` in tests.

    Args:
        files: Text of each file by its name relative to the corpus folder.
        name: The folder's name, used in messages (``"seeds"``).
    """

    def __init__(self, files: Mapping[str, str], name: str = "seeds") -> None:
        self.name = name
        self._files = [_SeedFile(file, text) for file, text in sorted(files.items())]

    @classmethod
    def from_dir(cls, path: str | Path) -> SeedCorpus:
        """Load every ``*.txt`` and ``*.md`` file under ``path`` (recursively) except READMEs.

        Hidden files and folders (names starting with ``.``) are skipped.

        Args:
            path: The seed folder.

        Returns:
            The corpus, named after the folder.

        Raises:
            ScenarioError: The folder does not exist, or a file cannot be read as UTF-8.
        """
        root = Path(path)
        if not root.is_dir():
            raise ScenarioError("seed folder not found", file=str(root))
        files: dict[str, str] = {}
        for file in sorted(root.rglob("*")):
            relative = file.relative_to(root)
            if (
                not file.is_file()
                or file.suffix.lower() not in (".txt", ".md")
                or file.name.casefold() == "readme.md"
                or any(part.startswith(".") for part in relative.parts)
            ):
                continue
            try:
                text = file.read_bytes().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ScenarioError(
                    f"seed file is not UTF-8 text (byte offset {exc.start})", file=str(file)
                ) from None
            except OSError as exc:
                raise ScenarioError(
                    f"cannot read seed file: {exc.strerror or exc}", file=str(file)
                ) from None
            files[relative.as_posix()] = text.removeprefix("\ufeff")
        return cls(files, name=root.name or str(root))

    @property
    def files(self) -> list[str]:
        """Names of the files in the corpus, relative to its folder, sorted."""
        return [seed.name for seed in self._files]

    def find(self, quote: str) -> QuoteMatch | None:
        """Where ``quote`` occurs, after :func:`normalise_text` on both sides.

        Leading and trailing ellipses (``…`` or ``...``) and double quotation marks are ignored;
        the match must start and end at word boundaries. Files are searched in name order.

        Args:
            quote: The quote as written in the scenario.

        Returns:
            The first match (similarity 1.0), or ``None`` if the quote is not in any file or is
            empty after normalisation.
        """
        wanted = _prepare_quote(quote)
        if not wanted:
            return None
        for seed in self._files:
            at = seed.find(wanted)
            if at is not None:
                return seed.match(at, at + len(wanted), 1.0)
        return None

    def closest(self, quote: str) -> QuoteMatch:
        """The passage most similar to ``quote``, of about its length.

        Windows of as many words as the quote are ranked by how many of the quote's words they
        share. Each of the best few distinct windows, and its span re-aligned word by word with
        :class:`difflib.SequenceMatcher`, is compared with the quote character by character
        (after :func:`normalise_text`); the most similar wins, with that similarity.

        Args:
            quote: The quote as written in the scenario.

        Returns:
            The closest passage; ``QuoteMatch("", 0, "", 0.0)`` if the corpus or the quote has
            no words.
        """
        wanted = _prepare_quote(quote)
        quote_words = _WORD_RE.findall(wanted)
        if not quote_words:
            return QuoteMatch("", 0, "", 0.0)
        counts: dict[str, int] = {}
        for word in quote_words:
            counts[word] = counts.get(word, 0) + 1

        ranked: list[tuple[int, int, int, int]] = []  # (overlap, -file, -start, size)
        for number, seed in enumerate(self._files):
            size = min(len(quote_words), len(seed.words))
            if size == 0:
                continue
            overlaps = seed.window_overlaps(counts, size)
            ranked.extend(
                (overlap, -number, -start, size) for start, overlap in enumerate(overlaps)
            )
        if not ranked:
            return QuoteMatch("", 0, "", 0.0)

        # The best windows cluster (a window shifted by one word shares most words), so take
        # the best few that do not overlap: distinct passages, not one passage several times.
        candidates: list[tuple[int, int, int]] = []  # (file, first word, size)
        for _, neg_number, neg_start, size in heapq.nlargest(_CANDIDATES * 16, ranked):
            number, start = -neg_number, -neg_start
            if all(n != number or abs(f - start) >= size for n, f, _ in candidates):
                candidates.append((number, start, size))
                if len(candidates) == _CANDIDATES:
                    break

        n_quote = len(quote_words)
        matcher = SequenceMatcher(autojunk=False)
        matcher.set_seq2(quote_words)
        best: tuple[float, int, int, int] | None = None  # (similarity, file, start, end)
        for number, start, size in candidates:
            seed = self._files[number]
            count = len(seed.words)
            spans = {(start, start + size - 1)}
            # Align the quote's words with the window and a little around it, then widen the
            # span by the quote's unmatched edge words, so "24 of its" still yields "23 of its"
            # and the passage has about the quote's length.
            offset = max(0, start - _SLACK)
            matcher.set_seq1(seed.words[offset : min(count, start + size + _SLACK)])
            blocks = [block for block in matcher.get_matching_blocks() if block.size]
            if blocks:
                first = offset + blocks[0].a - blocks[0].b
                last_block = blocks[-1]
                last = offset + last_block.a + last_block.size - 1
                last += n_quote - (last_block.b + last_block.size)
                spans.add((max(0, first), min(count - 1, last)))
            for first, last in sorted(spans):
                begin, end = seed.word_starts[first], seed.word_ends[last]
                text = seed.norm[begin:end]
                similarity = SequenceMatcher(None, wanted, text, autojunk=False).ratio()
                if best is None or similarity > best[0]:
                    best = (similarity, number, begin, end)
        assert best is not None  # ranked is non-empty, so some window was scored
        similarity, number, start, end = best
        return self._files[number].match(start, end, similarity)


def check_quotes(
    quotes: Iterable[tuple[str, str, int | None, str]], corpus: SeedCorpus
) -> list[Problem]:
    """Report every quote that is not in the seed corpus.

    Args:
        quotes: ``(quote_text, scenario_file, scenario_line, dotted_path)`` for each quote.
        corpus: The seed articles.

    Returns:
        One :class:`~ceasefire_sim.errors.Problem` per quote not found (at the quote's file,
        line and path), naming the closest passage; empty if every quote is found.
    """
    problems: list[Problem] = []
    for text, file, line, path in quotes:
        text = str(text)
        if not _prepare_quote(text):
            message = f"quote is empty; give text copied verbatim from {corpus.name}/"
        elif corpus.find(text) is not None:
            continue
        else:
            message = f'quote not found in {corpus.name}/: "{_clip(text)}"'
            near = corpus.closest(text)
            if near.text:
                message += (
                    f"; closest passage ({near.file}:{near.line}, {near.similarity:.0%} similar): "
                    f'"{_clip(near.text)}"'
                )
            else:
                message += f" ({corpus.name}/ has no text to quote)"
        problems.append(Problem(file=file, line=line, path=path, message=message))
    return problems
