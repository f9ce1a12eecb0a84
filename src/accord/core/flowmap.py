"""The data-flow map's layout: organisations as nodes, flows of data as curved arrows between them.

Pure Python: the register app reads the flows (who discloses what to whom, under which
agreement) and draws the map this module lays out as SVG. The layout is deterministic: the same
flows give the same map, in whatever order they are given. The reader's own organisations sit
in the centre, the partners on an ellipse around them in order of name; flows between the same
two organisations (both ways, or under different agreements) bend apart so none hides another.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Final

NO_AGREEMENT: Final = "none"
# Statuses under which nothing is agreed yet: the data would flow, it does not.
NOT_YET_AGREED: Final = frozenset({NO_AGREEMENT, "negotiating"})

NODE_RADIUS: Final = 22
FONT_SIZE: Final = 14  # organisation names
LABEL_FONT_SIZE: Final = 13  # flow labels
LINE_HEIGHT: Final = 17
# Arial's average character is a little over half its size: enough to keep labels apart.
CHARACTER_WIDTH: Final = 0.58
NAME_WIDTH: Final = 20  # characters per line of an organisation's name
NAME_LINES: Final = 3
LABEL_WIDTH: Final = 24  # characters per line of a flow's label
LABEL_PADDING: Final = 4
# Space on the ellipse per partner, and between flows that join the same two organisations.
PARTNER_SPACING: Final = 150
FLOW_SPACING: Final = 44
INNER_SPACING: Final = 130  # between the reader's own organisations, when they have several
MIN_RING: Final = 190  # the partners' ellipse's smallest vertical radius
FLOW_ROOM: Final = 46  # the ellipse grows with the square root of the number of flows
ELLIPSE: Final = 2.0  # how much wider than tall the partners' ellipse is
MARGIN_X: Final = NAME_WIDTH * FONT_SIZE * CHARACTER_WIDTH / 2 + 12
MARGIN_TOP: Final = NODE_RADIUS + 12
MARGIN_BOTTOM: Final = NODE_RADIUS + 12 + NAME_LINES * LINE_HEIGHT
ARROW_GAP: Final = 3  # between an arrow's tip and the organisation it points to
LABEL_GAP: Final = 4  # between a flow and its label
CANVAS_PADDING: Final = 8  # around what is drawn
# Where along a flow its label may sit, from the end nearer the centre, most wanted first: the
# flows fan out from the centre, so there is more room further out.
LABEL_PLACES: Final = (0.6, 0.5, 0.7, 0.4, 0.65, 0.55, 0.75, 0.45, 0.35, 0.8, 0.3, 0.25)


@dataclass(frozen=True, slots=True, order=True)
class Party:
    """An organisation on the map; `key` tells apart organisations, whatever their names."""

    key: int
    name: str


@dataclass(frozen=True, slots=True)
class Flow:
    """Data one party of an initiative discloses to another: one arrow on the map.

    `status` is the register's status code (`none` without an agreement); `reference` is the
    agreement's, blank when there is none, and then `stage` says how far the initiative has got.
    """

    initiative_id: int
    reference: str
    title: str
    status: str
    status_label: str
    source: Party
    target: Party
    categories: tuple[str, ...]
    url: str
    stage: str = ""

    @property
    def is_agreed(self) -> bool:
        """Signed (and perhaps live, suspended or ended since): not a proposal."""
        return self.status not in NOT_YET_AGREED

    @property
    def what(self) -> str:
        """The data categories in words: "Identifiers, Contact and Education"."""
        return joined(self.categories) or "personal data"

    @property
    def agreement_text(self) -> str:
        """The flow's label on the map: "DSA-0001 (Live)", or "No agreement yet"."""
        if self.reference:
            return f"{self.reference} ({self.status_label})"
        return self.status_label

    @property
    def name(self) -> str:
        """The flow in one sentence, for its link on the map (its accessible name).

        The label a person sees on the map is part of it, as WCAG 2.5.3 (Label in Name) asks:
        "Ashgrove Academy shares Education with Northshire County Council: agreement DSA-0001
        (Live)".
        """
        verb = "shares" if self.is_agreed else "would share"
        sentence = f"{self.source.name} {verb} {self.what} with {self.target.name}"
        if self.reference:
            return f"{sentence}: agreement {self.agreement_text}"
        stage = f" ({self.stage.lower()})" if self.stage else ""
        return f"{sentence}: {self.status_label.lower()} for “{self.title}”{stage}"

    @property
    def sort_key(self) -> tuple[object, ...]:
        """The map's order of flows: by initiative, then by organisation; every field counts,
        so that the order never depends on the order the flows came in."""
        return (
            self.title.casefold(),
            self.title,
            self.reference,
            self.initiative_id,
            self.source.name.casefold(),
            self.source.key,
            self.target.name.casefold(),
            self.target.key,
            self.source.name,
            self.target.name,
            self.status,
            self.status_label,
            self.categories,
            self.url,
            self.stage,
        )


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle on the canvas: what a label or an organisation covers."""

    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )

    @property
    def width(self) -> float:
        return round(self.right - self.left, 1)

    @property
    def height(self) -> float:
        return round(self.bottom - self.top, 1)


@dataclass(frozen=True, slots=True)
class Node:
    """An organisation placed on the canvas, its name wrapped into lines under it."""

    party: Party
    x: float
    y: float
    is_own: bool
    lines: tuple[str, ...]

    @property
    def radius(self) -> int:
        return NODE_RADIUS

    @property
    def label_lines(self) -> tuple[tuple[str, float], ...]:
        """Each line of the name with its baseline, under the circle."""
        first = self.y + NODE_RADIUS + LINE_HEIGHT
        return tuple((line, round(first + i * LINE_HEIGHT, 1)) for i, line in enumerate(self.lines))

    @property
    def box(self) -> Box:
        """What the circle and the name under it cover."""
        half = max(NODE_RADIUS, _text_width(self.lines, FONT_SIZE) / 2)
        bottom = self.y + NODE_RADIUS + 4 + len(self.lines) * LINE_HEIGHT
        return Box(self.x - half, self.y - NODE_RADIUS, self.x + half, bottom)


@dataclass(frozen=True, slots=True)
class Edge:
    """A flow drawn as a curve from the discloser to the recipient, with its label."""

    number: int  # the flow's place in the list, counting from 1
    flow: Flow
    source: int  # the nodes' party keys
    target: int
    path: str  # SVG path data: a quadratic curve
    points: tuple[tuple[float, float], ...]  # where the curve starts, its middle, its end
    label_x: float  # the label's centre
    label_y: float
    lines: tuple[str, ...]

    @property
    def label_box(self) -> Box:
        """What the label covers: its lines with some padding, on a background."""
        width, height = _label_size(self.lines)
        return Box(
            round(self.label_x - width / 2, 1),
            round(self.label_y - height / 2, 1),
            round(self.label_x + width / 2, 1),
            round(self.label_y + height / 2, 1),
        )

    @property
    def label_lines(self) -> tuple[tuple[str, float], ...]:
        """Each line of the label with its baseline, the lines centred on the label's centre."""
        top = self.label_y - len(self.lines) * LINE_HEIGHT / 2
        return tuple(
            (line, round(top + (i + 1) * LINE_HEIGHT - 4, 1)) for i, line in enumerate(self.lines)
        )


