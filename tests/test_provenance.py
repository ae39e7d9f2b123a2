"""Tests of quote normalisation and lookup in the seed articles."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire_sim.errors import Problem, ScenarioError
from ceasefire_sim.scenario.provenance import (
    QuoteMatch,
    SeedCorpus,
    check_quotes,
    normalise_text,
)

SEEDS = Path(__file__).parents[1] / "seeds"
SEED_NAME = "000_167f27ddf17ea457.txt"


@pytest.fixture(scope="module")
def corpus() -> SeedCorpus:
    return SeedCorpus.from_dir(SEEDS)


# --- normalise_text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Hello  World", "hello world"),
        ("  a\t\n b  ", "a b"),
        (
            "Trump’s ‘word’ “said” „x‟ ‚y‛ «z» 5′ 6″",
            'trump\'s \'word\' "said" "x" \'y\' "z" 5\' 6"',
        ),
        ("a‐b a‑b a‒b a–b a—b a―b a−b", "a-b a-b a-b a-b a-b a-b a-b"),
        ("defen-\nse", "defense"),
        ("defen-  \n  se spending", "defense spending"),
        ("defen—\nse", "defense"),
        ("Ukraine- Russia", "ukraine-russia"),
        ("Ukraine-   Russia", "ukraine-russia"),
        ("2025-\n03", "2025-03"),  # not between letters: hyphen kept, break removed
        ("war - peace", "war -peace"),
        ("STRASSE Straße", "strasse strasse"),
        ("soft\u00adhyphen", "softhyphen"),
        ("non\u00a0breaking", "non breaking"),
        ("a\r\nb", "a b"),
        ("", ""),
        (" \n ", ""),
        ("-", "-"),
        ("trailing- ", "trailing-"),
    ],
)
def test_normalise_text(text: str, expected: str) -> None:
    assert normalise_text(text) == expected


@given(st.text())
def test_normalise_text_is_idempotent_and_tidy(text: str) -> None:
    once = normalise_text(text)
    assert normalise_text(once) == once
    assert once == once.strip()
    assert "  " not in once
    assert "\n" not in once


# --- find -------------------------------------------------------------------------------------


FOUND = [
    ("23 of its 32 members now meeting the 2% GDP defense spending benchmark", 2),
    ("Ukraine has tentatively agreed to a 30-day truce", 3),
    ("Ukraine has tentatively agreed to a 30—day truce", 3),
    ("Ukraine has tentatively agreed to a 30–day truce", 3),
    ("UKRAINE HAS TENTATIVELY AGREED TO A 30-DAY TRUCE", 3),
    ("ukraine   has tentatively\nagreed to a\t30-day truce", 3),
    ("  Ukraine has tentatively agreed to a 30-day truce  ", 3),
    ("“Ukraine has tentatively agreed to a 30-day truce”", 3),
    ("…Ukraine has tentatively agreed to a 30-day truce…", 3),
    ("...Ukraine has tentatively agreed to a 30-day truce...", 3),
    ("Russia's response remains ambiguous", 3),  # seed has a curly apostrophe
    ("Russia’s response remains ambiguous", 3),
    ("Trump‘s insistence that allies meet their financial obligations", 2),
    ("Ukraine-Russia conflict", 1),
    ("Ukraine- Russia conflict", 1),
    ("ukraine – russia conflict".replace(" – ", "– "), 1),
    ("This aligns with his long-standing view", 3),
    ("President Donald Trump", 1),
    ("In a pivotal meeting", 1),
    ("unfair burden in defending Europe.", 3),
    ("while working toward peace in Ukraine.", 5),
]


@pytest.mark.parametrize("quote, line", FOUND)
def test_find_locates_quote(corpus: SeedCorpus, quote: str, line: int) -> None:
    match = corpus.find(quote)
    assert match is not None, quote
    assert match.file == SEED_NAME
    assert match.line == line
    assert match.similarity == 1.0
    unwrapped = re.sub(r'^(\.\.\.|…|"| )+|(\.\.\.|…|"| )+$', "", normalise_text(quote))
    assert normalise_text(match.text) == unwrapped


@pytest.mark.parametrize(
    "quote",
    [
        "Ukraine has tentatively agreed to a 60-day truce",
        "Ukraine has firmly agreed to a 30-day truce",
        "24 of its 32 members now meeting the 2% GDP defense spending benchmark",
        "23 of its 32 members now meeting the 3% GDP defense spending benchmark",
        "Russia has tentatively agreed to a 30-day truce",
        "Ukraine has tentatively agreed to a 30 day truce",
        "Ukraine Russia conflict",
        "ruce",  # inside "truce": not at a word boundary
        "Ukrain",
        "",
        "   ",
        "…",
    ],
)
def test_find_rejects_changed_or_partial_words(corpus: SeedCorpus, quote: str) -> None:
    assert corpus.find(quote) is None


def test_find_reports_start_line_of_quote_spanning_lines(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "# Title\n\nThe defence minis-\nter said the front\nwas stable.\n", encoding="utf-8"
    )
    corpus = SeedCorpus.from_dir(tmp_path)
    match = corpus.find("the defence minister said the front was stable")
    assert match == QuoteMatch("a.md", 3, "The defence minis-\nter said the front\nwas stable", 1.0)


# --- closest ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "quote, line, passage_start",
    [
        ("Ukraine has tentatively agreed to a 60-day truce", 3, "Ukraine has tentatively"),
        (
            "24 of its 30 members now meeting the 3% GDP defence spending benchmark",
            2,
            "23 of its 32",
        ),
        ("Rutte praised Biden for his role in motivating NATO", 2, "Rutte praised Trump"),
        ("Trump insisted that allies must meet their financial obligations", 2, "Trump"),
        ("a summit in Brussels this summer", 4, "a summit in The Hague"),
    ],
)
def test_closest_points_to_right_line(
    corpus: SeedCorpus, quote: str, line: int, passage_start: str
) -> None:
    match = corpus.closest(quote)
    assert match.file == SEED_NAME
    assert match.line == line
    assert match.text.startswith(passage_start)
    assert 0.5 < match.similarity < 1.0
    # "About the quote's length": within two words of it.
    assert abs(len(match.text.split()) - len(quote.split())) <= 2


def test_closest_of_exact_quote_is_similarity_one(corpus: SeedCorpus) -> None:
    match = corpus.closest("Ukraine has tentatively agreed to a 30-day truce")
    assert match.line == 3
    assert match.similarity == pytest.approx(1.0)


def test_closest_similarity_in_unit_interval(corpus: SeedCorpus) -> None:
    for quote in ["zzz qqq", "the", "x " * 400, "NATO " * 3, "!!!"]:
        match = corpus.closest(quote)
        assert 0.0 <= match.similarity <= 1.0


def test_closest_in_empty_corpus() -> None:
    assert SeedCorpus({}).closest("anything") == QuoteMatch("", 0, "", 0.0)


def test_closest_picks_the_right_file() -> None:
    corpus = SeedCorpus(
        {
            "a.txt": "The weather was fine.\nNothing happened at all today.\n",
            "b.txt": "Line one.\nLine two.\nThe front line moved four kilometres west.\n",
        }
    )
    match = corpus.closest("the front line moved five kilometres west")
    assert (match.file, match.line) == ("b.txt", 3)


def test_closest_finds_the_passage_in_a_30kb_corpus() -> None:
    rng = random.Random(1)
    seed_text = (SEEDS / SEED_NAME).read_text(encoding="utf-8")
    vocabulary = sorted(set(seed_text.split()))
    files = {SEED_NAME: seed_text}
    for number in range(10):
        lines = [" ".join(rng.choices(vocabulary, k=rng.randint(8, 40))) for _ in range(20)]
        files[f"{number + 1:03d}_filler.txt"] = "\n".join(lines)
    corpus = SeedCorpus(files)
    assert sum(len(text) for text in files.values()) > 30_000
    quotes = [
        "Ukraine has tentatively agreed to a 60-day truce",
        "24 of its 30 members now meeting the 3% GDP defence spending benchmark",
        "Trump emphasized the importance of diplomacy and maintained a pragmatic position",
    ]
    matches = [corpus.closest(quote) for quote in quotes]
    assert [m.file for m in matches] == [SEED_NAME] * 3
    assert [m.line for m in matches] == [3, 2, 3]
    # Among fillers made of the seed's own words, a misquote (words dropped and swapped) still
    # leads to its passage, not to a filler line. Its speed is measured in benchmarks/, not here.
    misquoted = [
        "Ukraine has agreed tentatively to a truce of 60 days",
        "24 of the 30 members meeting the 3% defence spending benchmark",
    ]
    assert [(m.file, m.line) for m in map(corpus.closest, misquoted)] == [
        (SEED_NAME, 3),
        (SEED_NAME, 2),
    ]


# --- SeedCorpus.from_dir ----------------------------------------------------------------------


def test_from_dir_reads_txt_and_md_except_readme(tmp_path: Path) -> None:
    shutil.copy(SEEDS / SEED_NAME, tmp_path / SEED_NAME)
    (tmp_path / "README.md").write_text("Ukraine has tentatively agreed to peace\n")
    (tmp_path / "notes.md").write_text("Some *markdown* notes.\n")
    (tmp_path / "data.csv").write_text("Only in csv\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.txt").write_text("Deep text here.\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.txt").write_text("Hidden text.\n")
    corpus = SeedCorpus.from_dir(tmp_path)
    assert corpus.files == [SEED_NAME, "notes.md", "sub/deep.txt"]
    assert corpus.name == tmp_path.name
    assert corpus.find("Ukraine has tentatively agreed to peace") is None
    assert corpus.find("only in csv") is None
    assert corpus.find("hidden text") is None
    assert corpus.find("deep text here") == QuoteMatch("sub/deep.txt", 1, "Deep text here", 1.0)


def test_from_dir_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not found"):
        SeedCorpus.from_dir(tmp_path / "nope")


def test_from_dir_non_utf8(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9\n")
    with pytest.raises(ScenarioError) as error:
        SeedCorpus.from_dir(tmp_path)
    assert "bad.txt" in str(error.value)
    assert "UTF-8" in str(error.value)


# --- check_quotes -----------------------------------------------------------------------------


def test_check_quotes_reports_only_missing_quotes(corpus: SeedCorpus) -> None:
    problems = check_quotes(
        [
            ("Ukraine has tentatively agreed to a 30-day truce", "s.yaml", 4, "truce.offer"),
            ("Ukraine has tentatively agreed to a 60-day truce", "s.yaml", 9, "truce.length"),
            ("Ukraine-Russia conflict", "s.yaml", 12, "war.name"),
        ],
        corpus,
    )
    assert len(problems) == 1
    problem = problems[0]
    assert isinstance(problem, Problem)
    assert (problem.file, problem.line, problem.path) == ("s.yaml", 9, "truce.length")
    assert problem.message == (
        'quote not found in seeds/: "Ukraine has tentatively agreed to a 60-day truce"; '
        f"closest passage ({SEED_NAME}:3, 98% similar): "
        '"Ukraine has tentatively agreed to a 30-day truce"'
    )
    assert str(problem).startswith("s.yaml:9: truce.length: quote not found")


def test_check_quotes_empty_quote_and_unknown_line(corpus: SeedCorpus) -> None:
    problems = check_quotes([("  ", "s.yaml", None, "a.quote")], corpus)
    assert len(problems) == 1
    assert "quote" in problems[0].message
    assert "empty" in problems[0].message
    assert str(problems[0]).startswith("s.yaml: a.quote:")


def test_check_quotes_clips_long_text(corpus: SeedCorpus) -> None:
    quote = "Ukraine has tentatively agreed " * 20
    (problem,) = check_quotes([(quote, "s.yaml", 1, "q")], corpus)
    assert "…" in problem.message
    assert len(problem.message) < 500


def test_check_quotes_with_empty_corpus() -> None:
    (problem,) = check_quotes([("anything at all", "s.yaml", 1, "q")], SeedCorpus({}, name="x"))
    assert "quote not found in x/" in problem.message
    assert "no text" in problem.message
