"""Graph structuring: an n8n workflow graph rebuilt as a structured Windmill flow (OpenFlow modules).

n8n workflows are graphs; Windmill flows are structured (sequences, branches,
loops). The structurer walks the graph from its entry nodes and rebuilds the
structure, joining paths again at immediate post-dominators:

- a routing node (IF, Switch, a classifier, an error output) -> a condition
  step that sorts the items per output, then one ``branchone`` per output used,
  each run when its output got items (n8n runs every output that got items);
- one output feeding several nodes (parallel paths) -> ``branchall``;
- a node where several paths meet before the join (a Merge fed by two of them)
  waits for all of them: it is walked once, after the construct;
- a cycle: with a splitInBatches node -> ``forloopflow`` over batches; any
  other cycle (polling: wait, check, if) -> ``whileloopflow`` that stops when
  the condition sends items out of the cycle;
- every other node runs once on all the items that reach it, as n8n runs it
  (after a Split Out too: n8n's ``$itemIndex``, ``$input.all()``, paired items
  and ``executeOnce`` need the node to see all its items at once).

Data flow is explicit: every step reads its input items through a JavaScript
input transform (``results.<step>``, ``flow_input.iter.value``), so nothing
depends on "the previous step". Where paths meet, the expression concatenates
what each branch that ran produced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ...errors import Unsupported
from ..ai import fold_sub_nodes
from ..literals import expression_literal, js_string, js_value, safe_identifier
from ..workflow import Edge, Node, Workflow, strongly_connected
from .context import TRIGGER_INPUT, NodeContext, NodeTranslation
from .links import WorkflowLinks
from .registry import translate_node
from .steps import STEP_HEADER, pass_through_code

EXIT = "\x00exit"
ROOT = "\x00root"
# Branches and loops inside each other: real workflows nest a few levels; deeper is refused with a
# reason, so no recursive walk (here, in the YAML writer, in Windmill) meets Python's recursion limit.
MAX_NESTING = 40
# Graph walks looking for where parallel paths meet: a few thousand steps for real workflows; a graph
# wired so densely that this is exceeded is refused with a reason instead of taking minutes.
MAX_WALK_STEPS = 2_000_000


class StructureError(Unsupported):
    """The graph could not be rebuilt as a structured flow (the file gets an error)."""

    kind = "structure"


@dataclass
class Arrival:
    """Items reaching a node on one of its inputs, possibly only when ``guard`` holds.

    ``source``: the workflow node the items come from (the host names the step's input after it,
    so ``$('Source')`` and paired items resolve as in n8n), when there is one.
    """
    input: int
    items: str
    guard: Optional[str] = None
    source: Optional[str] = None


@dataclass
class Flow:
    target: str
    input: int
    items: str
    guard: Optional[str] = None
    label: str = ""
    source: Optional[str] = None


@dataclass
class Loop:
    header: str
    members: set[str]


class Region:
    """A set of nodes and the edges among them, condensed to a DAG with post-dominators."""

    def __init__(self, nodes: set[str], edges: list[Edge], order: list[str], types: dict[str, str]):
        self.nodes = nodes
        self.types = types
        self.edges = [e for e in edges if e.source in nodes and e.target in nodes]
        self.edge_set = set(self.edges)
        self.order = [n for n in order if n in nodes]
        self.out: dict[str, list[Edge]] = {n: [] for n in self.order}
        self.into: dict[str, list[Edge]] = {n: [] for n in self.order}
        for edge in self.edges:
            self.out[edge.source].append(edge)
            self.into[edge.target].append(edge)
        self._succ: dict[str, list[str]] = {}
        self.loops: dict[str, Loop] = {}
        self.rep: dict[str, str] = {n: n for n in self.order}
        self._find_loops()
        self._post_dominators()

    def succ(self, name: str) -> list[str]:
        found = self._succ.get(name)
        if found is None:
            found = self._succ[name] = list(dict.fromkeys(e.target for e in self.out.get(name, [])))
        return found

    def _find_loops(self):
        for component in strongly_connected(self.order, self.succ):
            members = set(component)
            if len(component) == 1 and component[0] not in self.succ(component[0]):
                continue
            header = self._loop_header(members)
            self.loops[header] = Loop(header, members)
            for member in members:
                self.rep[member] = header

    def _loop_header(self, members: set[str]) -> str:
        ordered = [n for n in self.order if n in members]
        entered = [n for n in ordered if any(e.source not in members for e in self.into[n])]
        batches = [n for n in ordered if self.types.get(n, "").endswith("splitInBatches")]
        for candidates in ([n for n in batches if n in entered], batches, entered, ordered):
            if candidates:
                return candidates[0]
        raise StructureError("empty loop")  # pragma: no cover - components are never empty

    def rep_succ(self, rep: str) -> list[str]:
        members = self.loops[rep].members if rep in self.loops else {rep}
        found = []
        for member in members:
            for target in self.succ(member):
                target_rep = self.rep[target]
                if target_rep != rep and target_rep not in found:
                    found.append(target_rep)
        return found

    def _post_dominators(self):
        reps = list(dict.fromkeys(self.rep[n] for n in self.order))
        successors = {r: self.rep_succ(r) for r in reps}
        self.roots = [r for r in reps if not any(r in s for s in successors.values())]
        reachable = self._reachable(self.roots, successors)
        # Cycles with no way in (rare): enter them at their header.
        for rep in reps:
            if rep not in reachable:
                self.roots.append(rep)
                reachable |= self._reachable([rep], successors)
        successors[ROOT] = list(self.roots)
        self.ipdom: dict[str, str] = {EXIT: EXIT}
        self.depth: dict[str, int] = {EXIT: 0}
        for rep in reversed(self._topological([ROOT] + reps, successors)):
            targets = successors.get(rep) or [EXIT]
            common = targets[0]
            for other in targets[1:]:
                common = self._meet(common, other)
            self.ipdom[rep] = common
            self.depth[rep] = self.depth[common] + 1

    @staticmethod
    def _reachable(starts, successors) -> set[str]:
        seen, todo = set(), list(starts)
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo += successors.get(node, [])
        return seen

    @staticmethod
    def _topological(nodes, successors) -> list[str]:
        indegree = {n: 0 for n in nodes}
        for n in nodes:
            for t in successors.get(n, []):
                indegree[t] = indegree.get(t, 0) + 1
        ready = [n for n in nodes if indegree[n] == 0]
        ordered = []
        while ready:
            node = ready.pop(0)
            ordered.append(node)
            for t in successors.get(node, []):
                indegree[t] -= 1
                if indegree[t] == 0:
                    ready.append(t)
        if len(ordered) != len(nodes):
            raise StructureError("the condensed graph still has a cycle")
        return ordered

    def _meet(self, a: str, b: str) -> str:
        while a != b:
            if self.depth[a] >= self.depth[b]:
                a = self.ipdom[a]
            else:
                b = self.ipdom[b]
        return a



class Structurer:
    def __init__(self, workflow: Workflow, links: Optional[WorkflowLinks] = None):
        self.wf = workflow
        self.links = links or WorkflowLinks()
        self.order = workflow.main_node_names()
        self.types = {n: workflow.nodes[n].type for n in self.order}
        self.top = Region(set(self.order), workflow.main_edges, self.order, self.types)
        self.files: dict[str, str] = {}
        self.ids: set[str] = {"failure", "preprocessor"}
        self.items_of: dict[str, str] = {}
        self.module_of: dict[str, dict] = {}
        self.node_of_step: dict[str, str] = {}     # step id -> the n8n node it stands for (error data)
        self.status: dict[str, str] = {}
        self.reasons: dict[str, str] = {}
        self.triggers: list[tuple[Node, dict]] = []
        self.exits: list[list[tuple[Edge, Optional[str], str]]] = []
        self.deferred: set[str] = set()            # meeting points that wait for every parallel path
        self.pending: dict[str, list[Arrival]] = {}
        self.guards: list[str] = []                # branch conditions around the current walk
        self.notes: list[str] = []                 # structural things not translated (for the description)
        self.resources: set[tuple[str, str]] = set()  # (path, resource type) the flow's steps read
        self.budget = 40 * (len(self.order) + 5)
        self.nesting = 0
        self.walk_steps = 0

    # ---- ids and node translation ----------------------------------------------------------

    def new_id(self, name: str) -> str:
        base = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")[:40] or "step"
        if base[0].isdigit():
            base = "n_" + base
        candidate, counter = base, 2
        while candidate in self.ids:
            candidate, counter = f"{base}_{counter}", counter + 1
        self.ids.add(candidate)
        return safe_identifier(candidate)

    def translate(self, name: str, arrivals: list[Arrival]) -> NodeTranslation:
        self.budget -= 1
        if self.budget < 0:
            raise StructureError("the graph is too entangled to rebuild as a structured flow")
        node = self.wf.nodes[name]
        inputs: dict[int, list[Arrival]] = {}
        for arrival in arrivals:
            inputs.setdefault(arrival.input, []).append(arrival)
        ctx = NodeContext(node=node, workflow=self.wf, step_id=self.new_id(name),
                          items=combine(arrivals) if arrivals else "[{}]",
                          inputs={i: combine(a) for i, a in inputs.items()},
                          node_items=self.items_of.get, links=self.links, new_id=self.new_id,
                          flow_path=self.links.itself.path if self.links.itself else "",
                          output_count=max([e.output + 1 for e in self.wf.outgoing(name)] + [1]),
                          input_sources={i: list(dict.fromkeys(a.source for a in group if a.source))
                                         for i, group in inputs.items()})
        result = translate_node(ctx)
        result = self._with_error_output(node, ctx, result)
        self._account(node, result)
        if result.trigger:
            self.triggers.append((node, result.trigger))
        for module in result.modules:
            if not result.applies_node_settings:
                self._node_options(node, module)
            self.module_of[name] = module
            self.node_of_step.update((step["id"], name) for step in _nested(module))
        self.resources.update(result.resources)
        self.files.update(result.files)
        self.items_of[name] = result.output(0)
        return result

    def _account(self, node: Node, result: NodeTranslation):
        if node.name not in self.status:
            self.status[node.name] = result.status
            if result.reason:
                self.reasons[node.name] = result.reason
            for _kind, sub in fold_sub_nodes(self.wf, node.name):
                self.status.setdefault(sub.name, result.status)
                if result.status != "translated":
                    self.reasons.setdefault(sub.name, f"folded into {node.name!r}, which was not translated")

    def _with_error_output(self, node: Node, ctx: NodeContext, result: NodeTranslation) -> NodeTranslation:
        """``onError``: continue on error, and route errors to n8n's extra error output."""
        if node.on_error not in ("continueErrorOutput", "continueRegularOutput") or not result.modules \
                or result.applies_node_settings:
            return result
        main = next((m for m in result.modules if m["id"] == ctx.step_id), result.modules[-1])
        main["continue_on_error"] = True
        if node.on_error == "continueRegularOutput":
            return result
        error_index = len(result.predicates) if result.predicates else 1
        step = f"results.{ctx.step_id}"
        failed = f"({step}?.error != null)"
        base_output, base_predicates = result.output, result.predicates
        if base_predicates is None:
            base_predicates = ["true"] * max(error_index, 1)
        result.predicates = [f"!{failed} && ({p})" for p in base_predicates[:error_index]] + [failed]
        # n8n's error output: each input item with an ``error`` object added.
        error = f"{{message: {step}.error?.message ?? String({step}.error), name: {step}.error?.name ?? 'Error'}}"
        items = ctx.items
        result.output = lambda i: (f"({items}).map((item) => ({{...item, error: {error}}}))" if i == error_index
                                   else base_output(i))
        return result

    @staticmethod
    def _node_options(node: Node, module: dict):
        if node.raw.get("retryOnFail") and module["value"].get("type") in ("rawscript", "script", "flow"):
            tries = node.raw.get("maxTries", 3)
            wait_ms = node.raw.get("waitBetweenTries", 1000)
            module["retry"] = {"constant": {"attempts": max(1, int(tries) - 1 if isinstance(tries, int) else 2),
                                            "seconds": max(0, int(wait_ms) // 1000 if isinstance(wait_ms, int) else 1)}}

    # ---- walking the graph ---------------------------------------------------------------

    def build(self) -> list[dict]:
        roots = sorted(self.top.roots, key=self._root_rank)
        if not roots:
            return []
        if len(roots) == 1:
            modules, _ = self.walk(self.top, roots[0], [], EXIT)
            return modules
        default = roots[0]
        # (expression_literal: an entry named "return ..." must not turn the condition into a function body)
        flows = [Flow(root, 0, "[{}]", guard=f"(flow_input.{TRIGGER_INPUT} ?? {expression_literal(default)}) === "
                                             f"{expression_literal(root)}", label=f"entry: {root}") for root in roots]
        join = self.top.ipdom.get(ROOT, EXIT)
        modules, arrivals = self.dispatch(self.top, ROOT, flows, join, routing=True)
        if join != EXIT:
            rest, _ = self.walk(self.top, join, arrivals, EXIT)
            modules += rest
        return modules

    def entry_points(self) -> list[str]:
        """The workflow's entry nodes in the order the flow offers them (the first is the default)."""
        return sorted(self.top.roots, key=self._root_rank)

    def _root_rank(self, name: str) -> tuple:
        node_type = self.wf.nodes[name].type
        rank = 0 if node_type.endswith(("webhook", "chatTrigger", "formTrigger")) else \
            1 if node_type.lower().endswith("trigger") or node_type.endswith(("cron", "start")) else 2
        return (rank, self.order.index(name))

    def walk(self, region: Region, start: str, arrivals: list[Arrival], stop: str) -> tuple[list[dict], list[Arrival]]:
        """Modules for the path from ``start`` up to (not including) ``stop``, and what arrives at ``stop``."""
        self.nesting += 1
        try:
            if self.nesting > MAX_NESTING:
                raise StructureError(f"branches and loops nested deeper than {MAX_NESTING} levels")
            return self._walk(region, start, arrivals, stop)
        finally:
            self.nesting -= 1

    def _walk(self, region: Region, start: str, arrivals: list[Arrival], stop: str) -> tuple[list[dict], list[Arrival]]:
        modules: list[dict] = []
        current = start
        while current != stop and current != EXIT:
            if current != start and current in self.deferred:
                for arrival in arrivals:
                    self._defer(Flow(current, arrival.input, arrival.items, arrival.guard, source=arrival.source))
                return modules, []
            if region.rep.get(current, current) != current:
                current = region.rep[current]  # a cycle entered in its middle: enter it at its header
            if current in region.loops:
                loop_modules, flows = self.emit_loop(region, region.loops[current], arrivals)
                modules += loop_modules
                routing = any(f.guard for f in flows)
            else:
                result = self.translate(current, arrivals)
                modules += result.modules
                flows = self.flows_from(region, current, result)
                routing = result.predicates is not None
            if not flows:
                return modules, []
            join = region.ipdom.get(region.rep[current], EXIT)
            if stop != EXIT and join != stop and not self._before(region, join, stop):
                join = stop
            branch_modules, arrivals = self.dispatch(region, current, flows, join, routing)
            modules += branch_modules
            current = join
        return modules, arrivals

    def _before(self, region: Region, node: str, stop: str) -> bool:
        """Whether ``node`` lies before ``stop`` on the post-dominator chain."""
        while node != EXIT:
            if node == stop:
                return True
            node = region.ipdom.get(node, EXIT)
        return False

    def flows_from(self, region: Region, name: str, result: NodeTranslation) -> list[Flow]:
        flows = []
        node = self.wf.nodes[name]
        for edge in self.wf.outgoing(name):
            if node.disabled and edge.output != 0:
                continue
            guard = None
            if result.predicates is not None:
                guard = result.predicates[edge.output] if edge.output < len(result.predicates) else "false"
            items = result.output(edge.output)
            if edge not in region.edge_set:
                if self.exits:
                    self.exits[-1].append((edge, guard, items))
                continue
            flows.append(Flow(edge.target, edge.input, items, guard, label=f"output {edge.output}", source=name))
        return flows

    def dispatch(self, region: Region, source: str, flows: list[Flow], join: str,
                 routing: bool) -> tuple[list[dict], list[Arrival]]:
        """Branch constructs for the flows leaving ``source``; returns what arrives at ``join``."""
        if all(f.target == join for f in flows):
            # Nothing runs between here and the join: the guards travel with the items.
            return [], [Arrival(f.input, f.items, f.guard, f.source) for f in flows]
        flows = [f for f in flows if not self._defer(f)]
        if not flows:
            return [], []
        if all(f.target == join for f in flows):
            return [], [Arrival(f.input, f.items, f.guard, f.source) for f in flows]
        if not routing and len(flows) == 1:
            flow = flows[0]
            modules, arrivals = self.walk(region, flow.target, [Arrival(flow.input, flow.items, source=flow.source)], join)
            return modules, arrivals
        if routing:
            return self._branch_one(region, source, flows, join)
        return self._branch_all(region, source, flows, join)

    def _branch_one(self, region, source, flows, join):
        """One branch per output used, each run when its output has items.

        n8n sends each item to its own output and runs every output that got items, so the
        branches are consecutive ``branchone`` modules, not one exclusive choice. (The entry
        points of a workflow are exclusive: there, one ``branchone`` picks the trigger.)
        A node that several branches lead to before ``join`` is walked once, after them.
        """
        groups: dict[str, list[Flow]] = {}
        for flow in flows:
            groups.setdefault(flow.guard or "true", []).append(flow)
        meeting = self._meeting_points(region, [[f.target for f in members] for members in groups.values()], join)
        self.deferred |= meeting
        branches, arrivals = [], []
        try:
            for guard, members in groups.items():
                self.guards.append(guard)
                try:
                    modules, reached = self._paths(region, members, join)
                finally:
                    self.guards.pop()
                branches.append({"summary": members[0].label or "branch", "expr": guard, "modules": modules})
                arrivals += [Arrival(a.input, a.items, _and(guard, a.guard), a.source) for a in reached]
        finally:
            self.deferred -= meeting
        label = _label(source)
        if source == ROOT:
            constructs = [{"id": self.new_id("start_branches"), "summary": "start: the n8n entry point this run uses",
                           "value": {"type": "branchone", "branches": branches, "default": []}}]
        else:
            constructs = [{"id": self.new_id(f"{label}_{branch['summary']}"),
                           "summary": f"{label}: {branch['summary']} (runs when items went there)",
                           "value": {"type": "branchone", "branches": [branch], "default": []}}
                          for branch in branches if branch["modules"]]
        after, reached = self._walk_meeting_points(region, meeting, join)
        return constructs + after, arrivals + reached

    def _branch_all(self, region, source, flows, join):
        """Parallel paths. A node where paths meet before ``join`` (a Merge fed by two of
        them) waits, like n8n, until every path ran: it is deferred and walked after."""
        meeting = self._meeting_points(region, [[f.target] for f in flows], join)
        self.deferred |= meeting
        branches, arrivals = [], []
        try:
            for flow in flows:
                modules, reached = self._paths(region, [flow], join)
                branches.append({"summary": f"to {flow.target}", "skip_failure": False, "modules": modules})
                arrivals += reached
        finally:
            self.deferred -= meeting
        module = {"id": self.new_id(f"{_label(source)}_parallel"),
                  "summary": f"{_label(source)}: parallel paths",
                  "value": {"type": "branchall", "branches": branches, "parallel": True}}
        after, reached = self._walk_meeting_points(region, meeting, join)
        return [module] + after, arrivals + reached

    def _walk_meeting_points(self, region, meeting: set[str], join) -> tuple[list[dict], list[Arrival]]:
        """Walk each deferred meeting point once its items are all parked (in graph order).

        If every item that reached it came through a branch condition, the walk runs only
        when one of those held (as in n8n, a node no item reaches does not run)."""
        modules, arrivals = [], []
        for node in [n for n in region.order if n in meeting]:
            if node in self.deferred:
                continue  # an outer construct waits for it too
            parked = self.pending.pop(node, [])
            if not parked:
                continue
            steps, reached = self.walk(region, node, parked, join)
            guards = [a.guard for a in parked]
            if all(guards) and steps:
                condition = " || ".join(f"({g})" for g in dict.fromkeys(guards))
                steps = [{"id": self.new_id(f"{node}_if_reached"), "summary": f"{node}: only if items reached it",
                          "value": {"type": "branchone", "branches": [{"summary": "reached", "expr": condition,
                                                                         "modules": steps}], "default": []}}]
                reached = [Arrival(a.input, a.items, _and(condition, a.guard), a.source) for a in reached]
            modules += steps
            arrivals += reached
        return modules, arrivals

    def _meeting_points(self, region: Region, groups: list[list[str]], join: str) -> set[str]:
        """Nodes with several inputs that more than one group of paths reaches before ``join``."""
        reach: dict[str, int] = {}
        starts = {start for group in groups for start in group}
        for group in groups:
            seen: set[str] = set()
            todo = list(group)
            while todo:
                node = todo.pop()
                if node in seen or node == join or node not in region.nodes:
                    continue
                seen.add(node)
                successors = region.succ(node)
                todo += successors
                self.walk_steps += len(successors) + 1
                if self.walk_steps > MAX_WALK_STEPS:
                    raise StructureError(f"the graph is wired too densely to rebuild as a structured flow "
                                         f"({len(region.edges)} connections between {len(region.nodes)} nodes)")
            for node in seen:
                reach[node] = reach.get(node, 0) + 1
        return {n for n, count in reach.items()
                if count > 1 and n not in starts and len(region.into.get(n, [])) > 1 and region.rep[n] == n}

    def _defer(self, flow: Flow) -> bool:
        """Park items for a deferred meeting point (with the guards of the branches they came through)."""
        if flow.target not in self.deferred:
            return False
        guard = None
        for outer in self.guards:
            guard = _and(guard, outer) if guard else (None if outer == "true" else outer)
        self.pending.setdefault(flow.target, []).append(Arrival(flow.input, flow.items, _and(guard, flow.guard), flow.source))
        return True

    def _paths(self, region, flows: list[Flow], join) -> tuple[list[dict], list[Arrival]]:
        """One branch body: a single path, or parallel paths when one output feeds several nodes."""
        if len(flows) == 1:
            flow = flows[0]
            if flow.target == join:
                return [], [Arrival(flow.input, flow.items, source=flow.source)]
            if self._defer(flow):
                return [], []
            return self.walk(region, flow.target, [Arrival(flow.input, flow.items, source=flow.source)], join)
        unguarded = [Flow(f.target, f.input, f.items, None, f.label, f.source) for f in flows]
        return self._branch_all(region, "paths", unguarded, join)

    # ---- loops ------------------------------------------------------------------------------

    def emit_loop(self, region: Region, loop: Loop, arrivals: list[Arrival]) -> tuple[list[dict], list[Flow]]:
        header = self.wf.nodes[loop.header]
        if header.short_type == "splitInBatches" and not header.disabled:
            return self._batch_loop(region, loop, arrivals)
        return self._while_loop(region, loop, arrivals)

    def _body_region(self, loop: Loop, include_header: bool) -> Region:
        nodes = set(loop.members) if include_header else loop.members - {loop.header}
        edges = [e for e in self.wf.main_edges if e.target != loop.header]
        return Region(nodes, edges, self.order, self.types)

    def _batch_loop(self, region: Region, loop: Loop, arrivals: list[Arrival]) -> tuple[list[dict], list[Flow]]:
        header = self.wf.nodes[loop.header]
        batches = self.translate(loop.header, arrivals)
        loop_output = 1 if header.type_version >= 3 else 0
        loop_id = self.new_id(f"{loop.header}_loop")
        body = self._body_region(loop, include_header=False)
        self.exits.append([])
        modules: list[dict] = []
        starts = [e for e in self.wf.outgoing(loop.header) if e.output == loop_output and e.target in body.nodes]
        flows = [Flow(e.target, e.input, "flow_input.iter.value", source=loop.header) for e in starts]
        if flows:
            join = EXIT
            modules, _ = self.dispatch(body, loop.header, flows, join, routing=False)
        exits = self.exits.pop()
        back = [Arrival(0, items, guard) for edge, guard, items in exits if edge.target == loop.header]
        tail = self._tail_step(loop.header, back or [Arrival(0, "flow_input.iter.value")])
        loop_module = {"id": loop_id, "summary": f"{header.name}: once per batch",
                       "value": {"type": "forloopflow", "iterator": {"type": "javascript", "expr": f"results.{batches.modules[0]['id']}"},
                                 "skip_failures": False, "parallel": False, "modules": modules + [tail]}}
        done = f"results.{loop_id}.flat()"
        after = [Flow(e.target, e.input, done, label="done", source=loop.header) for e in self.wf.outgoing(loop.header)
                 if e.output != loop_output and e.target not in loop.members]
        after += [Flow(edge.target, edge.input, done, label="after the loop", source=loop.header) for edge, _g, _i in exits
                  if edge.target != loop.header and edge.target not in loop.members]
        self.items_of[loop.header] = done
        return batches.modules + [loop_module], _unique_targets(after)

    def _while_loop(self, region: Region, loop: Loop, arrivals: list[Arrival]) -> tuple[list[dict], list[Flow]]:
        loop_id = self.new_id(f"{loop.header}_loop")
        tail_id = self.new_id(f"{loop.header}_next")
        entry = combine(arrivals) if arrivals else "[{}]"
        first = [Arrival(0, f"(flow_input.iter.index === 0 ? {entry} : results.{tail_id})",
                         source=next((a.source for a in arrivals if a.source), None))]
        body = self._body_region(loop, include_header=True)
        self.exits.append([])
        modules, _ = self.walk(body, loop.header, first, EXIT)
        exits = self.exits.pop()
        back = [Arrival(0, items, guard) for edge, guard, items in exits if edge.target == loop.header]
        leaving = [(edge, guard, items) for edge, guard, items in exits if edge.target != loop.header]
        if not any(guard and edge.source in self.module_of for edge, guard, _items in leaving):
            return self._unconditional_cycle(loop, modules, leaving)
        after = []
        for edge, guard, items in leaving:
            module = self.module_of.get(edge.source)
            if module is None or not guard:
                # Items that leave on every round (no condition) continue after the loop, from its last round.
                after.append(Flow(edge.target, edge.input, items, label="after the loop", source=edge.source))
                continue
            stop = guard.replace(f"results.{module['id']}", "result")
            previous = module.get("stop_after_if", {}).get("expr")
            module["stop_after_if"] = {"expr": f"({previous}) || ({stop})" if previous else stop, "skip_if_stopped": False}
            after.append(Flow(edge.target, edge.input, items, guard if len(leaving) > 1 else None, label="after the loop",
                              source=edge.source))
        tail = self._tail_step(loop.header, back or [Arrival(0, "[]")], tail_id)
        loop_module = {"id": loop_id, "summary": f"repeat from {loop.header} until the cycle is left (n8n loop)",
                       "value": {"type": "whileloopflow", "skip_failures": False, "modules": modules + [tail]}}
        return [loop_module], _unique_targets(after)

    def _unconditional_cycle(self, loop: Loop, body: list[dict], leaving) -> tuple[list[dict], list[Flow]]:
        """A cycle nothing can leave (n8n runs it until something fails): one pass, then a loud stop."""
        reason = (f"the n8n workflow loops back to {loop.header!r} with no condition that ever leaves the loop "
                  "(n8n would repeat it until a node fails); the loop-back was not translated")
        step_id = self.new_id(f"{loop.header}_loops_back")
        self.files[f"{step_id}.ts"] = (STEP_HEADER
                                       + "// PLACEHOLDER: a loop back that n8n repeats until a node fails; main() says why.\n"
                                       + f"const N8N_NODE = {js_value({'name': loop.header, 'reason': reason})};\n"
                                       + "export async function main() {\n"
                                       + f"  throw new Error({js_string('Not translated: ' + reason)});\n}}\n")
        self.notes.append(reason)
        stop = {"id": step_id, "summary": f"PLACEHOLDER (not translated): loop back to {loop.header}",
                "value": {"type": "rawscript", "language": "bun", "content": f"!inline {step_id}.ts",
                          "input_transforms": {}}}
        after = [Flow(edge.target, edge.input, items, label="after one pass", source=edge.source)
                 for edge, _guard, items in leaving]
        # The other steps run once before the stop, as in n8n's first pass.
        return body + [stop], _unique_targets(after)

    def _tail_step(self, header: str, back: list[Arrival], step_id: Optional[str] = None,
                   summary: str = "") -> dict:
        """The items that go round the loop again (n8n: the edges back into the loop's first node)."""
        step_id = step_id or self.new_id(f"{header}_next")
        self.ids.add(step_id)
        self.files[f"{step_id}.ts"] = pass_through_code("The items that n8n sends back to the start of the loop.",
                                                        f"const N8N_NODE = {js_value({'name': header})};\n")
        return {"id": step_id, "summary": summary or f"items going round the loop to {header}",
                "value": {"type": "rawscript", "language": "bun", "content": f"!inline {step_id}.ts",
                          "input_transforms": {"items": {"type": "javascript", "expr": combine(back)}}}}


def _nested(module: dict):
    """A module and every module inside it (branches, loops)."""
    todo = [module]
    while todo:
        current = todo.pop()
        yield current
        value = current.get("value", {})
        todo += value.get("modules", []) + value.get("default", [])
        for branch in value.get("branches", []):
            todo += branch.get("modules", [])


def combine(arrivals: list[Arrival]) -> str:
    """One items expression from several arrivals; a guarded one counts only when its branch ran."""
    if not arrivals:
        return "[]"
    parts = list(dict.fromkeys(a.items if not a.guard else f"(({a.guard}) ? {a.items} : [])" for a in arrivals))
    if len(parts) == 1:
        return parts[0]
    return "[" + ", ".join(f"...{p}" if p.startswith("((") else f"...({p})" for p in parts) + "]"


def _and(outer: Optional[str], inner: Optional[str]) -> Optional[str]:
    if not outer or outer == "true":
        return inner
    if not inner:
        return outer
    return f"({outer}) && ({inner})"


def _label(name: str) -> str:
    return "start" if name == ROOT else name


def _unique_targets(flows: list[Flow]) -> list[Flow]:
    seen, unique = set(), []
    for flow in flows:
        key = (flow.target, flow.input, flow.guard)
        if key not in seen:
            seen.add(key)
            unique.append(flow)
    return unique
