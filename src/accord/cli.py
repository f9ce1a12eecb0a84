"""The `accord` command: assess an initiative, browse the law.

Exit codes: 0 when the command did its job (an assessment is printed whatever its verdict),
2 when the input is invalid (with a message saying what and where), 1 for anything unexpected.
Never a traceback: errors are explained in one or more plain lines on stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from accord import __version__
from accord.core.assessment.engine import UnsupportedDate, assess
from accord.core.assessment.initiative import InvalidInitiative, read_initiative
from accord.core.assessment.serialise import assessment_to_data
from accord.core.law import Catalogue, LawError, Provision, UnknownProvision, default_law
from accord.report import render

EXIT_OK, EXIT_FAILURE, EXIT_INVALID = 0, 1, 2


class UserError(Exception):
    """Bad input from the user: printed as is, exit 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.handler(args)
        return result
    except UserError as error:
        print(f"accord: {error}", file=sys.stderr)
        return EXIT_INVALID
    except LawError as error:
        print(f"accord: cannot load the knowledge base: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:  # e.g. `accord assess x.yaml | head`
        return EXIT_OK
    except Exception as error:
        if os.environ.get("ACCORD_DEBUG"):
            raise
        print(
            f"accord: internal error ({type(error).__name__}: {error}). "
            "Please report it; set ACCORD_DEBUG=1 to see the details.",
            file=sys.stderr,
        )
        return EXIT_FAILURE


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="accord",
        description="Lawful, fair and safe data sharing between UK public bodies.",
    )
    parser.add_argument("--version", action="version", version=f"accord {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    assess_cmd = commands.add_parser(
        "assess",
        help="assess an initiative file: can we share?",
        description="Assess an initiative (YAML or JSON, format 1) and explain the answer.",
    )
    assess_cmd.add_argument(
        "file", help="the initiative file (YAML or JSON); - reads standard input"
    )
    assess_cmd.add_argument("--json", action="store_true", help="print the assessment as JSON")
    assess_cmd.add_argument(
        "--on",
        type=_date,
        metavar="YYYY-MM-DD",
        help="use the law in force on this day (default: the file's assess_on, else today)",
    )
    assess_cmd.set_defaults(handler=_assess)

    law_cmd = commands.add_parser("law", help="browse the knowledge base")
    law_commands = law_cmd.add_subparsers(dest="law_command", required=True, metavar="COMMAND")
    search = law_commands.add_parser("search", help="find provisions, conditions and gateways")
    search.add_argument(
        "text", nargs="+", help='words to look for, e.g. "section 29" or safeguarding'
    )
    search.add_argument("--json", action="store_true")
    search.add_argument(
        "--on", type=_date, metavar="YYYY-MM-DD", help="only what was in force that day"
    )
    search.set_defaults(handler=_law_search)
    show = law_commands.add_parser("show", help="show one entry by id")
    show.add_argument("id", help="e.g. eur/2016/679/article/6/1/e or ukpga/2004/31/section/11")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_law_show)
    check = law_commands.add_parser("check", help="validate the knowledge base and summarise it")
    check.set_defaults(handler=_law_check)

    serve = commands.add_parser(
        "serve",
        help="run the web application (migrates, loads the demo into an empty database)",
    )
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--no-demo", action="store_true", help="do not load the demo data")
    serve.add_argument(
        "--production",
        action="store_true",
        help="gunicorn and the background worker on PostgreSQL, static files collected; no "
        "migrations, no demo (docs/deployment.md)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        help="production mode: gunicorn processes (default ACCORD_WORKERS, else 2 x cores + 1)",
    )
    serve.add_argument(
        "--allow-sqlite",
        action="store_true",
        help="production mode on SQLite, for a trial on one machine",
    )
    serve.set_defaults(handler=_serve)
    demo = commands.add_parser("demo", help="load the demo data into the database")
    demo.set_defaults(handler=lambda args: web_commands().demo_command())
    verify = commands.add_parser(
        "verify-audit",
        help="check the audit and disclosure logs' hash chains and their signed checkpoints; "
        "name the first problem",
    )
    verify.add_argument(
        "--checkpoints",
        type=Path,
        metavar="FILE",
        help="also check the checkpoints in FILE, downloaded earlier from the transparency "
        "register (/api/v1/transparency/checkpoints) or copied from the checkpoint log",
    )
    verify.set_defaults(
        handler=lambda args: web_commands().verify_audit(checkpoints=args.checkpoints)
    )
    checkpoint = commands.add_parser(
        "checkpoint",
        help="sign a checkpoint of each log that has grown since its last one (the worker "
        "does it every ACCORD_CHECKPOINT_SECONDS)",
    )
    checkpoint.set_defaults(handler=lambda args: web_commands().checkpoint())
    remind = commands.add_parser(
        "remind", help="e-mail late signatories, then their deputies (the worker does it too)"
    )
    remind.set_defaults(handler=lambda args: web_commands().remind())
    worker = commands.add_parser(
        "worker",
        help="run the background worker: send e-mail notices, raise reviews and remind "
        "(accord serve starts one)",
    )
    worker.add_argument(
        "--sweep-seconds", type=int, help="how often to sweep (default ACCORD_SWEEP_SECONDS)"
    )
    worker.set_defaults(
        handler=lambda args: web_commands().worker(sweep_seconds=args.sweep_seconds)
    )
    sweep = commands.add_parser(
        "sweep",
        help="raise the reviews now due and queue the reminders owed, once (for cron)",
    )
    sweep.set_defaults(handler=lambda args: web_commands().sweep_once())
    manage = commands.add_parser(
        "manage", help="Django's manage.py commands (migrate, createsuperuser...)"
    )
    manage.add_argument("args", nargs=argparse.REMAINDER)
    manage.set_defaults(handler=lambda args: web_commands().manage(args.args))
    return parser


