"""Answers to the necessity and fairness questions, and which answers say "not fair".

The engine asks the questions (rules/necessity.py and rules/fairness.py); people answer them.
For the questions with a yes-or-no answer, this table gives the answer a fair, necessary
sharing needs. Every answer also needs a written explanation: the record is what an auditor
or the ICO would read.
"""

from __future__ import annotations

from typing import Final

# question id -> the answer that supports the sharing
FAVOURABLE_ANSWER: Final = {
    "necessity.without-sharing": "no",
    "necessity.how-many": "yes",
    "fairness.ethical": "yes",
    "fairness.intrusive": "no",
    "fairness.proportionate": "yes",
    "fairness.transparent": "yes",
}
ANSWERS: Final = ("yes", "no")


def has_yes_no_answer(question_id: str) -> bool:
    return question_id in FAVOURABLE_ANSWER


def is_unfavourable(question_id: str, answer: str) -> bool:
    favourable = FAVOURABLE_ANSWER.get(question_id)
    return favourable is not None and answer != favourable
