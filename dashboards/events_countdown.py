"""Live SLA countdowns ("剩余 mm:ss" / "已超时 mm:ss") for the workbench and the handler pages.

The server renders each countdown once (so the text is there before any tick); afterwards a clientside
callback recomputes every countdown of the page each second in the browser from the deadlines kept in a
store, so a ticking clock costs no request. ``countdown`` and the JavaScript below follow one rule:
red once the deadline has passed, amber when at most 20 % of the limit is left (DOMAIN §6.1: the yellow
warning at 80 %), otherwise plain.
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from dash import ALL, Input, Output, State, clientside_callback, dcc, html

LOCAL_TZ = ZoneInfo("Asia/Shanghai")  # the district's clock, whatever the server's
NEAR_SHARE = 0.2  # amber when this share of the limit (or less) is left
TICK_MS = 1000


def parse_instant(value: str | datetime | None) -> datetime | None:
    """An API timestamp (ISO 8601 with offset) as a datetime; None stays None."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def local_time(instant: str | datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    """An API timestamp as the district's wall-clock time; — for none."""
    moment = parse_instant(instant)
    return moment.astimezone(LOCAL_TZ).strftime(fmt) if moment is not None else "—"


def clock_text(seconds: int) -> str:
    """mm:ss under an hour, h:mm:ss under a day, then N天hh:mm:ss."""
    minutes, secs = divmod(seconds, 60)
    hours, mins = divmod(minutes, 60)
    if hours == 0:
        return f"{mins:02d}:{secs:02d}"
    days, hrs = divmod(hours, 24)
    if days == 0:
        return f"{hrs}:{mins:02d}:{secs:02d}"
    return f"{days}天{hrs:02d}:{mins:02d}:{secs:02d}"


def countdown(
    due: str | datetime | None, now: datetime, start: str | datetime | None = None
) -> tuple[str, str]:
    """The countdown's text and CSS class at NOW for a deadline DUE whose limit began at START."""
    due_at = parse_instant(due)
    if due_at is None:
        return "无时限", "countdown none"
    left = int((due_at - now).total_seconds() // 1)
    if left < 0:
        return f"已超时 {clock_text(-left)}", "countdown overdue"
    begin = parse_instant(start)
    limit = (due_at - begin).total_seconds() if begin is not None else 0
    near = left <= NEAR_SHARE * limit if limit > 0 else False
    return f"剩余 {clock_text(left)}", "countdown soon" if near else "countdown ok"


def countdown_span(kind: str, key: Any, due: Any, start: Any, now: datetime) -> html.Span:
    """A countdown the page's ticker keeps current; KIND is the page's id prefix (wb, handle)."""
    text, css = countdown(due, now, start)
    return html.Span(text, id={"type": f"{kind}-countdown", "index": key}, className=css)


def deadlines(rows: list[dict[str, Any]], *, key: str, due: str, start: str) -> dict[str, list]:
    """{key: [due, start]} of ROWS, the store the ticker reads (ISO strings as the API gave them)."""
    return {str(row[key]): [row.get(due), row.get(start)] for row in rows}


def ticker(kind: str) -> list:
    """The interval and the store of deadlines a page with countdowns of KIND puts in its layout."""
    return [
        dcc.Interval(id=f"{kind}-tick", interval=TICK_MS),
        dcc.Store(id=f"{kind}-deadlines", data={}),
    ]


# Mirrors countdown() and clock_text(); returns [texts], [classes] for every countdown on the page.
TICK_JS = """
function(_n, deadlines, ids) {
    const two = (x) => String(x).padStart(2, "0");
    const clock = (s) => {
        const secs = s % 60, minutes = Math.floor(s / 60);
        const mins = minutes % 60, hours = Math.floor(minutes / 60);
        if (hours === 0) { return two(mins) + ":" + two(secs); }
        const days = Math.floor(hours / 24), hrs = hours % 24;
        if (days === 0) { return hrs + ":" + two(mins) + ":" + two(secs); }
        return days + "天" + two(hrs) + ":" + two(mins) + ":" + two(secs);
    };
    const now = Date.now();
    const texts = [], classes = [];
    (ids || []).forEach((id) => {
        const pair = (deadlines || {})[String(id.index)];
        if (!pair || !pair[0]) { texts.push("无时限"); classes.push("countdown none"); return; }
        const due = Date.parse(pair[0]);
        const left = Math.floor((due - now) / 1000);
        if (left < 0) { texts.push("已超时 " + clock(-left)); classes.push("countdown overdue"); return; }
        const limit = pair[1] ? (due - Date.parse(pair[1])) / 1000 : 0;
        const near = limit > 0 && left <= NEAR_SHARE * limit;
        texts.push("剩余 " + clock(left));
        classes.push(near ? "countdown soon" : "countdown ok");
    });
    return [texts, classes];
}
""".replace("NEAR_SHARE", str(NEAR_SHARE))


def register_ticker(kind: str) -> None:
    """Keep every countdown of KIND on the page current, once a second, in the browser."""
    clientside_callback(
        TICK_JS,
        Output({"type": f"{kind}-countdown", "index": ALL}, "children"),
        Output({"type": f"{kind}-countdown", "index": ALL}, "className"),
        Input(f"{kind}-tick", "n_intervals"),
        State(f"{kind}-deadlines", "data"),
        State({"type": f"{kind}-countdown", "index": ALL}, "id"),
    )
