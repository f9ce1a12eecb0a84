"""The data-flow map's layout: the reader's organisations in the centre, partners around them by
name, flows between the same two organisations bent apart, labels kept on the canvas, and the
same map for the same flows whatever their order."""

from __future__ import annotations

import math
import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.core import flowmap
from accord.core.flowmap import Box, Flow, Party

COUNCIL = Party(1, "Northshire County Council")
SCHOOL = Party(2, "Ashgrove Academy")
POLICE = Party(3, "Northshire Police")
TRUST = Party(4, "Northshire NHS Trust")


def flow(
    source: Party,
    target: Party,
    *,
    initiative: int = 1,
    reference: str = "DSA-2026-0001",
    status: str = "live",
    label: str = "Live",
    categories: tuple[str, ...] = ("Education",),
    stage: str = "",
) -> Flow:
    return Flow(
        initiative_id=initiative,
        reference=reference,
        title=f"Initiative {initiative}",
        status=status,
        status_label=label,
        source=source,
        target=target,
        categories=categories,
        url=f"/agreements/{initiative}/",
        stage=stage,
    )


POINT = re.compile(r"-?\d+(?:\.\d+)?")


def points(path: str) -> list[tuple[float, float]]:
    """The start, control and end points of a quadratic path ("M x y Q cx cy x y")."""
    assert re.fullmatch(r"M \S+ \S+ Q \S+ \S+ \S+ \S+", path), path
    values = [float(v) for v in POINT.findall(path)]
    return [(values[0], values[1]), (values[2], values[3]), (values[4], values[5])]


def middle(path: str) -> tuple[float, float]:
    (x0, y0), (cx, cy), (x1, y1) = points(path)
    return (0.25 * x0 + 0.5 * cx + 0.25 * x1, 0.25 * y0 + 0.5 * cy + 0.25 * y1)


def test_the_readers_organisation_is_in_the_centre_and_partners_around_it_by_name() -> None:
    found = flowmap.layout(
        [flow(SCHOOL, COUNCIL), flow(POLICE, COUNCIL, initiative=2), flow(COUNCIL, TRUST)],
        own={COUNCIL.key},
    )
    centre, *partners = found.nodes
    assert centre.party == COUNCIL
    assert centre.is_own
    assert [n.party.name for n in partners] == [
        "Ashgrove Academy",
        "Northshire NHS Trust",
        "Northshire Police",
    ]
    assert not any(n.is_own for n in partners)
    distances = {
        round(math.hypot(n.x - centre.x, (n.y - centre.y) * flowmap.ELLIPSE)) for n in partners
    }
    # On one ellipse around the centre, twice as wide as it is tall.
    assert max(distances) - min(distances) <= 1
    assert found.own_count == 1


def test_several_own_organisations_share_the_centre() -> None:
    found = flowmap.layout(
        [flow(SCHOOL, COUNCIL), flow(POLICE, TRUST, initiative=2)],
        own={COUNCIL.key, TRUST.key},
    )
    own = [n for n in found.nodes if n.is_own]
    assert [n.party for n in own] == [COUNCIL, TRUST]
    assert found.own_count == 2
    centre_x = (own[0].x + own[1].x) / 2
    # Either side of the centre, nearer to it than any partner.
    assert own[0].x != own[1].x
    for node in found.nodes:
        if not node.is_own:
            assert abs(node.x - centre_x) > max(abs(n.x - centre_x) for n in own)


def test_a_lone_flow_is_a_straight_arrow_from_the_discloser_to_the_recipient() -> None:
    found = flowmap.layout([flow(SCHOOL, COUNCIL)], own={COUNCIL.key})
    (edge,) = found.edges
    nodes = {n.party.key: n for n in found.nodes}
    school, council = nodes[SCHOOL.key], nodes[COUNCIL.key]
    (x0, y0), (cx, cy), (x1, y1) = points(edge.path)
    # Starts at the school's edge and stops short of the council's, where the arrowhead goes.
    assert math.hypot(x0 - school.x, y0 - school.y) == pytest.approx(flowmap.NODE_RADIUS, abs=0.1)
    assert math.hypot(x1 - council.x, y1 - council.y) == pytest.approx(
        flowmap.NODE_RADIUS + flowmap.ARROW_GAP, abs=0.1
    )
    assert (cx, cy) == pytest.approx(((school.x + council.x) / 2, (school.y + council.y) / 2))
    assert (edge.source, edge.target) == (SCHOOL.key, COUNCIL.key)


def test_flows_both_ways_or_under_several_agreements_bend_apart() -> None:
    flows = [
        flow(SCHOOL, COUNCIL),
        flow(COUNCIL, SCHOOL),
        flow(SCHOOL, COUNCIL, initiative=2, reference="DSA-2026-0002"),
    ]
    found = flowmap.layout(flows, own={COUNCIL.key})
    middles = [middle(edge.path) for edge in found.edges]
    for i, a in enumerate(middles):
        for b in middles[i + 1 :]:
            assert math.hypot(a[0] - b[0], a[1] - b[1]) >= flowmap.FLOW_SPACING - 0.5
    labels = [edge.label_box for edge in found.edges]
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            assert not a.overlaps(b)


