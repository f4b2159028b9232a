"""The demo quarter's goals: company → department → team → employee, and the
bottom-up proposals that answer them, written through ``services.goals``.

The company's quantities (revenue, projects delivered, tickets resolved) are
split down to the teams; revenue down to each salesperson. The numbers start
from the people's plan targets, so an employee goal is exactly their plan's
target, and a few splits deliberately do not add up: the company keeps part of
its revenue unallocated, the South team is asked for less than its people's
goals add up to (over-allocated), Key Accounts for more (under-allocated), and
R&D has not handed out all of its projects. Team leads and the sales head
propose what they can take on, and South's reps answer for themselves, so the
gap report has something to negotiate. Retention is measured on the company
goal itself. Company goals weigh 40/25/20/15; a split goal's weight is its
share of its parent's target.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from perfloop.demo.company import COMPANY, DEPARTMENTS
from perfloop.services import goals
from perfloop.services.goals import GoalData

if TYPE_CHECKING:
    from perfloop.demo.context import Demo
    from perfloop.demo.targets import Person

# indicator -> (library, unit, zh, en, company goal weight)
QUANTITIES: Final = {
    "sales": ("revenue", "sales-kpis@1", "CNY", "销售收入", "revenue", 40.0),
    "rnd": ("projects_delivered", "rd-kpis@1", "count", "交付项目数", "projects delivered", 25.0),
    "cs": ("tickets_resolved", "service-kpis@1", "count", "解决工单数", "tickets resolved", 20.0),
}
#: How a team's goal differs from what its people's goals add up to.
TEAM_SKEW: Final = {"sales-south": -400_000.0, "sales-key": 500_000.0}
#: What a department keeps back from its teams, and the company from its departments.
DEPARTMENT_SLACK: Final = {"rnd": 4.0}
COMPANY_SLACK: Final = {"sales": 1_000_000.0}
#: What team leads propose to take on, as a share of their team's goal.
TEAM_PROPOSALS: Final = {"sales-north": 1.0, "sales-south": 0.92, "sales-key": 0.9, "rnd-qa": 0.85}
RETENTION: Final = (95.0, 96.4, 15.0)  # target, measured actual, weight


@dataclass
class GoalTree:
    company: dict[str, int] = field(default_factory=dict)  # department code -> company goal
    teams: dict[str, int] = field(default_factory=dict)  # team code -> team goal
    employees: dict[int, int] = field(default_factory=dict)  # employee id -> employee goal


def _share(part: float, whole: float) -> float:
    """A split goal's weight: its share of the parent's target, in percent."""
    return round(100 * part / whole, 1) if whole else 0.0


def _names() -> dict[str, tuple[str, str]]:
    names = {COMPANY[0]: (COMPANY[1], COMPANY[2])}
    for dept in DEPARTMENTS:
        names[dept.code] = (dept.name, dept.name_en)
        names.update({t.code: (t.name, t.name_en) for t in dept.teams})
    return names


async def build_goal_tree(demo: Demo, units: dict[str, int]) -> GoalTree:
    """Create the quarter's goal tree and proposals; return the goals plans link to."""
    tree = GoalTree()
    hr, names = await demo.hr(), _names()
    label = demo.quarter.label

    async def goal(parent: int | None, level: str, zh: str, en: str, **fields: Any) -> int:
        titles = {"zh-CN": zh, "en": en}  # ``title`` is the zh-CN one
        data = GoalData(demo.cycle_id, level, zh, parent_id=parent, titles=titles, **fields)
        return (await goals.create_goal(demo.session, hr, data)).id

    for dept, (indicator, library, unit, zh, en, weight) in QUANTITIES.items():
        members = [p for p in demo.planned if p.dept == dept and p.team is not None]
        by_team: dict[str, list[Person]] = {}
        for p in members:
            by_team.setdefault(p.team or "", []).append(p)
        team_targets = {
            team: sum(demo.targets(p)[indicator] for p in people) + TEAM_SKEW.get(team, 0.0)
            for team, people in by_team.items()
        }
        dept_target = sum(team_targets.values()) + DEPARTMENT_SLACK.get(dept, 0.0)
        common = {"indicator_key": indicator, "library_ref": library, "unit": unit}
        company = await goal(
            None, "company", f"{label} {zh}", f"{label} Company {en}", org_unit_id=units["hq"],
            target=dept_target + COMPANY_SLACK.get(dept, 0.0), weight=weight, **common,
        )  # fmt: skip
        tree.company[dept] = company
        dzh, den = names[dept]
        dept_goal = await goal(
            company, "department", f"{dzh}{zh}", f"{den} {en}", org_unit_id=units[dept],
            target=dept_target, weight=100.0, **common,
        )  # fmt: skip
        for team, people in by_team.items():
            tzh, ten = names[team]
            tree.teams[team] = await goal(
                dept_goal, "team", f"{tzh}{zh}", f"{ten} {en}", org_unit_id=units[team],
                target=team_targets[team], weight=_share(team_targets[team], dept_target),
                **common,
            )  # fmt: skip
            if dept != "sales":
                continue  # the sales split goes down to each person
            for p in people:
                mine = demo.targets(p)[indicator]
                tree.employees[p.id] = await goal(
                    tree.teams[team], "employee", f"{p.name} {zh}", f"{p.name} {en}",
                    employee_id=p.id,
                    target=mine, weight=_share(mine, team_targets[team]), **common,
                )  # fmt: skip
    target, actual, weight = RETENTION
    retention = await goal(
        None, "company", f"{label} 员工保留率", f"{label} Employee retention",
        org_unit_id=units["hq"], target=target, unit="percent", additive=False, weight=weight,
    )  # fmt: skip
    await goals.update_goal(demo.session, hr, retention, {"actual": actual})
    await _proposals(demo, tree, units)
    return tree


async def _proposals(demo: Demo, tree: GoalTree, units: dict[str, int]) -> None:
    """Bottom-up: what the sales head, the team leads and South's reps can take on."""
    session = demo.session
    goal_of = {g.id: g for g in await goals.list_goals(session, await demo.hr(), demo.cycle_id)}

    def target(goal_id: int) -> float:
        return goal_of[goal_id].target or 0.0

    head = next(p for p in demo.planned if p.dept == "sales" and p.role == "head")
    sales_dept = next(g.id for g in goal_of.values() if g.parent_id == tree.company["sales"])
    await goals.propose(
        session, await demo.caller(head), tree.company["sales"],
        round(target(sales_dept) * 0.95, -5), org_unit_id=units["sales"],
        note="华南新人较多，先按 95% 承接 · South has many newcomers; we commit to 95% for now",
    )  # fmt: skip
    leads = {p.team: p for p in demo.planned if p.role == "lead"}
    for team, share in TEAM_PROPOSALS.items():
        parent = goal_of[tree.teams[team]].parent_id
        assert parent is not None
        await goals.propose(
            session, await demo.caller(leads[team]), parent,
            round(target(tree.teams[team]) * share, -4 if team.startswith("sales") else 0),
            org_unit_id=units[team],
        )  # fmt: skip
    for p in demo.planned:
        if p.team == "sales-south" and p.role == "staff":
            share = 0.8 if p.newcomer(demo.quarter.starts_on) else 0.95
            await goals.propose(
                session, await demo.caller(p), tree.teams["sales-south"],
                round(target(tree.employees[p.id]) * share, -4), employee_id=p.id,
            )  # fmt: skip


__all__ = ["GoalTree", "build_goal_tree"]
