"""Domain terms from the database (departments, regions, matters, event categories) as a jieba dictionary."""

import os
import tempfile
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core_app.events.models import EventCategory
from core_app.matters.models import Matter
from core_app.org.models import Department, Region

# Official long names and the short forms people write in complaints.
SHORT_FORMS: dict[str, tuple[str, ...]] = {
    "市场监督管理局": ("市场监管局",),
    "住房和城乡建设局": ("住建局",),
    "人力资源和社会保障局": ("人社局",),
    "城市管理和综合执法局": ("城管局", "综合执法局"),
    "卫生健康局": ("卫健局",),
    "发展和改革局": ("发改局",),
    "医疗保障局": ("医保局",),
    "交通运输局": ("交通局",),
    "生态环境局": ("环保局",),
    "工业和信息化局": ("工信局",),
    "政务服务数据管理局": ("政数局",),
    "文化广电旅游体育局": ("文旅局",),
    "规划和自然资源局": ("自然资源局",),
    "退役军人事务局": ("退役军人局",),
    "街道办事处": ("街道办",),
    "社区居民委员会": ("居委会",),
}
USER_WORD_FREQ = 2000
_MIN_LENGTH = 2


def _clean(term: str) -> str:
    """Normalise a term like the text it must match; jieba words cannot hold whitespace."""
    return "".join(unicodedata.normalize("NFKC", term).lower().split())


def strip_region(name: str, region_names: Iterable[str]) -> str:
    """Strip leading region names (云溪区市场监督管理局 -> 市场监督管理局)."""
    prefixes = sorted({r for r in region_names if r}, key=len, reverse=True)
    stripped = True
    while stripped:
        stripped = False
        for prefix in prefixes:
            if name.startswith(prefix) and len(name) - len(prefix) >= _MIN_LENGTH:
                name, stripped = name[len(prefix) :], True
                break
    return name


def department_forms(name: str, region_names: Iterable[str]) -> list[str]:
    """Return a department's name, its name without region prefix, and the usual short forms."""
    bare = strip_region(name, region_names)
    forms = [name, bare]
    for official, shorts in SHORT_FORMS.items():
        if bare.endswith(official):
            forms.extend(shorts)
    return forms


def domain_terms_from_db(session: Session) -> list[str]:
    """Collect department, region, matter and event-category names with short forms, sorted, unique."""
    regions = list(session.scalars(select(Region.name)))
    terms = list(regions)
    for name in session.scalars(select(Department.name)):
        terms.extend(department_forms(name, regions))
    terms.extend(session.scalars(select(Matter.name)))
    terms.extend(session.scalars(select(EventCategory.name)))
    cleaned = {_clean(term) for term in terms}
    return sorted(term for term in cleaned if len(term) >= _MIN_LENGTH)


def write_user_dictionary(terms: Iterable[str], path: Path) -> int:
    """Write terms as a jieba user dictionary ('word freq' lines) atomically; return how many."""
    words = sorted({_clean(term) for term in terms} - {""})
    body = "".join(f"{word} {USER_WORD_FREQ}\n" for word in words)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so a reader never sees half a dictionary.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("# Domain terms from the database, written by features.text.dictionary.\n")
            handle.write(body)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(words)
