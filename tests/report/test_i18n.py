"""The report in Spanish: a complete catalogue, Spanish pages, and a language that never leaks.

The catalogue is checked against the messages of the report's own source (read with ``ast`` by
:mod:`tests.report.messages`), so adding a sentence without its Spanish fails here; the standard's
code labels and the suite's method titles, which the report translates as data, are checked too.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import polars as pl
import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from openblotter.analysis.result import Estimate, Result
from openblotter.analysis.suite import METHODS
from openblotter.cli.context import AppContext
from openblotter.cli.report import report
from openblotter.errors import ConfigError
from openblotter.report import figure, findings, headline, render_report
from openblotter.report.charts import ChartRow, ChartSpec, data_table
from openblotter.report.i18n import (
    Numbers,
    current_locale,
    gettext,
    languages,
    ngettext,
    use_locale,
)
from openblotter.report.labels import CODELISTS, code_label, group_phrase
from openblotter.report.sections import build_sections
from openblotter.schema import load_standard
from openblotter.storage import initialize, open_store
from openblotter.testing.daylight import daylight_stops
from openblotter.testing.storefill import SYNTHETIC_AGENCY, load_frames
from tests.report import samples
from tests.report.messages import CATALOG, all_messages, placeholders, python_messages

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from babel.messages.catalog import Catalog

    from openblotter.analysis.suite import Failure
    from openblotter.schema import Standard
    from openblotter.settings import Settings

MESSAGES = all_messages()


def _catalog() -> Catalog:
    with CATALOG.open("rb") as handle:
        return read_po(handle, locale="es")


def _code_labels() -> set[str]:
    standard = load_standard()
    return {
        code.label.split(" (")[0]
        for name in CODELISTS
        if name in standard.codelists
        for code in standard.codelist(name).codes
    }


def _render(results: Sequence[Result | Failure], **options: str) -> str:
    return render_report(
        "Synthetic Police Department",
        results,
        generated_at=samples.GENERATED_AT,
        provenance=samples.PROVENANCE,
        **options,  # type: ignore[arg-type]
    )


# --- the catalogue --------------------------------------------------------------------------


def test_extractor__finds_marks_plurals_and_templates_and_skips_computed_calls() -> None:
    found = python_messages()
    assert "{group} were searched at {ratio} times the rate of {reference}" in found  # N_()
    assert "Black {noun}" in found
    assert ("stop", "stops") in found  # Nn_()
    assert (
        "; {clear} of {total} interval excludes {null}",
        "; {clear} of {total} intervals exclude {null}",
    ) in found  # ngettext()
    assert "Key findings" in MESSAGES  # the template's _()
    assert not any(isinstance(m, str) and not m for m in found)
    assert len(MESSAGES) > 200


def test_catalog__parses_with_two_plural_forms_and_nothing_fuzzy_or_empty() -> None:
    catalog = _catalog()
    assert catalog.num_plurals == 2
    assert "es" in languages()
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"empty translation of {message.id!r}"
        assert not message.fuzzy, f"fuzzy translation of {message.id!r}"


@pytest.mark.parametrize("message", sorted(MESSAGES, key=str), ids=str)
def test_catalog__every_message_of_the_report_has_spanish_with_its_placeholders(
    message: str | tuple[str, str],
) -> None:
    entry = _catalog().get(message if isinstance(message, str) else message[0])
    where = ", ".join(MESSAGES[message])
    assert entry is not None, f"no Spanish for {message!r} ({where})"
    if isinstance(message, tuple):
        assert isinstance(entry.string, tuple), f"{message!r} needs plural forms"
        assert len(entry.string) == 2
        want = placeholders(message[0]) | placeholders(message[1])
        for form in entry.string:
            assert form, f"empty plural form for {message!r}"
            assert placeholders(form) == want, (message, form)
    else:
        assert isinstance(entry.string, str)
        assert entry.string.strip(), f"empty Spanish for {message!r} ({where})"
        assert placeholders(entry.string) == placeholders(message), (message, entry.string)


def test_catalog__translates_every_code_label_and_method_title_the_report_shows() -> None:
    catalog = _catalog()
    shown = _code_labels() | {spec.title for spec in METHODS.values()}
    missing = sorted(t for t in shown if not getattr(catalog.get(t), "string", ""))
    assert not missing, f"no Spanish for {missing}"


def test_catalog__has_no_stale_entries() -> None:
    known = {m if isinstance(m, str) else m[0] for m in MESSAGES}
    known |= _code_labels() | {spec.title for spec in METHODS.values()}
    stale = sorted(m.id if isinstance(m.id, str) else m.id[0] for m in _catalog() if m.id)
    assert not [m for m in stale if m not in known]


# --- words in Spanish -----------------------------------------------------------------------


def test_gettext__translates_in_the_current_locale_only() -> None:
    assert gettext("Key findings") == "Key findings"
    with use_locale("es"):
        assert current_locale() == "es"
        assert gettext("Key findings") == "Conclusiones principales"
        assert ngettext("stop", "stops", 1) == "parada"
        assert ngettext("stop", "stops", 3) == "paradas"
        assert gettext("a message nobody translated") == "a message nobody translated"
    with use_locale("es_US"):
        assert gettext("Key findings") == "Conclusiones principales"
    assert gettext("Key findings") == "Key findings"


def test_groups__read_naturally_in_spanish() -> None:
    with use_locale("es"):
        assert group_phrase("black", "conductores") == "conductores de raza negra"
        assert group_phrase("hispanic", "personas") == "personas de origen hispano"
        assert group_phrase("18-24", "personas") == "personas de 18 a 24 años"
        assert group_phrase("male", "peatones") == "peatones de sexo masculino"
        assert group_phrase("unknown", "personas") == "personas de la categoría «Desconocida»"
        assert code_label("asian/pacific islander") == "Asiática o de las islas del Pacífico"
        assert code_label("Precinct 5") == "Precinct 5"
    assert group_phrase("black", "drivers") == "Black drivers"


def test_findings__in_the_locale_given_or_the_current_one() -> None:
    result = samples.rates_result()
    spanish = (
        "La tasa de registros de conductores de raza negra fue 1,6 veces la de conductores de "
        "raza blanca (intervalo del 95\N{NO-BREAK SPACE}%: 1,4 a 1,8; 12.345 paradas)."
    )
    assert findings(result, subject=("drivers", "driver"), locale="es")[0] == spanish
    with use_locale("es"):
        assert findings(result, subject=("drivers", "driver"))[0] == spanish
        assert headline(result, subject=("drivers", "driver")) == spanish
    # numbers alone do not change the language of the words
    english = findings(result, subject=("drivers", "driver"), numbers=Numbers("es"))[0]
    assert english.startswith("Black drivers were searched at 1,6 times the rate")


def test_findings__the_veil_sentence_and_small_counts_in_spanish() -> None:
    found = findings(samples.veil_result(), subject=("drivers", "driver"), locale="es")
    assert found[0].startswith(
        "Después del anochecer, las probabilidades (odds) de que un conductor parado por la "
        "policía fuera de la categoría «Negra» y no «Blanca» fueron "
    )
    small = Result(
        "rates-and-benchmarks",
        (
            Estimate(
                "rate_ratio",
                2.5,
                {"group": "black", "reference": "white", "outcome": "frisk"},
                (0.9, 6.1),
                n=40,
            ),
        ),
    )
    (sentence,) = findings(small, locale="es")
    assert sentence.startswith("La tasa de cacheos de personas de raza negra fue 2,50 veces")
    assert "(intervalo del 95\N{NO-BREAK SPACE}%: 0,90 a 6,10; 40 paradas)" in sentence
    assert "El intervalo incluye el 1" in sentence
    assert sentence.endswith("Se basa en pocos datos, así que es imprecisa.")


def test_findings__an_english_summary_gives_way_to_spanish_sentences() -> None:
    result = dataclasses.replace(samples.odd_result(), summary="The widgets went up.")
    assert findings(result) == ["The widgets went up."]
    spanish = findings(result, locale="es")
    assert spanish
    assert "The widgets went up." not in spanish
    assert spanish[0].startswith("Widget index (Shift: Night): 3,5")


def test_charts__table_headings_and_summary_in_spanish() -> None:
    spec = ChartSpec(
        "c",
        "Razón de tasas",
        (ChartRow("Negra", 1.6, 1.4, 1.8, n=12_345), ChartRow("Hispana", 1.1, 0.9, 1.3, n=99)),
        unit="ratio",
        null=1.0,
    )
    table = str(data_table(spec, locale="es"))
    for heading in ("Grupo", "Estimación", "Intervalo del 95\N{NO-BREAK SPACE}%", "Registros"):
        assert f'<th scope="col">{heading}</th>' in table
    assert "1,40 a 1,80" in table
    drawn = str(figure(spec, locale="es"))
    assert "Razón de tasas: 2 estimaciones, desde 1,10 para Hispana hasta 1,60 para Negra" in drawn
    assert "; 1 de 2 intervalos excluye el 1." in drawn
    assert "Negra: 1,60 (1,40 a 1,80)" in drawn
    assert '<th scope="col">Group</th>' in str(data_table(spec))


def test_sections__titles_and_panels_in_spanish() -> None:
    (section,) = build_sections([samples.rates_result()], locale="es")
    assert section.title == "Resultados de las paradas por grupo"
    titles = [p.title for p in section.panels]
    assert "Proporción de paradas con registros" in titles
    assert any(t.startswith("Razón de tasas (Comparado con: Blanca)") for t in titles)
    assert section.provenance[0] == ("Agencia", "zz_synthetic_pd")
    assert section.caveats == ("Rates among stops say nothing about who was not stopped.",)


# --- the page -------------------------------------------------------------------------------


def test_page__in_spanish_with_lang_es_spanish_sentences_and_numbers() -> None:
    page = _render([samples.rates_result(), samples.veil_result(), samples.failure()], locale="es")
    assert '<html lang="es">' in page
    assert "<title>Paradas, registros y uso de la fuerza: lo que muestran los datos de " in page
    assert "Conclusiones principales" in page
    assert " veces la de " in page
    assert "1,6" in page  # decimal comma
    assert "12.345" in page  # grouping point
    assert "12,0\N{NO-BREAK SPACE}%" in page
    assert "1 de marzo de 2026" in page
    assert "times the rate" not in page
    assert "Key findings" not in page
    # what the analyses wrote stays English, and says so
    assert '<ul lang="en"><li>Rates among stops say nothing about who was not stopped.' in page
    assert '<ul lang="en"><li>Stops with a known subject race</li>' in page
    assert (
        '<span lang="en">The agency does not record which officers made each stop.</span>' in page
    )


def test_page__the_locale_does_not_leak_between_renders() -> None:
    results: list[Result | Failure] = [samples.rates_result(), samples.failure()]
    spanish = _render(results, locale="es")
    english = _render(results)
    assert " veces la de " in spanish
    assert '<html lang="en">' in english
    assert "Black people were searched at 1.6 times the rate of White people" in english
    assert "veces" not in english
    assert "Conclusiones" not in english
    assert 'lang="en"><li>' not in english  # nothing to mark on an English page
    assert current_locale() == "en"
    with pytest.raises(ConfigError):
        _render(results, locale="zz_ZZ")
    assert current_locale() == "en"


def test_page__renders_in_both_languages_at_once_from_threads() -> None:
    results: list[Result | Failure] = [samples.rates_result()]
    codes = ["es", "en"] * 6
    with ThreadPoolExecutor(max_workers=4) as pool:
        pages = list(pool.map(lambda code: _render(results, locale=code), codes))
    for code, page in zip(codes, pages, strict=True):
        assert f'<html lang="{code}">' in page
        assert (" veces la de " in page) == (code == "es")


def test_use_locale__restores_the_previous_locale_on_error_and_rejects_unknown_ones() -> None:
    with pytest.raises(RuntimeError), use_locale("es"):
        raise RuntimeError
    assert current_locale() == "en"
    with pytest.raises(ConfigError), use_locale("zz_ZZ"):
        pass
    with use_locale("es"), use_locale(None):
        assert current_locale() == "es"


# --- blotter report --locale ------------------------------------------------------------------


@pytest.fixture
def loaded(store_settings: Settings, standard: Standard, tmp_path: Path) -> Settings:
    """A store holding synthetic vehicle stops of the synthetic agency."""
    stops = daylight_stops(3_000, seed=11, dark_odds_ratio=0.8)
    ids = pl.Series("stop_id", [f"s{i:06d}" for i in range(stops.height)])
    frames = {
        "stops": stops.select("date", "time", "lat", "lng", "district")
        .with_columns(ids)
        .with_columns(type=pl.lit("vehicular")),
        "stop_subjects": stops.select("subject_race").with_columns(ids, subject_seq=pl.lit(1)),
    }
    store = open_store(store_settings)
    try:
        initialize(store, standard)
        work = tmp_path / "work"
        work.mkdir()
        load_frames(store, standard, frames, work)
    finally:
        store.close()
    return store_settings


def _run(settings: Settings, *args: str) -> tuple[int, str, BaseException | None]:
    app = AppContext(settings=settings)
    try:
        result = CliRunner().invoke(report, list(args), obj=app)
    finally:
        app.close()
    return result.exit_code, result.output, result.exception


def test_cli__locale_es_writes_a_spanish_report(loaded: Settings) -> None:
    agency = SYNTHETIC_AGENCY.slug
    methods = "veil-of-darkness,complaint-outcomes"
    code, output, error = _run(loaded, "--agency", agency, "--methods", methods, "--locale", "es")
    assert error is None, output
    assert code == 0
    page = (loaded.data_dir / "reports" / f"{agency}.html").read_text(encoding="utf-8")
    assert '<html lang="es">' in page
    assert "Después del anochecer, las probabilidades (odds) de que un conductor parado" in page
    assert "No se ejecutó." in page
    code, _output, error = _run(loaded, "--agency", agency, "--locale", "fr")
    assert code != 0
    assert isinstance(error, ConfigError)


def test_portal__findings_are_spanish_unless_they_are_the_english_summary() -> None:
    from openblotter.web.i18n import language
    from openblotter.web.pages.results import findings_language, headline_findings

    spanish = language("es")
    saved = samples.rates_result().to_dict()
    found = headline_findings(saved, spanish)
    assert found[0].startswith("La tasa de registros de personas de raza negra fue 1,6 veces")
    assert findings_language(saved, found, spanish) == "es"
    empty = {"method": "new-method", "estimates": [], "summary": "Nothing could be estimated."}
    found = headline_findings(empty, spanish)
    assert found == ["Nothing could be estimated."]
    assert findings_language(empty, found, spanish) == "en"
