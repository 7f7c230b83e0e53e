"""The closed-loop records of the generated events: assignments (派单), feedback, callbacks, and the return
and redispatch steps of the action history, all consistent with the events' timestamps.

Deadlines follow 153024 (DOMAIN §6.1), counted from ``Assignment.dispatched_at`` on the natural clock:
sign-off within 15 minutes, a simple event done within 30 minutes, a complex one within 24 hours.
"""

import json

import numpy as np
import pandas as pd

from core_app.seed.events import CategoryTree
from core_app.seed.org import Organisation

SIGN_LIMIT = np.timedelta64(15, "m")
HANDLE_LIMIT = {"simple": np.timedelta64(30, "m"), "complex": np.timedelta64(24, "h")}
RETURN_REASONS = np.array(["not_our_remit", "wrong_area", "unclear_ownership", "missing_information"])
RETURN_REASON_P = np.array([0.5, 0.2, 0.2, 0.1])
RESULTS = np.array(["resolved", "partly_resolved", "explained", "unresolvable"])
RESULT_P = np.array([0.8, 0.08, 0.1, 0.02])
RESULT_TEXT = {
    "resolved": "已到现场核实并处理完毕，已电话告知诉求人。",
    "partly_resolved": "已处理主要问题，剩余部分已列入后续计划。",
    "explained": "经核实，已向诉求人做好政策解释。",
    "unresolvable": "经核实暂不具备处理条件，已向诉求人说明原因。",
}
DISSATISFIED_COMMENTS = np.array(["问题没有解决", "处理太慢", "没有人联系我", "敷衍了事"])
AUTO_SHARE = 0.3  # first dispatches the model made alone
MINUTE = np.timedelta64(60, "s")
NAT = np.datetime64("NaT", "s")


def closed_loop_tables(
    events: pd.DataFrame, org: Organisation, tree: CategoryTree, *, seed: int, now: np.datetime64
) -> dict[str, pd.DataFrame]:
    """Assignments, feedback, callbacks and the return/redispatch actions of the events, keyed by table."""
    rng = np.random.default_rng([seed, 210])
    assignments = _assignments(rng, events, org, tree)
    final = assignments.loc[assignments["_final"]].set_index("event_id")["id"]
    return {
        "assignments": assignments,
        "event_feedback": _feedback(rng, events, final),
        "event_callbacks": _callbacks(rng, events, now),
        "event_actions": _actions(assignments),
    }


def _assignments(rng, events: pd.DataFrame, org: Organisation, tree: CategoryTree) -> pd.DataFrame:
    """One lead assignment per dispatched event, preceded by the returned or redispatched ones."""
    sent = events[events["dispatched_at"].notna()]
    complexity = sent["complexity"].to_numpy()
    dispatched = sent["dispatched_at"].to_numpy(dtype="datetime64[s]")
    signed = sent["signed_at"].to_numpy(dtype="datetime64[s]")
    completed = sent["completed_at"].to_numpy(dtype="datetime64[s]")
    earlier = sent["_earlier"].to_numpy()
    final = pd.DataFrame(
        {
            "event_id": sent["id"].to_numpy(),
            "department_id": sent["department_id"].to_numpy(),
            "role": "lead",
            "mode": np.where(
                sent["return_count"].to_numpy() >= 2,
                "arbitration",
                np.where((earlier == 0) & (rng.random(len(sent)) < AUTO_SHARE), "auto", "manual"),
            ),
            "status": np.where(
                ~np.isnat(completed), "done", np.where(~np.isnat(signed), "in_progress", "pending_sign")
            ),
            "dispatched_at": dispatched,
            "sign_due_at": dispatched + SIGN_LIMIT,
            "signed_at": signed,
            "handle_due_at": dispatched + _handle_limit(complexity),
            "completed_at": completed,
            "return_reason": None,
            "returned_at": NAT,
            "_final": True,
        }
    )
    wrong = _wrong_departments(rng, sent, org, tree)
    detours = [_detour(rng, sent, k, wrong[k]) for k in (0, 1)]
    frame = pd.concat([final, *detours], ignore_index=True)
    # Ids follow dispatch time, so an event's later assignment always has the larger id.
    frame = frame.sort_values(["dispatched_at", "event_id"], kind="stable").reset_index(drop=True)
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    return frame


def _handle_limit(complexity: np.ndarray) -> np.ndarray:
    return np.where(complexity == "complex", HANDLE_LIMIT["complex"], HANDLE_LIMIT["simple"])


def _detour(rng, sent: pd.DataFrame, k: int, department: np.ndarray) -> pd.DataFrame:
    """The k-th wrong assignment of the events that had one: returned, or cancelled by a redispatch."""
    first = sent["_first_dispatch"].to_numpy(dtype="datetime64[s]")
    held0, held1 = sent["_held0"].to_numpy(), sent["_held1"].to_numpy()
    start = (
        first if k == 0 else first + ((held0 + sent["_gap0"].to_numpy()) * MINUTE).astype("timedelta64[s]")
    )
    held = held0 if k == 0 else held1
    left = start + (held * MINUTE).astype("timedelta64[s]")
    n = len(sent)
    returned = sent["return_count"].to_numpy() > k
    signed = rng.random(n) < np.where(returned, 0.35, 0.5)  # some sign first, then find it is not theirs
    signed_at = np.where(
        signed, start + (held * rng.uniform(0.2, 0.8, n) * MINUTE).astype("timedelta64[s]"), NAT
    )
    frame = pd.DataFrame(
        {
            "event_id": sent["id"].to_numpy(),
            "department_id": department,
            "role": "lead",
            "mode": "manual",
            "status": np.where(returned, "returned", "cancelled"),
            "dispatched_at": start,
            "sign_due_at": start + SIGN_LIMIT,
            "signed_at": signed_at,
            "handle_due_at": np.where(signed, start + _handle_limit(sent["complexity"].to_numpy()), NAT),
            "completed_at": NAT,
            "return_reason": np.where(returned, rng.choice(RETURN_REASONS, n, p=RETURN_REASON_P), None),
            "returned_at": np.where(returned, left, NAT),
            "_final": False,
            "_left_at": left,
        }
    )
    return frame[sent["_earlier"].to_numpy() > k]


