"""Event titles in headline style: present tense, agreement, no articles, reported events."""

from __future__ import annotations

from datetime import date as D

import pytest

from app.events.extraction import _load_inflection, extract_events
from tests.events.test_extraction import day


@pytest.mark.parametrize(
    ("past", "base"),
    [
        ("arrived", "arrive"),
        ("met", "meet"),
        ("agreed", "agree"),
        ("released", "release"),
        ("stunned", "stun"),
        ("issued", "issue"),
        ("announced", "announce"),
        ("declared", "declare"),
        ("negotiated", "negotiate"),
        ("created", "create"),
        ("visited", "visit"),
        ("targeted", "target"),
        ("provided", "provide"),
        ("persuaded", "persuade"),
        ("ended", "end"),
        ("aided", "aid"),
        ("welcomed", "welcome"),
        ("claimed", "claim"),
        ("declined", "decline"),
        ("detained", "detain"),
        ("invoked", "invoke"),
        ("attacked", "attack"),
        ("described", "describe"),
        ("fired", "fire"),
        ("required", "require"),
        ("repaired", "repair"),
        ("captured", "capture"),
        ("entered", "enter"),
        ("carried", "carry"),
        ("exchanged", "exchange"),
        ("seized", "seize"),
        ("ruled", "rule"),
        ("handled", "handle"),
        ("failed", "fail"),
        ("voted", "vote"),
        ("executed", "execute"),
        ("committed", "commit"),
        ("killed", "kill"),
        ("passed", "pass"),
        ("added", "add"),
        ("controlled", "control"),
        ("taken", "take"),
        ("begun", "begin"),
        ("withdrew", "withdraw"),
        ("struck", "strike"),
    ],
)
def test_past_forms_to_base_forms(past, base):
    assert _load_inflection("en").base(past) == base


@pytest.mark.parametrize(
    ("base", "singular"),
    [
        ("meet", "meets"),
        ("reach", "reaches"),
        ("pass", "passes"),
        ("carry", "carries"),
        ("say", "says"),
        ("veto", "vetoes"),
        ("have", "has"),
        ("be", "is"),
        ("go", "goes"),
    ],
)
def test_third_person_singular(base, singular):
    inflection = _load_inflection("en")
    assert inflection.present(base, plural=False) == singular
    assert inflection.present(base, plural=True) == ("are" if base == "be" else base)


@pytest.mark.parametrize(
    ("sentence", "title"),
    [
        # Agreement: coordinated and plural subjects take the plural.
        ("Trump and Putin met in Anchorage on Friday.", "Trump and Putin meet in Anchorage"),
        ("Putin met Trump in Anchorage on Friday.", "Putin meets Trump in Anchorage"),
        ("Russian forces shelled Kharkiv on Friday.", "Russian forces shell Kharkiv"),
        ("The United States imposed sanctions on Friday.", "United States imposes sanctions"),
        (
            "Negotiators from Moscow and Kyiv held talks on Friday.",
            "Negotiators from Moscow and Kyiv hold talks",
        ),
        ("The second round of talks was shorter on Friday.", "Second round of talks is shorter"),
        # Perfect, passive, progressive, modal, "is to", negation.
        ("Russia has agreed to the plan on Friday.", "Russia agrees to plan"),
        (
            "Moscow and Kyiv had both accepted the deal on Friday.",
            "Moscow and Kyiv both accept deal",
        ),
        ("Five civilians were killed in Kharkiv on Friday.", "Five civilians killed in Kharkiv"),
        ("The truce was not extended on Friday.", "Truce is not extended"),
        ("Zelensky is to visit Washington on Monday.", "Zelensky to visit Washington"),
        ("Russia did not attend the summit on Friday.", "Russia does not attend summit"),
        ("Putin has not signed the deal on Friday.", "Putin has not signed deal"),
        # Reported speech: a reported event is the headline; states and plans keep the sayer.
        ("Peskov said on Friday that Russia had rejected the plan.", "Russia rejects plan"),
        (
            "Peskov said on Friday that Moscow was studying the plan.",
            "Peskov says Moscow is studying plan",
        ),
        (
            "Peskov said on Friday that Moscow would not accept the plan.",
            "Peskov says Moscow will not accept plan",
        ),
        ("Putin said on Friday he had ordered a truce.", "Putin orders truce"),
        ("Celik said on Friday that the talks had ended.", "Celik says talks end"),
        ("Ukraine said on Friday it had accepted the plan.", "Ukraine says it accepts plan"),
        # Verbs coordinated with the main verb agree with its subject.
        (
            "Zelensky spoke with Trump on Friday and said Kyiv would back a truce.",
            "Zelensky speaks with Trump and says Kyiv will back truce",
        ),
        # The article stays before a quantity ("a year") and a final ordinal.
        ("Russia freed a dozen prisoners on Friday.", "Russia frees a dozen prisoners"),
    ],
)
def test_headline_style(sentence, title):
    (event,) = extract_events(sentence, [day(sentence, _phrase(sentence), D(2025, 3, 14))])
    assert event.title == title


def _phrase(sentence: str) -> str:
    return next(word for word in ("Friday", "Monday") if word in sentence)


def test_a_comma_inside_a_quotation_does_not_end_the_title():
    text = (
        'Zelensky said on Friday that he had held "a positive, very substantive" call with Trump.'
    )
    (event,) = extract_events(text, [day(text, "Friday", D(2025, 3, 14))])
    assert event.title == "Zelensky holds positive, very substantive call with Trump"


def test_a_possessive_date_keeps_its_preposition():
    text = "Ukraine endorsed the ceasefire at last Friday's talks in Jeddah."
    (event,) = extract_events(text, [day(text, "last Friday", D(2025, 3, 14))])
    assert event.title == "Ukraine endorses ceasefire at talks in Jeddah"


def test_a_statement_is_titled_with_its_content():
    text = "The two delegations issued a statement on Friday in which Kyiv backed a truce."
    (event,) = extract_events(text, [day(text, "Friday", D(2025, 3, 14))])
    assert event.title == "Two delegations issue statement; Kyiv backs truce"


def test_a_time_span_before_a_cut_goes_with_it():
    text = "Zelensky said on Friday that shelling continued hours after the announcement."
    (event,) = extract_events(text, [day(text, "Friday", D(2025, 3, 14))])
    assert event.title == "Zelensky says shelling continues"
