"""Sentence builders: one kind of finding each, stated with its evidence and its limits.

:class:`Writer` turns an :class:`~openblotter.analysis.result.Estimate` into a sentence that says
the estimate, its interval and the records behind it (``"Black drivers were searched at 1.6 times
the rate of White drivers (95% interval 1.4 to 1.8; 12,345 stops)."``), then, where it applies,
that the interval includes the value of no difference, that few records are behind it, or what a
pattern would and would not show. Every sentence is a template with named placeholders passed
through :func:`~openblotter.report.i18n.gettext` when it is written, so it comes out in the current
language; numbers are formatted for the locale. The subject noun is given in English
(``("drivers", "driver")``) and said in the current language.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from openblotter.report.i18n import N_, decimals_for
from openblotter.report.i18n import gettext as _
from openblotter.report.quantities import (
    FACET_LABELS,
    GROUP_LABELS,
    HIDDEN_LABELS,
    REFERENCE_LABELS,
    code_label,
    field_title,
    group_phrase,
    is_overall,
    label_value,
    outcome_key,
    outcome_title,
    quantity_info,
    unit_words,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from openblotter.analysis.result import Estimate, Result
    from openblotter.report.i18n import Numbers

__all__ = ["SMALL_N", "Subject", "Writer", "context", "is_finite", "overall"]

SMALL_N = 100
"""Below this many records an estimate is called imprecise, whatever its interval says."""
_MAX_ITEMS = 8

Subject = tuple[str, str]
"""The people the records are about, plural and singular, in English: ``("drivers", "driver")``."""

_NOUNS = {"people": N_("people"), "drivers": N_("drivers"), "pedestrians": N_("pedestrians")}
"""The subject nouns the report knows, in the catalogue (others are shown as given)."""
_STOPPED = {
    "person": N_("a stopped person"),
    "driver": N_("a stopped driver"),
    "pedestrian": N_("a stopped pedestrian"),
}
"""One stopped person of the subject, for the veil of darkness sentence."""

_RATE_RATIO = {
    "stop": N_("{group} were stopped at {ratio} times the rate of {reference}"),
    "search": N_("{group} were searched at {ratio} times the rate of {reference}"),
    "frisk": N_("{group} were frisked at {ratio} times the rate of {reference}"),
    "arrest": N_("{group} were arrested at {ratio} times the rate of {reference}"),
    "citation": N_("{group} were cited at {ratio} times the rate of {reference}"),
    "summons": N_("{group} were given a summons at {ratio} times the rate of {reference}"),
    "warning": N_("{group} were given a warning at {ratio} times the rate of {reference}"),
    "force": N_("Force was used on {group} at {ratio} times the rate for {reference}"),
    "consent_search_requested": N_(
        "{group} were asked to consent to a search at {ratio} times the rate of {reference}"
    ),
    "consent_refused": N_(
        "{group} refused a consent search at {ratio} times the rate of {reference}"
    ),
    "contraband": N_(
        "Searches of {group} found contraband at {ratio} times the rate for {reference}"
    ),
}
_RATE_RATIO_OTHER = N_(
    "The rate of {outcome} for {group} was {ratio} times the rate for {reference}"
)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _label(e: Estimate, names: Sequence[str]) -> str | None:
    return next((e.labels[k] for k in names if e.labels.get(k)), None)


def is_finite(x: float | None) -> bool:
    """Whether ``x`` is a number that can be shown."""
    return x is not None and math.isfinite(x)


def overall(estimates: Sequence[Estimate]) -> list[Estimate]:
    """The estimates about the whole agency (not one place)."""
    return [e for e in estimates if is_overall(e.labels)]


_CONSUMED = {
    *GROUP_LABELS,
    *REFERENCE_LABELS,
    *FACET_LABELS,
    *HIDDEN_LABELS,
    "outcome",
    "measure",
    "geography",
    "variant",
    "finding",
    "adjusted_for",
}
"""Labels a sentence already says (or that readers need not see); others become context."""


def context(e: Estimate) -> str:
    """The estimate's other labels in words (``Searches: consent``); ``all`` values left out."""
    return ", ".join(
        f"{field_title(k)}: {label_value(k, v)}"
        for k, v in e.labels.items()
        if k not in _CONSUMED and v and v != "all"
    )