def _wrong_departments(rng, sent: pd.DataFrame, org: Organisation, tree: CategoryTree) -> list[np.ndarray]:
    """Plausible wrong first units: the street office when a bureau handles it and the bureau when the
    street office does (the usual ownership mix-up), then any other unit that takes events."""
    departments = org.departments
    offices = departments[departments["kind"] == "street_office"]
    office_of_town = dict(zip(offices["region_id"], offices["id"], strict=True))
    handler = sent["department_id"].to_numpy()
    office = np.array([office_of_town[t] for t in sent["street_id"].to_numpy()])
    bureau = np.array([leaf["dept_id"] for leaf in tree.leaves])[sent["_leaf"].to_numpy()]
    first = np.where(handler == office, bureau, office)
    takers = departments.loc[
        departments["accepts_events"] & departments["kind"].isin(["functional", "third_party"]), "id"
    ].to_numpy()
    pick = rng.integers(0, len(takers), len(sent))
    second = takers[pick]
    # Never the handler itself, nor the first wrong unit again: step to the next unit in the list.
    for _ in range(2):
        clash = (second == handler) | (second == first)
        pick = np.where(clash, (pick + 1) % len(takers), pick)
        second = takers[pick]
    return [np.where(first == handler, second, first), second]


def _feedback(rng, events: pd.DataFrame, final: pd.Series) -> pd.DataFrame:
    """The handler's result for every completed event; approved once the event was closed."""
    done = events[events["completed_at"].notna()]
    n = len(done)
    result = rng.choice(RESULTS, n, p=RESULT_P)
    closed = done["closed_at"].notna().to_numpy()
    return pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "event_id": done["id"].to_numpy(),
            "assignment_id": final.reindex(done["id"]).to_numpy(),
            "result": result,
            "content": pd.Series(result).map(RESULT_TEXT).to_numpy(),
            "submitted_at": done["completed_at"].to_numpy(),
            "review": np.where(closed, "approved", "pending"),
            "reviewed_at": done["closed_at"].to_numpy(),
        }
    )


def _callbacks(rng, events: pd.DataFrame, now: np.datetime64) -> pd.DataFrame:
    """One citizen follow-up per closed event with its satisfaction, between closing and now."""
    closed = events[events["satisfaction"].notna()]
    n = len(closed)
    closed_at = closed["closed_at"].to_numpy(dtype="datetime64[s]")
    wait = (rng.uniform(10, 24 * 60, n) * MINUTE).astype("timedelta64[s]")
    satisfaction = closed["satisfaction"].to_numpy()
    unhappy = satisfaction == "dissatisfied"
    return pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "event_id": closed["id"].to_numpy(),
            "at": np.minimum(closed_at + wait, now),
            "satisfaction": satisfaction,
            "comment": np.where(unhappy, rng.choice(DISSATISFIED_COMMENTS, n), None),
        }
    )


def _actions(assignments: pd.DataFrame) -> pd.DataFrame:
    """The return (退单) and redispatch (改派) steps, which the evaluation reads from the history."""
    detours = assignments[~assignments["_final"]]
    returned = detours["status"].to_numpy() == "returned"
    following = _next_assignment(assignments).reindex(detours["id"])
    # A second return sends the event to arbitration (DOMAIN §5.2).
    second_return = returned & (
        detours["id"].to_numpy() != _first_assignment(assignments).reindex(detours["event_id"]).to_numpy()
    )
    details = [
        None if back else json.dumps({"from_department_id": int(old), "department_id": int(new)})
        for back, old, new in zip(returned, detours["department_id"], following["department_id"], strict=True)
    ]
    frame = pd.DataFrame(
        {
            # A return names the returned assignment; a redispatch the new one, as the lifecycle does.
            "event_id": detours["event_id"].to_numpy(),
            "assignment_id": np.where(returned, detours["id"].to_numpy(), following["id"].to_numpy()),
            "action": np.where(returned, "return", "redispatch"),
            "from_status": np.where(detours["signed_at"].notna(), "signed", "dispatched"),
            "to_status": np.where(
                returned, np.where(second_return, "in_arbitration", "pending_dispatch"), "dispatched"
            ),
            "actor": np.where(returned, "handler", "dispatcher"),
            "reason_code": detours["return_reason"].to_numpy(),
            "details": details,
            "created_at": detours["_left_at"].to_numpy(),
        }
    )
    frame = frame.sort_values("created_at", kind="stable").reset_index(drop=True)
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    return frame


def _first_assignment(assignments: pd.DataFrame) -> pd.Series:
    """The id of each event's first assignment."""
    return assignments.groupby("event_id")["id"].min()


def _next_assignment(assignments: pd.DataFrame) -> pd.DataFrame:
    """For each assignment id, the id and department of the event's next assignment (ids follow time)."""
    ordered = assignments.sort_values(["event_id", "id"])
    following = ordered.groupby("event_id")[["id", "department_id"]].shift(-1)
    return following.set_axis(ordered["id"].to_numpy())
