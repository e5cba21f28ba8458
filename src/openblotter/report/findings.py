"""Plain-language findings: sentences a resident can read, made from a Result's estimates.

``"Black drivers were searched at 1.6 times the rate of White drivers (95% interval 1.4 to 1.8;
12,345 stops)."`` Each sentence states the estimate, its interval and the records behind it, and
then says, where it applies, that the interval includes the value of no difference (1 for a
ratio, 0 for a difference), that the estimate rests on few records, or what a pattern would and
would not show. A disparity is never called discrimination: the method pages and caveats say
what each test can and cannot establish.

Known quantities (rate and odds ratios, the veil of darkness, hit rates, thresholds, sustain
rates, officers compared with peers) have their own sentences; anything else gets a generic one
from the quantity's name. Sentences are templates with named placeholders passed through
:func:`~openblotter.report.i18n.gettext`, and numbers are formatted for the locale, so a
catalogue translates them whole: :func:`findings` and :func:`headline` write in the ``locale``
they are given, or the current one (:func:`~openblotter.report.i18n.use_locale`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from openblotter.report.i18n import (
    DEFAULT_LOCALE,
    Numbers,
    current_locale,
    language_of,
    use_locale,
)
from openblotter.report.i18n import gettext as _
from openblotter.report.quantities import outcome_key, outcome_title, quantity_info
from openblotter.report.sentences import (
    SMALL_N,
    Subject,
    Writer,
    context,
    is_finite,
    overall,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from openblotter.analysis.result import Estimate, Result

__all__ = ["SMALL_N", "Subject", "findings", "headline"]


def _by_quantity(estimates: Sequence[Estimate]) -> dict[str, list[Estimate]]:
    """Estimates by quantity, in the order they come."""
    out: dict[str, list[Estimate]] = {}
    for e in estimates:
        out.setdefault(e.quantity, []).append(e)
    return out


def _ordered(members: list[Estimate]) -> list[Estimate]:
    """One quantity's estimates in the order their sentences should come.

    The plain estimates (no extra context) first, then by outcome in order of appearance, the
    groups with the most records first.
    """
    outcomes: list[str] = []
    for e in members:
        outcome = e.labels.get("outcome", e.labels.get("measure", ""))
        if outcome not in outcomes:
            outcomes.append(outcome)

    def order(e: Estimate) -> tuple[bool, int, int]:
        outcome = e.labels.get("outcome", e.labels.get("measure", ""))
        return (bool(context(e)), outcomes.index(outcome), -(e.n or 0))

    return sorted(members, key=order)


def findings(
    result: Result,
    *,
    numbers: Numbers | None = None,
    subject: Subject = ("people", "person"),
    limit: int = 8,
    locale: str | None = None,
) -> list[str]:
    """The result's findings, most telling first, at most ``limit`` (then a pointer to the tables).

    Sentences come from the estimates that are not broken down by place; a result with none of
    the known quantities gives its own ``summary`` (which analyses write in English, so in
    another language generic sentences for its first estimates come first), or generic
    sentences. An estimate without a value gets none. The sentences are in ``locale`` (default:
    the current locale), and so are the numbers unless ``numbers`` says otherwise.
    """
    with use_locale(locale) as current:
        return _findings(result, numbers or Numbers(current), subject, limit)


def _findings(result: Result, numbers: Numbers, subject: Subject, limit: int) -> list[str]:
    w = Writer(result, numbers, subject)
    whole = overall(result.estimates) or list(result.estimates)
    groups = _by_quantity([e for e in whole if is_finite(e.value)])
    out: list[str] = []
    single: list[tuple[str, Callable[[Estimate], str]]] = [
        ("dark_odds_ratio", w.veil),
        ("rate_ratio", w.rate_ratio),
        ("odds_ratio", w.odds_ratio),
        ("threshold_difference", w.difference),
        ("hit_rate_difference", w.difference),
    ]
    for quantity, build in single:
        out.extend(filter(None, (build(e) for e in _ordered(groups.pop(quantity, [])))))
    if "hit_rate" in groups:
        out.extend(
            w.shares(
                groups.pop("hit_rate"),
                _("Among searched {noun}, contraband was found in {items}"),
                _("{value} of searches of {group}"),
            )
        )
    if "weighted_threshold" in groups:
        out.extend(
            w.shares(
                groups.pop("weighted_threshold"),
                _(
                    "Estimated search thresholds (how likely contraband had to be "
                    "before officers searched): {items}"
                ),
                _("{value} for {group}"),
            )
        )
    officers = [e for e in result.estimates if e.quantity == "officer_ratio"]
    flagged = next((e for e in result.estimates if e.quantity == "flagged_officers"), None)
    if officers or flagged is not None:
        groups.pop("officer_ratio", None)
        groups.pop("flagged_officers", None)
        out.append(w.officers(officers, flagged))
    known = bool(out)
    for quantity, estimates in groups.items():
        info = quantity_info(quantity, [e.value for e in estimates])
        if info.kind == "share" and quantity not in ("share_light", "share_dark", "threshold"):
            title = info.title
            outcomes = {e.labels.get("outcome") for e in estimates}
            if quantity == "rate" and len(outcomes) == 1 and None not in outcomes:
                outcome = outcome_key(str(outcomes.pop()))
                title = _("Share with {outcome}").format(
                    outcome=_("force used") if outcome == "force" else outcome_title(outcome)
                )
            out.extend(w.shares(estimates, _("{title}: {items}"), _("{value} for {group}"), title))
            known = True
    if not known:
        english = language_of(current_locale()) == DEFAULT_LOCALE
        if result.summary and english:
            out.append(result.summary)
        else:
            out.extend(w.generic(e) for e in whole[:3] if is_finite(e.value))
            if not out and result.summary:
                out.append(result.summary)
    if len(out) > limit:
        total = len(result.estimates)
        out = out[:limit]
        out.append(
            _("The tables below give all {count} estimates.").format(count=w.numbers.count(total))
        )
    return out


def headline(
    result: Result,
    *,
    numbers: Numbers | None = None,
    subject: Subject = ("people", "person"),
    locale: str | None = None,
) -> str:
    """The one finding that leads the report's summary for this result (in ``locale``)."""
    with use_locale(locale):
        found = findings(result, numbers=numbers, subject=subject, limit=1)
        if found:
            return found[0]
        return _("No estimate could be made from the records.")