@dataclass(frozen=True, slots=True)
class FlowMap:
    """The organisations and flows placed on a canvas: `left`, `top`, `width` and `height` are
    its view box, just big enough for what is drawn."""

    left: int
    top: int
    width: int
    height: int
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def contains(self, box: Box) -> bool:
        return (
            box.left >= self.left
            and box.top >= self.top
            and box.right <= self.left + self.width
            and box.bottom <= self.top + self.height
        )

    @property
    def own_count(self) -> int:
        """How many of the reader's organisations are on the map (in the centre)."""
        return sum(1 for node in self.nodes if node.is_own)

    @property
    def view_box(self) -> str:
        return f"{self.left} {self.top} {self.width} {self.height}"


def initiative_stage(
    *, description_confirmed: bool, has_assessment: bool, mechanism_chosen: bool
) -> str:
    """How far an initiative without an agreement has got, in the journey's words."""
    if not description_confirmed:
        return "Being described"
    if not has_assessment:
        return "Described, not yet assessed"
    if not mechanism_chosen:
        return "Legal basis assessed"
    return "Mechanism chosen"


def joined(words: Iterable[str]) -> str:
    """Words as a list in a sentence: "a", "a and b", "a, b and c"."""
    items = list(words)
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def shortened(text: str, width: int) -> str:
    """The text, cut at a word with an ellipsis if it is longer than `width` characters."""
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    if " " in cut.strip():
        cut = cut[: cut.rstrip().rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def wrapped(text: str, width: int, lines: int) -> tuple[str, ...]:
    """The text in at most `lines` lines of about `width` characters, the last cut if need be."""
    found = textwrap.wrap(text, width=width, break_long_words=True) or [""]
    if len(found) > lines:
        rest = " ".join(found[lines - 1 :])
        found = [*found[: lines - 1], shortened(rest, width)]
    return tuple(found)


def _text_width(lines: Iterable[str], size: int) -> float:
    return max((len(line) for line in lines), default=0) * size * CHARACTER_WIDTH


def _label_size(lines: tuple[str, ...]) -> tuple[float, float]:
    return (
        _text_width(lines, LABEL_FONT_SIZE) + 2 * LABEL_PADDING,
        len(lines) * LINE_HEIGHT + 2 * LABEL_PADDING,
    )


def _ring(count: int, spacing: float, smallest: float) -> float:
    """The radius of a circle holding `count` things `spacing` apart, at least `smallest`."""
    return max(smallest, count * spacing / (2 * math.pi))


def layout(flows: Iterable[Flow], *, own: Collection[int]) -> FlowMap:
    """Place every organisation the flows join, and draw each flow between two of them.

    `own` are the reader's organisations' keys: those the flows join go in the centre.
    A flow from an organisation to itself is not a flow between organisations: ValueError.
    """
    ordered = sorted(flows, key=lambda flow: flow.sort_key)
    for flow in ordered:
        if flow.source.key == flow.target.key:
            raise ValueError(f"A flow joins two organisations, not {flow.source.name} to itself")
    parties: dict[int, Party] = {}
    for flow in ordered:
        for party in (flow.source, flow.target):
            parties.setdefault(party.key, party)
    by_name = sorted(parties.values(), key=lambda p: (p.name.casefold(), p.name, p.key))
    centre = [p for p in by_name if p.key in own]
    partners = [p for p in by_name if p.key not in own]

    inner = 0.0 if len(centre) < 2 else _ring(len(centre), INNER_SPACING, INNER_SPACING / 2)
    # Big enough for the partners around it, the own organisations inside it, and the labels.
    smallest = max(MIN_RING, inner + 150, FLOW_ROOM * math.sqrt(len(ordered)))
    ring_y = _ring(len(partners), PARTNER_SPACING / ELLIPSE, smallest)
    ring_x = ring_y * ELLIPSE if partners else inner
    ring_y = ring_y if partners else inner
    width = math.ceil(2 * (ring_x + MARGIN_X))
    height = math.ceil(ring_y * 2 + MARGIN_TOP + MARGIN_BOTTOM)
    cx, cy = width / 2, float(MARGIN_TOP + ring_y)

    nodes: dict[int, Node] = {}
    for party, (x, y) in zip(centre, _around(len(centre), cx, cy, inner, inner), strict=True):
        nodes[party.key] = _node(party, x, y, is_own=True)
    for party, (x, y) in zip(partners, _around(len(partners), cx, cy, ring_x, ring_y), strict=True):
        nodes[party.key] = _node(party, x, y, is_own=False)

    obstacles = [node.box for node in nodes.values()]
    edges = []
    bends = _bends(ordered, nodes)
    for number, flow in enumerate(ordered, start=1):
        edge = _edge(number, flow, nodes, bends[number - 1], obstacles, (width, height), (cx, cy))
        obstacles.append(edge.label_box)
        edges.append(edge)
    ordered_nodes = tuple(nodes[p.key] for p in [*centre, *partners])
    return _cropped(ordered_nodes, tuple(edges))


def _cropped(nodes: tuple[Node, ...], edges: tuple[Edge, ...]) -> FlowMap:
    """The map, its canvas no bigger than what is drawn on it, with a little space around."""
    if not nodes:
        return FlowMap(0, 0, 0, 0, nodes, edges)
    boxes = [node.box for node in nodes] + [edge.label_box for edge in edges]
    xs = [x for box in boxes for x in (box.left, box.right)]
    ys = [y for box in boxes for y in (box.top, box.bottom)]
    for edge in edges:
        for x, y in edge.points:
            xs.append(x)
            ys.append(y)
    left, top = math.floor(min(xs) - CANVAS_PADDING), math.floor(min(ys) - CANVAS_PADDING)
    right, bottom = math.ceil(max(xs) + CANVAS_PADDING), math.ceil(max(ys) + CANVAS_PADDING)
    return FlowMap(left, top, right - left, bottom - top, nodes, edges)


def _around(count: int, cx: float, cy: float, rx: float, ry: float) -> list[tuple[float, float]]:
    """`count` places evenly around an ellipse, clockwise, the first at the top's right."""
    if count == 0:
        return []
    if count == 1:
        # One partner sits to the right of centre; one own organisation at the centre.
        return [(round(cx + rx, 1), round(cy, 1))]
    start = math.pi / count - math.pi / 2
    places = []
    for i in range(count):
        angle = start + 2 * math.pi * i / count
        places.append((round(cx + rx * math.cos(angle), 1), round(cy + ry * math.sin(angle), 1)))
    return places


def _node(party: Party, x: float, y: float, *, is_own: bool) -> Node:
    return Node(party, x, y, is_own, wrapped(party.name, NAME_WIDTH, NAME_LINES))


def _bends(flows: list[Flow], nodes: dict[int, Node]) -> list[float]:
    """How far each flow's middle bends off the straight line between its two organisations.

    Flows joining the same two organisations spread out `FLOW_SPACING` apart, measured on one
    side of the line from the organisation with the smaller key, so that flows in opposite
    directions bend apart too. A lone flow is straight unless it would cross an organisation.
    """
    pairs: dict[tuple[int, int], list[int]] = {}
    for index, flow in enumerate(flows):
        pair = (min(flow.source.key, flow.target.key), max(flow.source.key, flow.target.key))
        pairs.setdefault(pair, []).append(index)
    bends = [0.0] * len(flows)
    for (low, high), indexes in pairs.items():
        base = FLOW_SPACING if _crosses(nodes[low], nodes[high], nodes.values()) else 0.0
        for place, index in enumerate(indexes):
            offset = (place - (len(indexes) - 1) / 2) * FLOW_SPACING
            bends[index] = base + offset
    return bends


def _crosses(a: Node, b: Node, nodes: Iterable[Node]) -> bool:
    """Whether the straight line from a to b passes close to another organisation."""
    dx, dy = b.x - a.x, b.y - a.y
    length = math.hypot(dx, dy)
    for node in nodes:
        if node.party.key in (a.party.key, b.party.key):
            continue
        along = ((node.x - a.x) * dx + (node.y - a.y) * dy) / (length * length)
        if 0 < along < 1:
            distance = abs((node.x - a.x) * dy - (node.y - a.y) * dx) / length
            if distance < NODE_RADIUS * 1.5:
                return True
    return False


def _edge(
    number: int,
    flow: Flow,
    nodes: dict[int, Node],
    bend: float,
    obstacles: list[Box],
    canvas: tuple[int, int],
    centre: tuple[float, float],
) -> Edge:
    source, target = nodes[flow.source.key], nodes[flow.target.key]
    # The normal is taken from the smaller key to the larger, whichever way the data goes.
    low, high = (source, target) if source.party.key < target.party.key else (target, source)
    dx, dy = high.x - low.x, high.y - low.y
    length = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / length, dx / length
    # A quadratic curve's middle lies halfway to its control point.
    control = ((source.x + target.x) / 2 + 2 * bend * nx, (source.y + target.y) / 2 + 2 * bend * ny)
    start = _towards(source, control, NODE_RADIUS)
    end = _towards(target, control, NODE_RADIUS + ARROW_GAP)
    path = (
        f"M {_n(start[0])} {_n(start[1])} "
        f"Q {_n(control[0])} {_n(control[1])} {_n(end[0])} {_n(end[1])}"
    )
    points = (_rounded(start), _rounded(_on_curve(start, control, end, 0.5)), _rounded(end))
    # Wrapped, never within a reference, so the label reads as it does in the link's name.
    lines = tuple(
        textwrap.wrap(
            flow.agreement_text, width=LABEL_WIDTH, break_long_words=False, break_on_hyphens=False
        )
        or [""]
    )
    label_width, label_height = _label_size(lines)
    from_source = _distance(source, centre) <= _distance(target, centre)
    places = [t if from_source else 1 - t for t in LABEL_PLACES]
    # On the curve first; where that is taken, beside it: on the outside of its bend (or above
    # it), then on the other side.
    upwards = -1.0 if ny > 0 or (ny == 0 and nx < 0) else 1.0
    side = math.copysign(1.0, bend) if bend else upwards
    away = label_width / 2 * abs(nx) + label_height / 2 * abs(ny) + LABEL_GAP
    best: tuple[float, Edge] | None = None
    for shift in (0.0, side * away, -side * away):
        for t in places:
            x, y = _on_curve(start, control, end, t)
            centred = (x + shift * nx, y + shift * ny)
            edge = _placed(number, flow, path, points, lines, centred, canvas)
            box = edge.label_box
            covered = sum(_overlap(box, o) for o in obstacles)
            # The first place clear of the organisations and the labels placed so far; else
            # the one that covers least of them.
            if not covered:
                return edge
            if best is None or covered < best[0]:
                best = (covered, edge)
    assert best is not None
    return best[1]


def _distance(node: Node, point: tuple[float, float]) -> float:
    return math.hypot(node.x - point[0], node.y - point[1])


def _overlap(a: Box, b: Box) -> float:
    """The area two boxes share."""
    across = min(a.right, b.right) - max(a.left, b.left)
    down = min(a.bottom, b.bottom) - max(a.top, b.top)
    return across * down if across > 0 and down > 0 else 0.0


def _placed(
    number: int,
    flow: Flow,
    path: str,
    points: tuple[tuple[float, float], ...],
    lines: tuple[str, ...],
    centre: tuple[float, float],
    canvas: tuple[int, int],
) -> Edge:
    """The edge with its label centred at `centre`, moved inside the canvas if need be."""
    label_width, label_height = _label_size(lines)
    # A pixel to spare, for rounding.
    half_width, half_height = label_width / 2 + 1, label_height / 2 + 1
    x = min(max(centre[0], half_width), canvas[0] - half_width)
    y = min(max(centre[1], half_height), canvas[1] - half_height)
    return Edge(
        number=number,
        flow=flow,
        source=flow.source.key,
        target=flow.target.key,
        path=path,
        points=points,
        label_x=round(x, 1),
        label_y=round(y, 1),
        lines=lines,
    )


def _rounded(point: tuple[float, float]) -> tuple[float, float]:
    return round(point[0], 1), round(point[1], 1)


def _towards(node: Node, point: tuple[float, float], distance: float) -> tuple[float, float]:
    """The point `distance` from the node's centre in the direction of `point`."""
    dx, dy = point[0] - node.x, point[1] - node.y
    length = math.hypot(dx, dy) or 1.0
    return node.x + dx / length * distance, node.y + dy / length * distance


def _on_curve(
    start: tuple[float, float], control: tuple[float, float], end: tuple[float, float], t: float
) -> tuple[float, float]:
    u = 1 - t
    return (
        u * u * start[0] + 2 * u * t * control[0] + t * t * end[0],
        u * u * start[1] + 2 * u * t * control[1] + t * t * end[1],
    )


def _n(value: float) -> str:
    """A coordinate for path data: one decimal place, no trailing zero, no negative zero."""
    text = f"{round(value, 1):.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