def test_a_flow_between_partners_bends_around_the_organisation_between_them() -> None:
    # Two partners either side of the centre: the straight line would cross the council.
    found = flowmap.layout(
        [flow(SCHOOL, COUNCIL), flow(COUNCIL, POLICE), flow(SCHOOL, POLICE, initiative=2)],
        own={COUNCIL.key},
    )
    council = next(n for n in found.nodes if n.is_own)
    across = next(e for e in found.edges if (e.source, e.target) == (SCHOOL.key, POLICE.key))
    x, y = middle(across.path)
    assert math.hypot(x - council.x, y - council.y) > flowmap.NODE_RADIUS


def test_the_flow_reads_as_a_sentence_naming_its_agreement() -> None:
    shared = flow(SCHOOL, COUNCIL, categories=("Education records",))
    assert shared.name == (
        "Ashgrove Academy shares Education records with Northshire County Council: "
        "agreement DSA-2026-0001 (Live)"
    )
    proposed = flow(
        COUNCIL,
        POLICE,
        initiative=7,
        reference="",
        status="none",
        label="No agreement yet",
        categories=("Identifiers", "Health", "Social care"),
        stage="Being described",
    )
    assert proposed.name == (
        "Northshire County Council would share Identifiers, Health and Social care with "
        "Northshire Police: no agreement yet for “Initiative 7” (being described)"
    )
    assert not proposed.is_agreed
    assert flow(SCHOOL, COUNCIL, status="negotiating", label="Negotiating").name.startswith(
        "Ashgrove Academy would share"
    )
    assert flow(SCHOOL, COUNCIL, categories=()).what == "personal data"


def words(text: str) -> str:
    """Text as axe-core compares a label with a name: lower case, without punctuation."""
    return " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())


@pytest.mark.parametrize(
    ("reference", "status", "label", "lines"),
    [
        ("DSA-2026-0001", "live", "Live", ("DSA-2026-0001 (Live)",)),
        ("DSA-2026-0001", "terminated", "Terminated", ("DSA-2026-0001", "(Terminated)")),
        ("", "none", "No agreement yet", ("No agreement yet",)),
    ],
)
def test_the_label_names_the_agreement_and_is_part_of_the_links_name(
    reference: str, status: str, label: str, lines: tuple[str, ...]
) -> None:
    shown = flow(SCHOOL, COUNCIL, reference=reference, status=status, label=label)
    (edge,) = flowmap.layout([shown], own={COUNCIL.key}).edges
    assert edge.lines == lines
    # WCAG 2.5.3 Label in Name: the words a person sees, in order, are in the link's name.
    assert words(" ".join(edge.lines)) in words(edge.flow.name)
    assert all(len(line) <= flowmap.LABEL_WIDTH for line in edge.lines)
    baselines = [y for _line, y in edge.label_lines]
    assert baselines == sorted(baselines)
    assert len(set(baselines)) == len(baselines)


def test_long_names_wrap_onto_three_lines_at_most() -> None:
    long = Party(9, "The Governing Body of the Northshire and Westshire Combined Authority Trust")
    found = flowmap.layout([flow(long, COUNCIL)], own={COUNCIL.key})
    node = next(n for n in found.nodes if n.party == long)
    assert len(node.lines) == flowmap.NAME_LINES
    assert node.lines[-1].endswith("…")
    assert all(len(line) <= flowmap.NAME_WIDTH for line in node.lines)


def test_a_flow_from_an_organisation_to_itself_is_refused() -> None:
    with pytest.raises(ValueError, match="itself"):
        flowmap.layout([flow(COUNCIL, COUNCIL)], own=set())


def test_no_flows_make_an_empty_map() -> None:
    found = flowmap.layout([], own={COUNCIL.key})
    assert (found.nodes, found.edges, found.own_count) == ((), (), 0)
    assert (found.width, found.height) == (0, 0)


def test_the_canvas_is_cut_to_what_is_drawn() -> None:
    found = flowmap.layout([flow(SCHOOL, COUNCIL), flow(POLICE, COUNCIL)], own={COUNCIL.key})
    boxes = [n.box for n in found.nodes] + [e.label_box for e in found.edges]
    padding = flowmap.CANVAS_PADDING
    assert found.left == math.floor(min(b.left for b in boxes) - padding)
    assert found.top == math.floor(min(b.top for b in boxes) - padding)
    assert found.left + found.width == math.ceil(max(b.right for b in boxes) + padding)
    assert found.top + found.height == math.ceil(max(b.bottom for b in boxes) + padding)
    assert found.view_box == f"{found.left} {found.top} {found.width} {found.height}"


