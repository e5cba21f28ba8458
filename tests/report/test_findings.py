"""Plain-language findings: exact sentences for known quantities, caution, no overclaiming."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from openblotter.analysis.result import Estimate, Result
from openblotter.report.findings import findings, headline
from openblotter.report.i18n import Numbers
from openblotter.report.render import render_report
from tests.report import samples


def _one(quantity: str, value: float | None, labels: dict[str, str], **kw: object) -> Result:
    return Result("rates-and-benchmarks", (Estimate(quantity, value, labels, **kw),))  # type: ignore[arg-type]


def test_rate_ratio__the_sentence_a_reader_gets() -> None:
    found = findings(samples.rates_result())
    assert found[0] == (
        "Black people were searched at 1.6 times the rate of White people "
        "(95% interval 1.4 to 1.8; 12,345 stops)."
    )
    assert found[2] == (
        "Black people were arrested at 1.25 times the rate of White people (95% interval 0.98 "
        "to 1.55; 12,345 stops). The interval includes 1, so the data do not show a clear "
        "difference."
    )
    assert (
        "Share of stops with searches: 12.0% for Black people, 10.0% for Hispanic people, "
        "and 7.5% for White people." in found
    )


def test_rate_ratio__subject_noun_and_locale() -> None:
    found = findings(samples.rates_result(), subject=("drivers", "driver"), numbers=Numbers("es"))
    assert found[0] == (
        "Black drivers were searched at 1,6 times the rate of White drivers "
        "(95\N{NO-BREAK SPACE}% interval 1,4 to 1,8; 12.345 stops)."
    )


def test_rate_ratio__groups_by_sex_and_age_read_naturally() -> None:
    sex = _one(
        "rate_ratio", 1.3, {"group": "male", "reference": "female", "outcome": "arrest_made"}
    )
    age = _one("rate_ratio", 2.0, {"group": "18-24", "reference": "45-54", "outcome": "frisk"})
    assert findings(sex)[0].startswith("Male people were arrested at 1.3 times the rate of female")
    assert findings(age)[0].startswith(
        "People aged 18 to 24 were frisked at 2.0 times the rate of people aged 45 to 54"
    )


def test_small_n__is_called_imprecise() -> None:
    result = _one(
        "rate_ratio",
        2.5,
        {"group": "black", "reference": "white", "outcome": "search_conducted"},
        interval=(1.1, 5.7),
        n=40,
    )
    assert findings(result)[0].endswith("It rests on few records, so it is imprecise.")


def test_outcome_test__hit_rates_and_differences() -> None:
    found = findings(samples.outcome_result())
    assert found[0] == (
        "Searches of Black people found contraband 6.0 percentage points less often than "
        "searches of White people (95% interval \N{MINUS SIGN}9.0 to \N{MINUS SIGN}3.0; "
        "1,500 searches)."
    )
    assert found[1] == (
        "Among searched people, contraband was found in 12% of searches of Black people and "
        "18% of searches of White people."
    )  # the per-district rates stay in the table


def test_veil__real_result_reads_with_its_limits() -> None:
    text = headline(samples.veil_result(), subject=("drivers", "driver"))
    assert text.startswith(
        "After dark, the odds that a stopped driver was Black rather than White were 0.81 times "
        "those in daylight at the same clock time (95% interval 0.71 to 0.93; 6,384 stops)."
    )
    assert text.endswith("though it does not prove it.")


def test_threshold__difference_and_thresholds() -> None:
    found = findings(samples.threshold_result())
    assert found[0].startswith(
        "The estimated search threshold for Black people was 4.0 percentage points lower than "
        "for White people"
    )
    assert found[0].endswith("A lower threshold means they were searched on less evidence.")
    assert "8.0% for Black people and 12.0% for White people" in found[1]


def test_force__odds_ratio() -> None:
    found = findings(samples.force_result())
    assert found[0].startswith(
        "The odds of force being used for Black people were 1.4 times those for White people"
    )
    assert "do not show a clear difference" in found[1]


def test_officers__count_flagged_and_say_what_it_is_not() -> None:
    estimates = tuple(
        Estimate(
            "officer_ratio",
            1.0 + i / 10,
            {"officer": f"o{i}", "group": "black"},
            (0.9, 1.5),
            n=200,
            extra={"flagged": 1.0 if i < 2 else 0.0},
        )
        for i in range(5)
    )
    found = findings(Result("officer-benchmarking", estimates))
    assert found == [
        "2 of 5 officers compared with peers who worked the same places and times stood out "
        "beyond what chance would explain. Standing out is a pattern to look into, not a finding "
        "of misconduct."
    ]


def test_per_capita__says_per_resident() -> None:
    result = Result(
        "per-capita-rates",
        (
            Estimate(
                "rate_ratio",
                2.1,
                {
                    "measure": "stops",
                    "group": "black",
                    "reference": "white",
                    "geography": "agency",
                    "place": "all",
                },
                (1.9, 2.3),
                n=5000,
            ),
        ),
    )
    assert findings(result)[0].startswith(
        "Black people were stopped at 2.1 times the rate of White people, per resident (95%"
    )


def test_unknown_quantity__gets_a_generic_sentence_or_the_summary() -> None:
    found = findings(samples.odd_result())
    assert found[0] == (
        "Widget index (Shift: Night): 3.5 (95% interval 2.0 to 5.0; 40 records). It rests on "
        "few records, so it is imprecise."
    )
    assert len(found) == 2  # the estimate without a value gets no sentence
    with_summary = Result("new-method", (Estimate("widget_index", 1.0),), summary="Plain words.")
    assert findings(with_summary) == ["Plain words."]
    assert headline(Result("new-method", ())) == "No estimate could be made from the records."


def test_limit__points_to_the_tables() -> None:
    found = findings(samples.rates_result(), limit=2)
    assert found[-1] == "The tables below give all 10 estimates."
    assert len(found) == 3


def test_findings__never_call_a_disparity_discrimination() -> None:
    for item in samples.all_results():
        if isinstance(item, Result):
            for sentence in findings(item):
                assert "discriminat" not in sentence.lower(), sentence
                assert "proves" not in sentence.lower(), sentence


_text = st.text(max_size=30)
_float = st.one_of(
    st.none(), st.floats(allow_nan=True, allow_infinity=True), st.floats(min_value=0, max_value=3)
)
_estimate = st.builds(
    Estimate,
    quantity=st.one_of(
        st.sampled_from(
            [
                "rate_ratio",
                "odds_ratio",
                "dark_odds_ratio",
                "hit_rate",
                "hit_rate_difference",
                "threshold_difference",
                "weighted_threshold",
                "sustain_rate",
                "officer_ratio",
                "flagged_officers",
                "search_rate",
                "stops_per_1000",
                "dark_coefficient",
                "share_light",
                "rate",
            ]
        ),
        st.from_regex(r"[a-z_]{1,20}", fullmatch=True),
    ),
    value=_float,
    labels=st.dictionaries(
        st.sampled_from(
            [
                "group",
                "reference",
                "outcome",
                "place",
                "geography",
                "measure",
                "searches",
                "officer",
                "variant",
            ]
        )
        | _text,
        _text | st.sampled_from(["black", "white", "all", "<script>alert(1)</script>"]),
        max_size=5,
    ),
    interval=st.one_of(
        st.none(),
        st.tuples(_float.filter(lambda x: x is not None), _float.filter(lambda x: x is not None)),
    ),
    level=st.sampled_from([0.9, 0.95]),
    n=st.one_of(st.none(), st.integers(min_value=0, max_value=10**9)),
    extra=st.dictionaries(
        st.sampled_from(["flagged", "z"]), st.floats(allow_nan=False), max_size=2
    ),
)
_result = st.builds(
    Result,
    method=st.sampled_from(
        [
            "rates-and-benchmarks",
            "veil-of-darkness",
            "per-capita-rates",
            "officer-benchmarking",
            "<b>new</b>",
        ]
    ),
    estimates=st.lists(_estimate, max_size=8).map(tuple),
    filters=st.lists(_text, max_size=2).map(tuple),
    caveats=st.lists(_text, max_size=2).map(tuple),
    provenance=st.dictionaries(_text, _text, max_size=2),
    diagnostics=st.dictionaries(_text, st.one_of(_text, st.floats()), max_size=2),
    summary=_text,
)


@settings(max_examples=60, deadline=None)
@given(result=_result)
def test_any_result__gets_sentences_and_renders_inert(result: Result) -> None:
    for sentence in findings(result):
        assert isinstance(sentence, str)
    page = render_report(
        "<script>alert('agency')</script>",
        [result],
        generated_at=samples.GENERATED_AT,
        provenance={"store": "<i>duckdb</i>"},
    )
    assert "<script" not in page.lower()
    assert "<i>" not in page
    assert page.count("<h1>") == 1
