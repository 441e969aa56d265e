from __future__ import annotations

import pytest

from tavusctl.cli.confirm import Cancelled, approve
from tavusctl.core.errors import UsageError


def never_asked(prompt: str) -> str:
    raise AssertionError("the user must not be asked")


class Answer:
    """A user who types ``text`` and remembers the prompts shown."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.asked: list[str] = []

    def __call__(self, prompt: str) -> str:
        self.asked.append(prompt)
        return self.text


def test_auto_approve_goes_ahead_without_asking_even_without_a_terminal() -> None:
    approve("Destroy?", verb="destroy", auto_approve=True, ask=never_asked, isatty=lambda: False)


def test_without_a_terminal_it_refuses_and_names_the_flag() -> None:
    with pytest.raises(UsageError, match="pass --auto-approve to destroy"):
        approve(
            "Destroy?", verb="destroy", auto_approve=False, ask=never_asked, isatty=lambda: False
        )


def test_yes_typed_in_full_approves_and_the_question_is_shown() -> None:
    ask = Answer("yes\n")
    approve("Destroy 2 personas?", verb="destroy", auto_approve=False, ask=ask, isatty=lambda: True)
    assert "Destroy 2 personas?" in ask.asked[0]
    assert "Only 'yes'" in ask.asked[0]


@pytest.mark.parametrize("reply", ["y", "Y", "YES", "no", "", "yes please"])
def test_anything_but_yes_cancels(reply: str) -> None:
    with pytest.raises(Cancelled, match="Apply cancelled"):
        approve("Apply?", verb="apply", auto_approve=False, ask=Answer(reply), isatty=lambda: True)


def test_end_of_input_cancels() -> None:
    def eof(prompt: str) -> str:
        raise EOFError

    with pytest.raises(Cancelled):
        approve("Apply?", verb="apply", auto_approve=False, ask=eof, isatty=lambda: True)