def test_labels_sit_on_their_flows_clear_of_the_organisations_and_each_other() -> None:
    flows = [
        flow(SCHOOL, COUNCIL),
        flow(COUNCIL, SCHOOL),
        flow(POLICE, COUNCIL),
        flow(TRUST, COUNCIL, initiative=2),
        flow(TRUST, POLICE, initiative=3),
    ]
    found = flowmap.layout(flows, own={COUNCIL.key})
    boxes = [edge.label_box for edge in found.edges]
    for i, box in enumerate(boxes):
        for node in found.nodes:
            assert not box.overlaps(node.box)
        for other in boxes[i + 1 :]:
            assert not box.overlaps(other)


def test_a_label_sits_further_out_than_the_middle_where_there_is_more_room() -> None:
    found = flowmap.layout([flow(COUNCIL, SCHOOL), flow(POLICE, COUNCIL)], own={COUNCIL.key})
    council = next(n for n in found.nodes if n.is_own)
    for edge in found.edges:
        xm, ym = edge.points[1]
        label = math.hypot(edge.label_x - council.x, edge.label_y - council.y)
        assert label > math.hypot(xm - council.x, ym - council.y) + 10


@pytest.mark.parametrize(
    ("confirmed", "assessed", "mechanism", "stage"),
    [
        (False, False, False, "Being described"),
        (True, False, False, "Described, not yet assessed"),
        (True, True, False, "Legal basis assessed"),
        (True, True, True, "Mechanism chosen"),
    ],
)
def test_an_initiative_without_an_agreement_has_a_stage(
    confirmed: bool, assessed: bool, mechanism: bool, stage: str
) -> None:
    assert (
        flowmap.initiative_stage(
            description_confirmed=confirmed, has_assessment=assessed, mechanism_chosen=mechanism
        )
        == stage
    )


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("Short", 10, "Short"),
        ("Northshire and Westshire Combined Authority", 30, "Northshire and Westshire…"),
        ("Unbreakablewordthatgoesonandon", 10, "Unbreakab…"),
    ],
)
def test_names_are_shortened_at_a_word(text: str, width: int, expected: str) -> None:
    assert flowmap.shortened(text, width) == expected


# Properties: any flows between up to a dozen organisations, some of them the reader's.
parties = st.builds(
    Party,
    key=st.integers(min_value=1, max_value=12),
    name=st.sampled_from(
        [
            "A",
            "Ashgrove Academy",
            "Northshire County Council",
            "Northshire Police",
            "Brookfield Primary School",
            "A very long organisation name that has to be wrapped over several lines",
        ]
    ),
)


@st.composite
def flow_lists(draw: st.DrawFn) -> tuple[list[Flow], set[int]]:
    names: dict[int, str] = {}
    found = []
    for _ in range(draw(st.integers(min_value=0, max_value=25))):
        source, target = draw(parties), draw(parties)
        if source.key == target.key:
            continue
        # One name per organisation, as in the database.
        source = Party(source.key, names.setdefault(source.key, source.name))
        target = Party(target.key, names.setdefault(target.key, target.name))
        found.append(
            flow(
                source,
                target,
                initiative=draw(st.integers(min_value=1, max_value=5)),
                reference=draw(st.sampled_from(["", "DSA-2026-0001", "DSA-2026-0002"])),
                categories=tuple(draw(st.lists(st.sampled_from(["Health", "Education"]))))[:3],
            )
        )
    own = draw(st.sets(st.integers(min_value=1, max_value=12), max_size=3))
    return found, own


@given(flow_lists())
def test_every_organisation_and_label_is_within_the_canvas(
    case: tuple[list[Flow], set[int]],
) -> None:
    flows, own = case
    found = flowmap.layout(flows, own=own)
    for node in found.nodes:
        r = node.radius
        assert found.contains(Box(node.x - r, node.y - r, node.x + r, node.y + r)), node
        assert found.contains(node.box), node
    for edge in found.edges:
        assert found.contains(edge.label_box), edge
        for x, y in edge.points:
            assert found.contains(Box(x, y, x, y)), edge


@given(flow_lists())
def test_every_edge_joins_two_organisations_on_the_map(
    case: tuple[list[Flow], set[int]],
) -> None:
    flows, own = case
    found = flowmap.layout(flows, own=own)
    keys = [node.party.key for node in found.nodes]
    assert len(keys) == len(set(keys))
    assert set(keys) == {f.source.key for f in flows} | {f.target.key for f in flows}
    assert len(found.edges) == len(flows)
    assert [edge.number for edge in found.edges] == list(range(1, len(flows) + 1))
    for edge in found.edges:
        assert edge.source in keys
        assert edge.target in keys
        assert (edge.source, edge.target) == (edge.flow.source.key, edge.flow.target.key)
    assert {node.party.key for node in found.nodes if node.is_own} == set(keys) & own


@given(flow_lists(), st.randoms(use_true_random=False))
def test_the_same_flows_give_the_same_map_in_any_order(
    case: tuple[list[Flow], set[int]], shuffler: random.Random
) -> None:
    flows, own = case
    first = flowmap.layout(flows, own=own)
    assert flowmap.layout(list(flows), own=set(own)) == first
    shuffled = list(flows)
    shuffler.shuffle(shuffled)
    assert flowmap.layout(shuffled, own=own) == first