class Writer:
    """Sentence helpers bound to one result, one locale and one subject noun."""

    def __init__(self, result: Result, numbers: Numbers, subject: Subject) -> None:
        self.result, self.numbers, self.subject = result, numbers, subject

    @property
    def noun(self) -> str:
        """The plural subject noun in the current language (``drivers``)."""
        noun = _NOUNS.get(self.subject[0])
        return _(noun) if noun is not None else self.subject[0]

    @property
    def stopped(self) -> str:
        """One stopped person of the subject, in the current language (``a stopped driver``)."""
        one = _STOPPED.get(self.subject[1])
        if one is not None:
            return _(one)
        return _("a stopped {one}").format(one=self.subject[1])

    def who(self, value: str | None) -> str:
        """A group in words with the subject noun (``Black drivers``)."""
        return group_phrase(value, self.noun) if value else self.noun

    def item_label(self, e: Estimate) -> str:
        """What one item of a list is about: its group, or its other labels."""
        group = _label(e, GROUP_LABELS)
        if group:
            return self.who(group)
        skip = _CONSUMED - {"measure"}
        parts = [
            label_value(k, v) if v != "all" else _("all")
            for k, v in e.labels.items()
            if k not in skip and v
        ]
        return ", ".join(parts) or _("all records")

    def value(self, e: Estimate, kind: str, *extra: float | None) -> tuple[str, ...]:
        """The estimate, its interval bounds and ``extra`` numbers, formatted together."""
        low, high = e.interval if e.interval else (None, None)
        values = (e.value, low, high, *extra)
        if kind in ("share", "points"):
            scaled = [None if v is None else 100 * v for v in values]
            decimals = decimals_for(scaled, most=1)
            if kind == "share":
                return self.numbers.percents(*values, decimals=decimals)
            return self.numbers.points(*values, decimals=decimals)
        return self.numbers.numbers(*values, decimals=decimals_for(values, most=2))

    def evidence(self, e: Estimate, kind: str, *, with_context: bool = True) -> str:
        """`` (95% interval 1.4 to 1.8; 12,345 stops)`` — whatever of it the estimate has."""
        parts = [text] if with_context and (text := context(e)) else []
        if e.interval and all(is_finite(b) for b in e.interval):
            _value, low, high = self.value(e, kind)
            parts.append(
                _("{level} interval {low} to {high}").format(
                    level=self.numbers.level(e.level), low=low, high=high
                )
            )
        if e.n is not None:
            unit = unit_words(quantity_info(e.quantity), e.n)
            parts.append(_("{n} {unit}").format(n=self.numbers.count(e.n), unit=unit))
        return f" ({'; '.join(parts)})" if parts else ""

    def caution(self, e: Estimate, null: float | None) -> str:
        """Sentences on an interval that includes the null and on few records."""
        out = ""
        if null is not None and e.interval and all(is_finite(b) for b in e.interval):
            low, high = sorted(e.interval)
            if low <= null <= high:
                null_text = self.numbers.number(null, 0 if float(null).is_integer() else 2)
                out += " " + _(
                    "The interval includes {null}, so the data do not show a clear difference."
                ).format(null=null_text)
        if e.n is not None and 0 <= e.n < SMALL_N:
            out += " " + _("It rests on few records, so it is imprecise.")
        return out

    def sentence(
        self, main: str, e: Estimate, kind: str, null: float | None, *, with_context: bool = True
    ) -> str:
        """``main`` with its evidence and cautions, as a finished sentence."""
        evidence = self.evidence(e, kind, with_context=with_context)
        return _cap(main) + evidence + "." + self.caution(e, null)

    # --- one builder per kind of finding -----------------------------------------------------

    def rate_ratio(self, e: Estimate) -> str:
        """A rate ratio: ``Black people were searched at 1.6 times the rate of …``."""
        outcome = e.labels.get("outcome") or e.labels.get("measure")
        per_resident = self.result.method == "per-capita-rates" or "measure" in e.labels
        if outcome is None and per_resident:
            outcome = "stop"
        key = outcome_key(outcome) if outcome else ""
        template = _(_RATE_RATIO.get(key, _RATE_RATIO_OTHER))
        (ratio, *_rest) = self.value(e, "ratio")
        main = template.format(
            group=self.who(_label(e, GROUP_LABELS)),
            reference=self.who(_label(e, REFERENCE_LABELS))
            if _label(e, REFERENCE_LABELS)
            else _("the reference group"),
            ratio=ratio,
            outcome=outcome_title(outcome) if outcome else _("the outcome"),
        )
        if per_resident:
            main = _("{sentence}, per resident").format(sentence=main)
        return self.sentence(main, e, "ratio", 1.0)

    def odds_ratio(self, e: Estimate) -> str:
        """``The odds of force being used for Black people were 1.4 times those for …``."""
        if self.result.method == "veil-of-darkness" or e.quantity == "dark_odds_ratio":
            return self.veil(e)
        outcome = e.labels.get("outcome") or ("force_used" if "force" in self.result.method else "")
        what = (
            _("force being used")
            if outcome_key(outcome) == "force"
            else (outcome_title(outcome) if outcome else _("the outcome"))
        )
        (ratio, *_rest) = self.value(e, "ratio")
        reference = _label(e, REFERENCE_LABELS)
        main = _("The odds of {what} for {group} were {ratio} times those for {reference}").format(
            what=what,
            group=self.who(_label(e, GROUP_LABELS)),
            ratio=ratio,
            reference=self.who(reference) if reference else _("the reference group"),
        )
        return self.sentence(main, e, "ratio", 1.0)

    def veil(self, e: Estimate) -> str:
        """``After dark, the odds that a stopped person was Black rather than White were …``."""
        group = code_label(_label(e, GROUP_LABELS) or "")
        reference = code_label(_label(e, REFERENCE_LABELS) or "")
        (ratio, *_rest) = self.value(e, "ratio")
        main = _(
            "After dark, the odds that {stopped} was {group} rather than {reference} were "
            "{ratio} times those in daylight at the same clock time"
        ).format(stopped=self.stopped, group=group, reference=reference, ratio=ratio)
        text = self.sentence(main, e, "ratio", 1.0)
        if e.interval and all(is_finite(b) for b in e.interval) and max(e.interval) < 1.0:
            text += " " + _(
                "That is what officers' seeing race in daylight would produce, though it does "
                "not prove it."
            )
        return text

    def difference(self, e: Estimate) -> str:
        """A hit-rate or threshold difference in percentage points, lower or higher."""
        if e.value is None or not math.isfinite(e.value):
            return ""
        points = self.numbers.points(abs(e.value))[0]
        group, reference = self.who(_label(e, GROUP_LABELS)), _label(e, REFERENCE_LABELS)
        reference_text = self.who(reference) if reference else _("the reference group")
        if e.quantity == "hit_rate_difference":
            template = (
                _(
                    "Searches of {group} found contraband {points} percentage points less "
                    "often than searches of {reference}"
                )
                if e.value < 0
                else _(
                    "Searches of {group} found contraband {points} percentage points more "
                    "often than searches of {reference}"
                )
            )
        else:
            template = (
                _(
                    "The estimated search threshold for {group} was {points} percentage "
                    "points lower than for {reference}"
                )
                if e.value < 0
                else _(
                    "The estimated search threshold for {group} was {points} percentage "
                    "points higher than for {reference}"
                )
            )
        text = self.sentence(
            template.format(group=group, reference=reference_text, points=points), e, "points", 0.0
        )
        clear = e.interval and all(is_finite(b) for b in e.interval) and max(e.interval) < 0
        if e.quantity == "threshold_difference" and clear:
            text += " " + _("A lower threshold means they were searched on less evidence.")
        return text

    def shares(
        self, estimates: Sequence[Estimate], template: str, item: str, title: str = ""
    ) -> list[str]:
        """Sentences listing shares, one per set of estimates that differ only in their item.

        The item is the group when there is one (other labels then split the sentences, named
        in brackets), else whatever labels vary.
        """
        by_names: dict[tuple[str, ...], list[Estimate]] = {}
        for e in estimates:
            by_names.setdefault(tuple(sorted(e.labels)), []).append(e)
        out = []
        for names, members in by_names.items():
            if any(k in GROUP_LABELS for k in names):
                parts: dict[str, list[Estimate]] = {}
                for e in members:
                    parts.setdefault(context(e), []).append(e)
            else:
                parts = {"": members}
            for where, part in parts.items():
                text = self.share_list(part, template, item, title)
                out.append(f"{text[:-1]} ({where})." if where and text.endswith(".") else text)
        return out

    def share_list(
        self, estimates: Sequence[Estimate], template: str, item: str, title: str = ""
    ) -> str:
        """One sentence listing the shares of ``estimates`` (at most eight, then a count)."""
        shown = estimates[:_MAX_ITEMS]
        shares = [e.value for e in shown]
        decimals = decimals_for([None if v is None else 100 * v for v in shares], most=1)
        values = self.numbers.percents(*shares, decimals=decimals)
        items = [
            item.format(value=v, group=self.item_label(e))
            for v, e in zip(values, shown, strict=True)
        ]
        if len(estimates) > len(shown):
            items.append(
                _("{count} more in the table").format(
                    count=self.numbers.count(len(estimates) - len(shown))
                )
            )
        small = any(e.n is not None and 0 <= e.n < SMALL_N for e in shown)
        joined = self.numbers.join(items)
        text = _cap(template.format(items=joined, noun=self.noun, title=title)) + "."
        if small:
            text += " " + _("Some rest on few records and are imprecise.")
        return text

    def officers(self, estimates: Sequence[Estimate], summary: Estimate | None) -> str:
        """How many officers stood out from their peers, and what that does not mean."""

        def flagged(e: Estimate) -> bool:
            if "flagged" in e.extra:
                return e.extra["flagged"] >= 0.5
            return bool(
                e.interval and all(is_finite(b) for b in e.interval) and min(e.interval) > 1
            )

        count = sum(flagged(e) for e in estimates)
        total = self.numbers.count(len(estimates))
        if summary is not None and is_finite(summary.value) and summary.n is not None:
            count, total = int(summary.value or 0), self.numbers.count(summary.n)
        if count == 0:
            return _(
                "None of the {total} officers compared with peers who worked the same places "
                "and times stood out beyond what chance would explain."
            ).format(total=total)
        return _(
            "{count} of {total} officers compared with peers who worked the same places and "
            "times stood out beyond what chance would explain. Standing out is a pattern to "
            "look into, not a finding of misconduct."
        ).format(count=self.numbers.count(count), total=total)

    def generic(self, e: Estimate) -> str:
        """``<Quantity> for <labels>: <value> (…)`` for a quantity without its own sentence."""
        info = quantity_info(e.quantity, [e.value])
        kind = info.kind if info.kind != "coefficient" else "number"
        (value, *_rest) = self.value(e, kind)
        labels = "; ".join(
            f"{field_title(k)}: {label_value(k, v)}"
            for k, v in e.labels.items()
            if v and k not in HIDDEN_LABELS
        )
        main = (_("{title} ({labels}): {value}") if labels else _("{title}: {value}")).format(
            title=info.title, labels=labels, value=value
        )
        return self.sentence(main, e, kind, info.null, with_context=False)
