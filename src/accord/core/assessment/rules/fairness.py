"""Fairness and transparency: UK GDPR Art 5(1)(a). If it is not fair, it is not lawful.

Fairness is a judgement people must make; the rule asks the four questions and points at the
facts of this initiative that bear on each answer.
"""

from __future__ import annotations

from accord.core.assessment.outcome import Question
from accord.core.assessment.rules.context import CRIME_PURPOSES, VULNERABLE_SUBJECTS, Context

PRINCIPLE = "eur/2016/679/article/5/1/a"


def fairness_questions(ctx: Context) -> tuple[Question, ...]:
    """UK GDPR Art 5(1)(a) and the ICO data sharing code, "Fairness and transparency"."""
    initiative = ctx.initiative
    sources = ctx.cite(PRINCIPLE)
    ethical_concerns = []
    if initiative.concerns(*VULNERABLE_SUBJECTS):
        ethical_concerns.append(
            "Children or people at risk are involved: their best interests come first, and they "
            "may not understand or be able to object."
        )
    intrusive_concerns = []
    if initiative.special_categories:
        intrusive_concerns.append(
            f"Special category data ({', '.join(sorted(initiative.special_categories))}) is shared."
        )
    if initiative.has_criminal_offence_data:
        intrusive_concerns.append("Criminal offence data can follow a person for life.")
    if initiative.volume == "bulk":
        intrusive_concerns.append("Bulk sharing covers people who are of no concern.")
    proportion_concerns = []
    if initiative.volume != "case-by-case" and initiative.frequency in ("regular", "continuous"):
        proportion_concerns.append(
            "Regular sharing of many records needs a clear, measured benefit."
        )
    transparency_concerns = []
    if initiative.consent == "none":
        transparency_concerns.append(
            "People are not asked: privacy notices of every party must say who shares what, why, "
            "and with whom (UK GDPR Art 13 and 14)."
        )
    if initiative.serves(*CRIME_PURPOSES):
        transparency_concerns.append(
            "Telling a person may be withheld only case by case, where telling them would "
            "prejudice preventing or detecting crime (DPA 2018 Sch 2 para 2)."
        )
    return (
        Question(
            "fairness.ethical",
            "Is it ethical: would the people concerned, and the public, think it right?",
            ("Consider people's reasonable expectations and any adverse effect on them.",),
            tuple(ethical_concerns),
            sources,
        ),
        Question(
            "fairness.intrusive",
            "Is it unfairly intrusive into people's private lives?",
            ("Consider what is shared, about whom, and what could follow from it.",),
            tuple(intrusive_concerns),
            sources,
        ),
        Question(
            "fairness.proportionate",
            "Is it proportionate: is the benefit worth the intrusion, with no less intrusive way?",
            ("Weigh the benefit against the least intrusive alternatives listed under necessity.",),
            tuple(proportion_concerns),
            sources,
        ),
        Question(
            "fairness.transparent",
            "Is it transparent: will people know their data is shared, by whom and why?",
            ("Give each party's privacy-notice wording for this sharing.",),
            tuple(transparency_concerns),
            sources + ctx.cite("ukpga/2018/12/schedule/2/paragraph/2"),
        ),
    )
