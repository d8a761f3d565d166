"""The gazetteer: which actors and places a sentence names, under their canonical names.

This module owns the lookup from surface forms ("Zelenskyy", "the Kremlin", "Ukrainian
delegation") to canonical names ("Volodymyr Zelensky", "Russia", "Ukraine"). The names are data,
in `data/<language>/actors.yaml` and `locations.yaml`; this module compiles them once per language
into a single regular expression.

Matching rules:

* whole word: an alias never matches inside a longer word ("US" does not match in "USSR");
* longest alias first: "Russian President Vladimir Putin" is one mention of Vladimir Putin, not
  Russia plus Putin;
* case-sensitive: proper names are capitalised, and "us" is a pronoun, "US" a country;
* a word that is both an actor and a location alias (capitals such as "Moscow", "Kyiv",
  "Washington"; countries such as "Ukraine", "Saudi Arabia") is a location right after one of the
  `locative_words` ("talks in Moscow", "arrived in Kyiv", "the summit in Switzerland") and the
  acting state everywhere else ("Moscow says", "Kyiv backed a proposal");
* names not listed are still found when a title announces them (`person_titles` in actors.yaml:
  "Foreign Minister Hakan Fidan", "Turkish spokesman Omer Celik"): the capitalised words after
  the title are a person, short-named by the last word, affiliated with a state named just
  before the title.

Curators extend the lists through the API (`app/actors`); `Gazetteer.with_actors` merges their
actors and aliases into the YAML ones.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal, NamedTuple

import yaml

DATA_DIR = Path(__file__).parent / "data"

MentionRole = Literal["actor", "location"]

# What precedes a name, read backwards from it (the text before it, reversed): the whitespace
# then an article, and the whitespace then the word before it. Matching the reversed text at its
# start gives what `(?:the|a|an)\s+$` and `([\w'’-]+)\s+$` find at the end of the text, without
# the regex engine trying every position of it.
_ARTICLE_REVERSED = re.compile(r"\s+(?:eht|na|a)", re.IGNORECASE)
_WORD_BEFORE_REVERSED = re.compile(r"\s+([\w'’-]+)")
# How far back to look for the locative word that precedes a name ("in the Kursk region").
_LOOKBEHIND_CHARS = 24
# libyaml's parser when PyYAML was built with it: the same data as `yaml.safe_load`, ten times
# faster (actors.yaml: 66 ms -> 7 ms), which every ingest pays at start-up.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path):
    """The YAML document at `path`, loaded as `yaml.safe_load` loads it."""
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_YAML_LOADER)  # noqa: S506 (a safe loader)


@dataclass(frozen=True, slots=True)
class Actor:
    name: str
    kind: str  # person, state, organisation, armed_group
    short: str  # the name a headline uses: "Putin", "Ukraine"
    affiliation: str | None


class Mention(NamedTuple):
    """One gazetteer name found in a text. Offsets are into the text searched.

    A named tuple rather than a dataclass: an article has hundreds, and a tuple is built
    several times faster."""

    start: int
    end: int
    role: MentionRole
    name: str  # canonical
    actor: Actor | None  # set when role == "actor"


@dataclass(frozen=True, slots=True)
class _Entry:
    actor: Actor | None
    location: str | None


class Gazetteer:
    """Compiled actor and location names of one language. Build with `load_gazetteer`."""

    def __init__(
        self,
        actors: Iterable[tuple[Actor, Iterable[str]]],
        locations: Iterable[tuple[str, Iterable[str]]],
        locative_words: Iterable[str],
        person_titles: Iterable[str] = (),
        not_names: Iterable[str] = (),
    ) -> None:
        actors = [(actor, tuple(aliases)) for actor, aliases in actors]
        locations = [(name, tuple(aliases)) for name, aliases in locations]
        # Kept so that `with_actors` can build a gazetteer with more names on the same base.
        self._sources = (
            actors,
            locations,
            tuple(locative_words),
            tuple(person_titles),
            tuple(not_names),
        )
        self._not_names = frozenset(not_names)
        entries: dict[str, _Entry] = {}
        self.actors: dict[str, Actor] = {}
        for actor, aliases in actors:
            self.actors[actor.name] = actor
            for alias in aliases:
                # The first actor listed for an alias keeps it ("President Putin" stays Putin's).
                if alias not in entries:
                    entries[alias] = _Entry(actor=actor, location=None)
        for name, aliases in locations:
            for alias in aliases:
                current = entries.get(alias)
                if current is None:
                    entries[alias] = _Entry(actor=None, location=name)
                elif current.location is None:
                    entries[alias] = _Entry(actor=current.actor, location=name)
        self._entries = entries
        # What a match of each alias becomes, after its offsets: (role, name, actor) for an
        # actor or a location, and for an alias that names both, the pair (as a location, as
        # an actor), chosen by the word before it.
        self._mentions: dict[str, tuple] = {}
        for alias, entry in entries.items():
            as_location = ("location", entry.location, None)
            as_actor = ("actor", entry.actor.name, entry.actor) if entry.actor else None
            if entry.location is None:
                self._mentions[alias] = as_actor  # type: ignore[assignment]
            elif as_actor is None:
                self._mentions[alias] = as_location
            else:
                self._mentions[alias] = (as_location, as_actor)
        self.persons_by_short = {
            actor.short: actor.name for actor in self.actors.values() if actor.kind == "person"
        }
        self._locative_words = frozenset(word.lower() for word in locative_words)
        self._pattern = re.compile(r"(?<!\w)" + _trie_pattern(entries) + r"(?!\w)")
        self._unknown_person = (
            re.compile(
                r"(?<!\w)(?:" + _trie_pattern(person_titles) + r")[ ]"
                r"((?:[A-Z][a-z\w'’-]+[ ]){0,2}[A-Z][a-z][\w'’-]*)(?!\w)"
            )
            if person_titles
            else None
        )

    def with_actors(self, extra: Iterable[tuple[Actor, Iterable[str]]]) -> Gazetteer:
        """This gazetteer plus `extra` actors; an extra actor with a known name adds aliases."""
        actors, locations, locative_words, person_titles, not_names = self._sources
        by_name = {actor.name: (actor, list(aliases)) for actor, aliases in actors}
        # Curators' aliases come first, so they win an alias two actors claim.
        merged: list[tuple[Actor, list[str]]] = []
        for actor, aliases in extra:
            known = by_name.pop(actor.name, None)
            if known is not None:
                merged.append((known[0], [*aliases, *known[1]]))
            else:
                merged.append((actor, list(aliases)))
        merged.extend(by_name.values())
        return Gazetteer(merged, locations, locative_words, person_titles, not_names)

    def names(self) -> list[tuple[Actor, tuple[str, ...]]]:
        """Every actor with its aliases, as loaded."""
        return list(self._sources[0])

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[Mention]:
        """All actor and location mentions in `text[start:end]`, in order of appearance."""
        end = len(text) if end is None else end
        mentions: list[Mention] = []
        append = mentions.append
        found = self._mentions
        new = tuple.__new__  # what Mention(...) calls, without its Python-level __new__
        for match in self._pattern.finditer(text, start, end):
            span = match.span()
            tail = found[match.group()]
            if len(tail) == 2:  # a location after a locative word, an actor elsewhere
                tail = tail[0] if self._after_locative_word(text, span[0]) else tail[1]
            append(new(Mention, span + tail))
        if self._unknown_person is not None:
            mentions = self._with_unknown_persons(text, start, end, mentions)
        return mentions

    def _with_unknown_persons(
        self, text: str, start: int, end: int, mentions: list[Mention]
    ) -> list[Mention]:
        """Add "<title> <Capitalised Name>" persons the lists do not know (rule-based)."""
        found = []
        absorbed: set[int] = set()
        # Mentions come from one regex scan: sorted and not overlapping, so the only one that
        # can overlap a span, or end right before it, is the last one starting before it.
        starts = [m.start for m in mentions]
        for match in self._unknown_person.finditer(text, start, end):
            name_start, name_end = match.span(1)
            last = bisect_left(starts, name_end) - 1
            if last >= 0 and mentions[last].end > name_start:
                continue
            name = match.group(1)
            words = name.split()
            # A known alias, a month or an institution after the title is not a new person
            # ("President Trump", "Minister March", "the General Staff").
            if name in self._entries or any(word in self._not_names for word in words):
                continue
            # The mention spans the title, and a state right before it gives the affiliation:
            # "Turkish spokesman Omer Celik" is one person of Turkey, not Turkey plus a person.
            mention_start, affiliation = match.start(), None
            before: int | None = bisect_left(starts, match.start() - 1) - 1
            if before is not None and (before < 0 or mentions[before].end != match.start() - 1):
                before = None
            if before is not None and text[match.start() - 1] == " ":
                state = mentions[before].actor
                if state is not None and state.kind != "person":
                    mention_start, affiliation = mentions[before].start, state.name
                    absorbed.add(before)
            actor = self.actors.get(name) or Actor(name, "person", words[-1], affiliation)
            found.append(Mention(mention_start, name_end, "actor", actor.name, actor))
        if not found:
            return mentions
        kept = [m for index, m in enumerate(mentions) if index not in absorbed]
        return sorted([*kept, *found], key=lambda mention: mention.start)

    def _after_locative_word(self, text: str, position: int) -> bool:
        before = text[max(0, position - _LOOKBEHIND_CHARS) : position][::-1]
        article = _ARTICLE_REVERSED.match(before)
        if article is not None:
            before = before[article.end() :]
        match = _WORD_BEFORE_REVERSED.match(before)
        return match is not None and match.group(1)[::-1].lower() in self._locative_words


def _trie_pattern(aliases: Iterable[str]) -> str:
    """One regular expression for many literal aliases, as a character trie.

    A flat alternation of ~1,000 aliases makes the regex engine try every alias at every position
    of the text; the trie fails after one character at most positions, which makes whole-article
    matching about an order of magnitude faster. Where one alias is a prefix of another, the
    longer branch is tried first, so the longest alias wins.
    """
    trie: dict = {}
    for alias in aliases:
        node = trie
        for char in alias:
            node = node.setdefault(char, {})
        node[""] = {}  # end of an alias

    def build(node: dict) -> str:
        branches = [re.escape(char) + build(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # Greedy "?": the longer alias is tried first, the one ending here is the fallback.
        return "(?:" + body + ")?" if "" in node else body

    return build(trie)


def _person_aliases(entry: dict) -> list[str]:
    """A person's aliases plus every "<title> <alias>" and "<title>, <full name>"."""
    aliases = list(entry["aliases"])
    full_names = [alias for alias in entry["aliases"] if " " in alias] or aliases
    for title in entry.get("titles", ()):
        aliases.extend(f"{title} {alias}" for alias in entry["aliases"])
        aliases.extend(f"{title}, {name}" for name in full_names)
    return aliases


@cache
def load_gazetteer(language: str = "en") -> Gazetteer:
    """The gazetteer of `language`, compiled once per process."""
    directory = DATA_DIR / language
    if not (directory / "actors.yaml").is_file():
        raise ValueError(f"no gazetteer for language {language!r}")
    names_data = read_yaml(directory / "actors.yaml")
    actor_data = names_data["actors"]
    location_data = read_yaml(directory / "locations.yaml")
    actors = []
    for entry in actor_data:
        actor = Actor(
            name=entry["name"],
            kind=entry["kind"],
            short=entry.get("short", entry["name"]),
            affiliation=entry.get("affiliation"),
        )
        aliases = _person_aliases(entry) if actor.kind == "person" else entry["aliases"]
        actors.append((actor, aliases))
    locations = [(entry["name"], entry["aliases"]) for entry in location_data["locations"]]
    return Gazetteer(
        actors,
        locations,
        location_data["locative_words"],
        names_data.get("person_titles", ()),
        names_data.get("not_names", ()),
    )
