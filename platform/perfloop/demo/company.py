"""The shape of the demo company, as plain data (no database)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class TeamSpec:
    code: str
    name: str
    name_en: str
    position: str
    size: int  # staff besides the team lead
    newcomers: tuple[int, ...] = ()  # staff (by index) who joined shortly before the quarter


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str
    name_en: str
    teams: tuple[TeamSpec, ...]


DEMO_TENANT = "demo"
DEMO_DOMAIN = "demo.perfloop.dev"
COMPANY = ("hq", "星河科技", "Galaxy Tech")

DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec(
        "sales",
        "销售部",
        "Sales",
        (
            TeamSpec("sales-north", "华北销售组", "North Sales", "Sales Representative", 4, (0,)),
            TeamSpec("sales-south", "华南销售组", "South Sales", "Sales Representative", 4, (3,)),
            TeamSpec("sales-key", "大客户组", "Key Accounts", "Key Account Manager", 3),
        ),
    ),
    DepartmentSpec(
        "rnd",
        "研发部",
        "R&D",
        (
            TeamSpec("rnd-platform", "平台组", "Platform", "Software Engineer", 4),
            TeamSpec("rnd-app", "应用组", "Applications", "Software Engineer", 4, (3,)),
            TeamSpec("rnd-qa", "测试组", "Quality Assurance", "QA Engineer", 3),
        ),
    ),
    DepartmentSpec(
        "admin",
        "行政部",
        "Administration",
        (TeamSpec("admin-office", "综合办公室", "General Office", "Administrative Officer", 3),),
    ),
    DepartmentSpec(
        "hr",
        "人力资源部",
        "Human Resources",
        (
            TeamSpec("hr-recruit", "招聘组", "Recruiting", "Recruiter", 2),
            TeamSpec("hr-dev", "培训发展组", "Learning & Development", "Training Specialist", 2),
        ),
    ),
    DepartmentSpec(
        "cs",
        "客户服务部",
        "Customer Service",
        (
            TeamSpec("cs-support", "在线客服组", "Online Support", "Support Agent", 4, (3,)),
            TeamSpec("cs-success", "客户成功组", "Customer Success", "Customer Success Manager", 3),
        ),
    ),
    DepartmentSpec(
        "ops",
        "运营部",
        "Operations",
        (TeamSpec("ops-growth", "增长组", "Growth", "Operations Specialist", 3),),
    ),
)

SURNAMES = (
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("赵", "zhao"),
    ("黄", "huang"),
    ("周", "zhou"),
    ("吴", "wu"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("胡", "hu"),
    ("朱", "zhu"),
    ("高", "gao"),
)
GIVEN_NAMES = (
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("磊", "lei"),
    ("洋", "yang"),
    ("艳", "yan"),
    ("勇", "yong"),
    ("军", "jun"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("霞", "xia"),
    ("平", "ping"),
    ("刚", "gang"),
    ("桂英", "guiying"),
    ("秀兰", "xiulan"),
    ("思远", "siyuan"),
    ("子涵", "zihan"),
    ("雨桐", "yutong"),
)


def hire_date(index: int, quarter_start: dt.date, *, newcomer: bool = False) -> dt.date:
    """When the index-th person joined: a newcomer one to four months before the
    quarter, everyone else between about one and eleven years before it."""
    days = 30 + (index * 17) % 90 if newcomer else 400 + (index * 211) % 3650
    return quarter_start - dt.timedelta(days=days)


def person_name(index: int) -> tuple[str, str]:
    """A deterministic (Chinese name, ascii handle) for the index-th person."""
    surname, surname_py = SURNAMES[index % len(SURNAMES)]
    given, given_py = GIVEN_NAMES[(index * 7) % len(GIVEN_NAMES)]
    return surname + given, f"{given_py}.{surname_py}"
