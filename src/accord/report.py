"""The assessment as a readable plain-text report for the terminal."""

from __future__ import annotations

import textwrap
from typing import Any

WIDTH = 96
MARK = {
    "recommended": "[recommended]",
    "possible": "[possible]   ",
    "unavailable": "[unavailable]",
    "acceptable": "[acceptable] ",
    "discouraged": "[discouraged]",
    "not-allowed": "[NOT ALLOWED]",
}
VERDICT = {"yes": "YES", "yes-if": "YES, IF", "no": "NO"}


def render(data: dict[str, Any], *, title: str) -> str:
    """Render assessment data (from assessment_to_data) as text."""
    out: list[str] = []
    footnotes: dict[str, tuple[int, dict[str, Any]]] = {}

    def cite(sources: list[dict[str, Any]]) -> str:
        marks = []
        for source in sources:
            if source["id"] not in footnotes:
                footnotes[source["id"]] = (len(footnotes) + 1, source)
            number = footnotes[source["id"]][0]
            marks.append(f"[{number}]" + ("?" if source["verification"] != "verified" else ""))
        return " " + "".join(marks) if marks else ""

    def para(text: str, indent: int = 0) -> None:
        out.extend(
            textwrap.wrap(text, WIDTH, initial_indent=" " * indent, subsequent_indent=" " * indent)
        )

    def heading(text: str) -> None:
        out.extend(["", text, "-" * len(text)])

    out.append(title)
    out.append("=" * min(len(title), WIDTH))
    para(
        f"Verdict: {VERDICT[data['verdict']]}   (assessed on {data['assessed_on']}, law version {data['law_version']})"
    )
    out.append("")
    para(data["summary"])

    required = [a for a in data["actions"] if a["required"]]
    advised = [a for a in data["actions"] if not a["required"]]
    if required:
        heading("Before sharing starts, you must")
        for action in required:
            para(f"* {action['text']}{cite(action['sources'])}", 0)
    if advised:
        heading("You should also")
        for action in advised:
            para(f"* {action['text']}{cite(action['sources'])}", 0)

    heading("Lawful basis (UK GDPR Art 6; DPA 2018 Part 3)")
    for basis in data["lawful_bases"]:
        para(f"{MARK[basis['status']]} {basis['label']}{cite(basis['sources'])}")
        para(f"for: {', '.join(basis['parties'])}", 16)
        for reason in basis["reasons"]:
            para(f"- {reason}", 16)

    for key, heading_text in (
        ("special_category", "Special category data (UK GDPR Art 9, DPA 2018 Sch 1)"),
        ("criminal_offence", "Criminal offence data (UK GDPR Art 10, DPA 2018 Sch 1)"),
    ):
        section = data[key]
        heading(heading_text)
        for reason in section["reasons"]:
            para(f"{reason}{cite(section['sources'])}")
        for condition in section["conditions"]:
            if condition["status"] == "unavailable":
                continue
            para(f"{MARK[condition['status']]} {condition['label']}{cite(condition['sources'])}")
            for reason in condition["reasons"]:
                para(f"- {reason}", 16)
            for paragraph in condition["schedule_1"]:
                policy = (
                    "needs an appropriate policy document"
                    if paragraph["appropriate_policy_document"]
                    else "no policy document needed"
                )
                para(f"+ {paragraph['label']} ({policy})", 16)

    section = data["law_enforcement"]
    heading("Law enforcement (DPA 2018 Part 3)")
    for reason in section["reasons"]:
        para(f"{reason}{cite(section['sources'])}")
    for condition in section["schedule_8"]:
        para(f"{MARK[condition['status']]} {condition['label']}{cite(condition['sources'])}")

    heading("Statutory gateways (the power or duty to share)")
    if not data["gateways"]:
        para(
            "No statutory gateway in Accord's knowledge base names these parties for these purposes."
        )
    for gateway in data["gateways"][:10]:
        para(
            f"{MARK[gateway['status']]} {gateway['label']} ({gateway['kind']}){cite(gateway['sources'])}"
        )
        for reason in gateway["reasons"]:
            para(f"- {reason}", 16)
    if len(data["gateways"]) > 10:
        para(f"... and {len(data['gateways']) - 10} more (see --json).")

    section = data["confidentiality"]
    heading("Common-law duty of confidentiality")
    for reason in section["reasons"]:
        para(reason)
    for route in section["routes"]:
        para(
            f"{MARK[route['status']]} {route['label']}: {route['reasons'][0]}{cite(route['sources'])}"
        )

    heading("Necessity")
    for question in data["necessity"]["questions"]:
        para(f"? {question['question']}")
    for alternative in data["necessity"]["alternatives"]:
        para(f"* [{alternative['status']}] {alternative['reasons'][0]}")

    heading("Fairness: if it is not fair, it is not lawful")
    for question in data["fairness"]["questions"]:
        para(f"? {question['question']}")
        for concern in question["concerns"]:
            para(f"! {concern}", 4)

    section = data["dpia"]
    heading("DPIA screening (UK GDPR Art 35)")
    para(
        ("REQUIRED. " if section["required"] else "Not mandatory. ") + " ".join(section["reasons"])
    )
    for criterion in section["criteria"]:
        para(f"- {criterion['label']}: {criterion['reasons'][0]}{cite(criterion['sources'])}", 2)

    section = data["purpose_limitation"]
    heading("Re-using data collected for another purpose")
    for reason in section["reasons"]:
        para(f"{reason}{cite(section['sources'])}")
    for condition in section["conditions"]:
        para(f"{MARK[condition['status']]} {condition['label']}{cite(condition['sources'])}")

    heading("Mechanisms")
    for mechanism in data["mechanisms"]:
        proposed = "  <- proposed" if mechanism["proposed"] else ""
        para(
            f"{MARK[mechanism['status']]} {mechanism['label']}{proposed}{cite(mechanism['sources'])}"
        )
        para(mechanism["reasons"][0], 16)

    if data["notes"]:
        heading("Notes")
        for note in data["notes"]:
            para(f"* {note}")

    heading("Sources  (? = not yet confirmed against the text of the law)")
    for number, source in sorted(footnotes.values(), key=lambda item: item[0]):
        para(
            f"[{number}] {source['citation']}: {source['title']}. {source['url']} (reviewed {source['last_reviewed']})"
        )
        if source["verification"] != "verified":
            para(f"? {source.get('uncertainty', 'not confirmed')}", 4)
    return "\n".join(out) + "\n"