def web_commands() -> Any:
    """The Django side, imported only when a web command runs."""
    from accord.web import commands

    return commands


def _serve(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise UserError(f"--port {args.port} is not a port number (1 to 65535)")
    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers {args.workers}: give at least 1")
    if args.production:
        result: int = web_commands().serve_production(
            host=args.host, port=args.port, workers=args.workers, allow_sqlite=args.allow_sqlite
        )
        return result
    result = web_commands().serve(host=args.host, port=args.port, demo=not args.no_demo)
    return result


def _assess(args: argparse.Namespace) -> int:
    name = "<stdin>" if args.file == "-" else args.file
    text = _read_text(args.file)
    try:
        initiative = read_initiative(text, name)
    except InvalidInitiative as error:
        count = len(error.problems)
        raise UserError(
            f"{name} is not a valid initiative ({count} problem{'s' if count > 1 else ''}):\n"
            + "\n".join(f"  {p.render(name)}" for p in error.problems)
        ) from None
    law = default_law()
    if args.on is not None:
        initiative = dataclasses.replace(initiative, assess_on=args.on)
    try:
        assessment = assess(initiative, law, today=dt.date.today())
    except UnsupportedDate as error:
        raise UserError(str(error)) from None
    data = assessment_to_data(assessment, law)
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(render(data, title=initiative.title), end="")
    return EXIT_OK


def _read_text(file: str) -> str:
    if file == "-":
        # The bytes, decoded here: the terminal's encoding may let undecodable bytes through.
        stream = getattr(sys.stdin, "buffer", None)
        data = stream.read() if stream is not None else sys.stdin.read().encode()
        try:
            return str(data.decode("utf-8"))
        except UnicodeDecodeError:
            raise UserError(
                "standard input is not UTF-8 text: give a YAML or JSON text file"
            ) from None
    path = Path(file)
    if not path.exists():
        raise UserError(f"{file}: no such file")
    if path.is_dir():
        raise UserError(f"{file} is a folder: give an initiative file")
    if path.stat().st_size > 1_000_000:
        raise UserError(f"{file} is larger than 1 MB: an initiative file is a few kilobytes")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{file} is not UTF-8 text: save it as a YAML or JSON text file") from None
    except OSError as error:
        raise UserError(f"{file}: cannot read it ({error.strerror})") from None


def _law_search(args: argparse.Namespace) -> int:
    law: Catalogue = default_law()
    if args.on is not None:
        law = law.in_force_on(args.on)
    text = " ".join(args.text)
    results = law.search(text)
    if args.json:
        print(json.dumps([_provision_data(p) for p in results], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not results:
        print(f'Nothing matches "{text}". Try fewer or other words.')
        return EXIT_OK
    for provision in results:
        marker = "" if provision.is_confirmed else " (?)"
        print(f"{provision.id}\n    {provision.citation}: {provision.title}{marker}")
        for note in _current_terms(provision, law):
            print(f"    -> {note}")
    return EXIT_OK


def _law_show(args: argparse.Namespace) -> int:
    law = default_law()
    try:
        provision = law.get(
            args.id.strip().strip("/").removeprefix("https://www.legislation.gov.uk/")
        )
    except UnknownProvision as error:
        raise UserError(f"{error}. Try: accord law search WORDS") from None
    if args.json:
        print(json.dumps(_provision_data(provision), indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"{provision.citation}: {provision.title}")
    print(f"id: {provision.id}   kind: {provision.kind}")
    print(textwrap.fill(provision.summary, 96))
    for note in _current_terms(provision, law):
        print(textwrap.fill(f"Today: {note}", 96))
    if provision.mapping_note:
        print(textwrap.fill(provision.mapping_note, 96))
    if provision.gateway is not None:
        g = provision.gateway
        print(
            f"{g.act} {g.section}: {'express' if g.express else 'implied'} {g.power_or_duty}; status {g.status}"
        )
        print(textwrap.fill(f"Bodies: {', '.join(sorted(g.bodies))}", 96))
        print(textwrap.fill(f"Purposes: {', '.join(sorted(g.purposes))}", 96))
        if g.limits:
            print(textwrap.fill(f"Limits: {g.limits}", 96))
    if provision.appropriate_policy_document:
        print(f"Appropriate policy document needed: {provision.appropriate_policy_document}")
        if provision.apd_note:
            print(textwrap.fill(provision.apd_note, 96))
    until = provision.in_force_until.isoformat() if provision.in_force_until else "now"
    print(f"In force: {provision.in_force_from.isoformat()} to {until}")
    print(f"Source: {provision.source} (last reviewed {provision.last_reviewed.isoformat()})")
    if not provision.is_confirmed:
        print(
            textwrap.fill(f"Not confirmed ({provision.verification}): {provision.uncertainty}", 96)
        )
    return EXIT_OK


def _current_terms(provision: Provision, law: Catalogue) -> list[str]:
    """For a repealed provision or an exemption, what to rely on today."""
    notes = []
    if provision.current:
        listed = "; ".join(f"{law.get(i).citation} ({law.get(i).title})" for i in provision.current)
        notes.append(f"now {listed}")
    if provision.kind == "exemption":
        listed = "; ".join(f"{law.get(i).citation}" for i in provision.instead)
        notes.append(f"an exemption, not a lawful basis: rely on {listed}")
    if provision.gateway is not None and provision.gateway.replaced_by:
        listed = "; ".join(f"{law.get(i).citation}" for i in provision.gateway.replaced_by)
        notes.append(f"{provision.gateway.status}: replaced by {listed}")
    return notes


def _provision_data(provision: Provision) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": provision.id,
        "kind": provision.kind,
        "title": provision.title,
        "citation": provision.citation,
        "summary": provision.summary,
        "url": provision.source,
        "in_force_from": provision.in_force_from.isoformat(),
        "in_force_until": provision.in_force_until.isoformat()
        if provision.in_force_until
        else None,
        "last_reviewed": provision.last_reviewed.isoformat(),
        "verification": provision.verification,
    }
    if provision.uncertainty:
        data["uncertainty"] = provision.uncertainty
    for name in ("current", "instead", "meets", "aliases"):
        if getattr(provision, name):
            data[name] = list(getattr(provision, name))
    if provision.appropriate_policy_document:
        data["appropriate_policy_document"] = provision.appropriate_policy_document
    if provision.gateway is not None:
        g = provision.gateway
        data["gateway"] = {
            "act": g.act,
            "section": g.section,
            "kind": g.power_or_duty,
            "express": g.express,
            "overrides_confidentiality": g.overrides_confidentiality,
            "status": g.status,
            "bodies": sorted(g.bodies),
            "functions": sorted(g.functions),
            "purposes": sorted(g.purposes),
            "replaced_by": list(g.replaced_by),
            "limits": g.limits,
        }
    return data


def _law_check(_args: argparse.Namespace) -> int:
    law = default_law()
    kinds: dict[str, int] = {}
    for provision in law:
        kinds[provision.kind] = kinds.get(provision.kind, 0) + 1
    unconfirmed = sum(1 for p in law if not p.is_confirmed)
    print(f"Knowledge base {law.version}: {len(law)} entries, all valid.")
    for kind, count in sorted(kinds.items()):
        print(f"  {kind:28} {count}")
    print(f"  {unconfirmed} entries are not yet confirmed against the text of the law (marked ?).")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
