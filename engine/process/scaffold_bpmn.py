"""The standard legal skeleton as a BPMN file with its diagram, for `tthc procedure new` and `tthc procedure import`.

The flow is the sample procedure's (docs/bpmn-conventions.md, "The legal skeleton"): filing, intake (receive,
one-time supplement, refusal), assessment, a supplement and an extension during processing (the department
leader, then the centre director, D17), approval (or send back), signing and the return of the result. A
same-day procedure (D16) has the same steps: it too can be extended (D18: 1/3 of one working day, 2 h 40 min,
asked before the due instant) and its assessment can ask for a supplement (D12), as in khai-sinh.

Lanes are roles. The diagram is laid out here: each node has a lane (row) and a column, so every element is
drawn and a modeler opens the file as it would a hand-drawn one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from engine.core import vocabulary

ORDER = ("citizen", "receiving_officer", "specialist", "department_leader", "centre_director", "clerk")
LANES = {role: str(vocabulary.ROLES[role]) for role in ORDER}  # a lane's name is its role's label
LANE_IDS = {"citizen": "Lane_cong_dan", "receiving_officer": "Lane_can_bo_tiep_nhan",
            "specialist": "Lane_chuyen_vien", "department_leader": "Lane_lanh_dao_phong",
            "centre_director": "Lane_giam_doc_trung_tam", "clerk": "Lane_van_thu"}
SIZES = {"startEvent": (36, 36), "endEvent": (36, 36), "exclusiveGateway": (50, 50), "userTask": (100, 80)}
COLUMN, LANE_HEIGHT, LEFT, TOP = 130, 150, 150, 60
# the form of each step, as forms/<slug>-<suffix>.schema.json
STEP_FORMS = {"intake": "tiep-nhan", "supplement": "nop", "assessment": "tham-dinh", "extension_review": "gia-han",
              "approval": "phe-duyet", "signing": "ky-ban-hanh", "return": "tra-ket-qua"}


@dataclass
class Node:
    id: str
    kind: str
    name: str
    lane: str
    col: int
    step: str | None = None
    actions: str | None = None
    default: str | None = None


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str = ""
    action: str | None = None  # the condition ``action == "x"``


@dataclass
class Graph:
    nodes: list[Node] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)


def graph(same_day: bool = False) -> Graph:
    """The skeleton's nodes and flows. A same-day procedure's are the same (D12, D18 apply to it too)."""
    approval_col = 11
    nodes = [
        Node("StartEvent_nop", "startEvent", "Nộp hồ sơ", "citizen", 0),
        Node("gw_hop_tiep_nhan", "exclusiveGateway", "Hợp luồng tiếp nhận", "receiving_officer", 1),
        Node("tiep_nhan", "userTask", "Tiếp nhận hồ sơ", "receiving_officer", 2, "intake"),
        Node("gw_tiep_nhan", "exclusiveGateway", "Kết quả tiếp nhận?", "receiving_officer", 3,
             default="Flow_tu_choi_tiep_nhan"),
        Node("bo_sung_tiep_nhan", "userTask", "Bổ sung hồ sơ (giai đoạn tiếp nhận)", "citizen", 2, "supplement"),
        Node("end_tu_choi", "endEvent", "Từ chối tiếp nhận", "receiving_officer", 4),
        Node("gw_hop_tham_dinh", "exclusiveGateway", "Hợp luồng thẩm định", "specialist", 4),
        Node("tham_dinh", "userTask", vocabulary.STEPS["assessment"].title, "specialist", 5, "assessment"),
        Node("gw_tham_dinh", "exclusiveGateway", "Kết quả thẩm định?", "specialist", 6,
             default="Flow_tham_dinh_de_xuat"),
        Node("bo_sung_xu_ly", "userTask", "Bổ sung hồ sơ (giai đoạn xử lý)", "citizen", 6, "supplement"),
        Node("gia_han_phong", "userTask", "Lãnh đạo phòng xem xét gia hạn", "department_leader", 7,
             "extension_review"),
        Node("gw_gia_han_phong", "exclusiveGateway", "Lãnh đạo phòng đồng ý gia hạn?", "department_leader", 8,
             default="Flow_gia_han_phong_tu_choi"),
        Node("gia_han_trung_tam", "userTask", "Giám đốc trung tâm xác nhận gia hạn", "centre_director", 9,
             "extension_review"),
        Node("gw_gia_han_tt", "exclusiveGateway", "Trung tâm xác nhận gia hạn?", "centre_director", 10,
             default="Flow_gia_han_tt_tu_choi"),
        Node("phe_duyet", "userTask", "Phê duyệt kết quả", "department_leader", approval_col, "approval"),
        Node("gw_phe_duyet", "exclusiveGateway", "Kết quả phê duyệt?", "department_leader", approval_col + 1,
             default="Flow_phe_duyet_ban_hanh"),
        Node("ky_ban_hanh", "userTask", "Ký số, đóng dấu và ban hành kết quả", "clerk", approval_col + 1, "signing"),
        Node("tra_ket_qua", "userTask", "Trả kết quả", "receiving_officer", approval_col + 2, "return"),
        Node("end_tra_ket_qua", "endEvent", "Đã trả kết quả", "receiving_officer", approval_col + 3),
    ]
    flows = [
        Flow("Flow_nop", "StartEvent_nop", "gw_hop_tiep_nhan"),
        Flow("Flow_vao_tiep_nhan", "gw_hop_tiep_nhan", "tiep_nhan"),
        Flow("Flow_tiep_nhan_xong", "tiep_nhan", "gw_tiep_nhan"),
        Flow("Flow_tiep_nhan_dong_y", "gw_tiep_nhan", "gw_hop_tham_dinh", "Tiếp nhận", "receive"),
        Flow("Flow_tiep_nhan_yc_bo_sung", "gw_tiep_nhan", "bo_sung_tiep_nhan", "Yêu cầu bổ sung",
             "request_supplement"),
        Flow("Flow_bo_sung_tiep_nhan_xong", "bo_sung_tiep_nhan", "gw_hop_tiep_nhan", "Đã bổ sung"),
        Flow("Flow_tu_choi_tiep_nhan", "gw_tiep_nhan", "end_tu_choi", "Từ chối"),
        Flow("Flow_vao_tham_dinh", "gw_hop_tham_dinh", "tham_dinh"),
        Flow("Flow_tham_dinh_xong", "tham_dinh", "gw_tham_dinh"),
        Flow("Flow_tham_dinh_yc_bo_sung", "gw_tham_dinh", "bo_sung_xu_ly", "Yêu cầu bổ sung",
             "request_supplement"),
        Flow("Flow_bo_sung_xu_ly_xong", "bo_sung_xu_ly", "gw_hop_tham_dinh", "Đã bổ sung"),
        Flow("Flow_tham_dinh_yc_gia_han", "gw_tham_dinh", "gia_han_phong", "Đề nghị gia hạn",
             "request_extension"),
        Flow("Flow_gia_han_phong_xong", "gia_han_phong", "gw_gia_han_phong"),
        Flow("Flow_gia_han_phong_dong_y", "gw_gia_han_phong", "gia_han_trung_tam", "Đồng ý gia hạn",
             "confirm_extension"),
        Flow("Flow_gia_han_phong_tu_choi", "gw_gia_han_phong", "gw_hop_tham_dinh", "Không đồng ý gia hạn"),
        Flow("Flow_gia_han_tt_xong", "gia_han_trung_tam", "gw_gia_han_tt"),
        Flow("Flow_gia_han_tt_dong_y", "gw_gia_han_tt", "gw_hop_tham_dinh", "Xác nhận gia hạn",
             "confirm_extension"),
        Flow("Flow_gia_han_tt_tu_choi", "gw_gia_han_tt", "gw_hop_tham_dinh", "Không xác nhận gia hạn"),
        Flow("Flow_tham_dinh_de_xuat", "gw_tham_dinh", "phe_duyet", "Đề xuất giải quyết"),
        Flow("Flow_phe_duyet_xong", "phe_duyet", "gw_phe_duyet"),
        Flow("Flow_phe_duyet_tra_lai", "gw_phe_duyet", "gw_hop_tham_dinh", "Trả lại thẩm định", "send_back"),
        Flow("Flow_phe_duyet_ban_hanh", "gw_phe_duyet", "ky_ban_hanh", "Duyệt / từ chối giải quyết"),
        Flow("Flow_ban_hanh_xong", "ky_ban_hanh", "tra_ket_qua", "Đã ban hành"),
        Flow("Flow_tra_ket_qua_xong", "tra_ket_qua", "end_tra_ket_qua"),
    ]
    return Graph(nodes, flows)


def _a(value: str) -> str:
    return quoteattr(value)


def _properties(pairs: list[tuple[str, str]], indent: str) -> str:
    lines = [f'{indent}<spiffworkflow:property name={_a(k)} value={_a(v)}/>' for k, v in pairs]
    return "\n".join(lines)


def render(slug: str, process_id: str, title: str, catalogue: list[tuple[str, str]], same_day: bool) -> str:
    """The BPMN file: the process with ``catalogue`` as its properties, the skeleton, lanes and the diagram."""
    g = graph(same_day)
    lanes = [lane for lane in LANES if any(n.lane == lane for n in g.nodes)]
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
           'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
           'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
           f'id="Definitions_{process_id}" targetNamespace="http://bpmn.io/schema/bpmn" exporter="tthc" '
           'exporterVersion="1.0">',
           f'  <bpmn:collaboration id="Collaboration_{process_id}">',
           f'    <bpmn:participant id="Participant_{process_id}" name={_a(title)} processRef="{process_id}"/>',
           '  </bpmn:collaboration>',
           f'  <bpmn:process id="{process_id}" name={_a(title)} isExecutable="true">',
           '    <bpmn:extensionElements>', '      <spiffworkflow:properties>',
           _properties(catalogue, "        "),
           '      </spiffworkflow:properties>', '    </bpmn:extensionElements>',
           f'    <bpmn:laneSet id="LaneSet_{process_id}">']
    for lane in lanes:
        out.append(f'      <bpmn:lane id="{LANE_IDS[lane]}" name={_a(LANES[lane])}>')
        out += [f'        <bpmn:flowNodeRef>{n.id}</bpmn:flowNodeRef>' for n in g.nodes if n.lane == lane]
        out.append('      </bpmn:lane>')
    out.append('    </bpmn:laneSet>')
    for n in g.nodes:
        default = f' default="{n.default}"' if n.default else ""
        out.append(f'    <bpmn:{n.kind} id="{n.id}" name={_a(n.name)}{default}>')
        if n.step:
            pairs = [("step", n.step), ("formJsonSchemaFilename", f"{slug}-{STEP_FORMS[n.step]}.schema.json")]
            if n.actions:
                pairs.append(("actions", n.actions))
            out += ['      <bpmn:extensionElements>', '        <spiffworkflow:properties>',
                    _properties(pairs, "          "), '        </spiffworkflow:properties>',
                    '      </bpmn:extensionElements>']
        out += [f'      <bpmn:incoming>{f.id}</bpmn:incoming>' for f in g.flows if f.target == n.id]
        out += [f'      <bpmn:outgoing>{f.id}</bpmn:outgoing>' for f in g.flows if f.source == n.id]
        out.append(f'    </bpmn:{n.kind}>')
    for f in g.flows:
        name = f" name={_a(f.name)}" if f.name else ""
        head = f'    <bpmn:sequenceFlow id="{f.id}"{name} sourceRef="{f.source}" targetRef="{f.target}"'
        if f.action:
            out += [head + ">", '      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
                    f'{escape(f"action == {chr(34)}{f.action}{chr(34)}")}</bpmn:conditionExpression>',
                    '    </bpmn:sequenceFlow>']
        else:
            out.append(head + "/>")
    out.append('  </bpmn:process>')
    out += diagram(g, process_id, lanes)
    out.append('</bpmn:definitions>')
    return "\n".join(out) + "\n"


def _box(node: Node, lanes: list[str]) -> tuple[int, int, int, int]:
    width, height = SIZES[node.kind]
    cx = LEFT + 60 + node.col * COLUMN + 50
    cy = TOP + lanes.index(node.lane) * LANE_HEIGHT + LANE_HEIGHT // 2
    return cx - width // 2, cy - height // 2, width, height


def _route(g: Graph, flow: Flow, boxes: dict, lanes: list[str]) -> list[tuple[int, int]]:
    """Orthogonal waypoints: straight along a lane, an L between lanes, and around the nodes of a lane when a
    flow goes back to the left across them (it enters the target from above or below)."""
    sx, sy, sw, sh = boxes[flow.source]
    tx, ty, tw, th = boxes[flow.target]
    scx, scy, tcx, tcy = sx + sw // 2, sy + sh // 2, tx + tw // 2, ty + th // 2
    source, target = (next(n for n in g.nodes if n.id == i) for i in (flow.source, flow.target))
    if scy == tcy:
        if tcx > scx:
            return [(sx + sw, scy), (tx, tcy)]
        over = min(sy, ty) - 20
        return [(scx, sy), (scx, over), (tcx, over), (tcx, ty)]
    down = tcy > scy
    start = (scx, sy + sh if down else sy)
    if scx == tcx:
        return [start, (tcx, ty if down else ty + th)]
    if tcx > scx:
        return [start, (scx, tcy), (tx, tcy)]
    between = [n for n in g.nodes if n.lane == target.lane and target.col < n.col < source.col]
    if not between:
        return [start, (scx, tcy), (tx + tw, tcy)]
    edge = ty + th if not down else ty  # come in from the side of the target that faces the source
    side = edge + 25 if not down else edge - 25
    return [start, (scx, side), (tcx, side), (tcx, edge)]


def diagram(g: Graph, process_id: str, lanes: list[str]) -> list[str]:
    width = 60 + (max(n.col for n in g.nodes) + 1) * COLUMN + 40
    height = len(lanes) * LANE_HEIGHT
    out = [f'  <bpmndi:BPMNDiagram id="BPMNDiagram_{process_id}">',
           f'    <bpmndi:BPMNPlane id="BPMNPlane_{process_id}" bpmnElement="Collaboration_{process_id}">',
           f'      <bpmndi:BPMNShape id="Participant_{process_id}_di" bpmnElement="Participant_{process_id}" '
           'isHorizontal="true">',
           f'        <dc:Bounds x="{LEFT - 30}" y="{TOP}" width="{width + 30}" height="{height}"/>',
           '      </bpmndi:BPMNShape>']
    for i, lane in enumerate(lanes):
        out += [f'      <bpmndi:BPMNShape id="{LANE_IDS[lane]}_di" bpmnElement="{LANE_IDS[lane]}" isHorizontal="true">',
                f'        <dc:Bounds x="{LEFT}" y="{TOP + i * LANE_HEIGHT}" width="{width}" height="{LANE_HEIGHT}"/>',
                '      </bpmndi:BPMNShape>']
    boxes = {n.id: _box(n, lanes) for n in g.nodes}
    for n in g.nodes:
        x, y, w, h = boxes[n.id]
        marker = ' isMarkerVisible="true"' if n.kind == "exclusiveGateway" else ""
        out += [f'      <bpmndi:BPMNShape id="{n.id}_di" bpmnElement="{n.id}"{marker}>',
                f'        <dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}"/>']
        if n.kind != "userTask":  # events and gateways carry their name below them
            out += ['        <bpmndi:BPMNLabel>',
                    f'          <dc:Bounds x="{x + w // 2 - 50}" y="{y + h + 6}" width="100" height="27"/>',
                    '        </bpmndi:BPMNLabel>']
        out.append('      </bpmndi:BPMNShape>')
    for f in g.flows:
        out.append(f'      <bpmndi:BPMNEdge id="{f.id}_di" bpmnElement="{f.id}">')
        out += [f'        <di:waypoint x="{x}" y="{y}"/>' for x, y in _route(g, f, boxes, lanes)]
        out.append('      </bpmndi:BPMNEdge>')
    out += ['    </bpmndi:BPMNPlane>', '  </bpmndi:BPMNDiagram>']
    return out
