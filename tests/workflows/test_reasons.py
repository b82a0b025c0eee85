"""A refusal's words: the English sentence itself, with the template and parameters a server
fills in another language."""

from __future__ import annotations

import pickle

from workflows.reasons import Reason, channel, choices, english, field
from workflows.states import Action, State


def test_a_reason_is_its_english_sentence_and_keeps_what_it_was_filled_from():
    r = Reason("the step '%(action)s' cannot be taken on a case that is %(state)s",
               action=Action.DEPT_ACCEPT, state=State.RETURN_REQUESTED)
    assert r == "the step 'take on' cannot be taken on a case that is return requested"
    assert isinstance(r, str) and "take on" in r
    assert r.template.startswith("the step '%(action)s'")
    assert r.params == {"action": Action.DEPT_ACCEPT, "state": State.RETURN_REQUESTED}
    again = pickle.loads(pickle.dumps(r))
    assert (again, again.template, again.params) == (r, r.template, r.params)


def test_parameters_in_english():
    assert english(field("note")) == "'note'"  # as the API spells it
    assert english(channel("hotline")) == "hotline"
    assert english(choices(["normal", "high"])) == "normal, high"
    assert english(State.CLOSED) == "closed" and english(500) == "500"
    assert Reason("no timer change to record") == "no timer change to record"
