"""The inbox through the JSON API: the same sections, counts and rows as 我的待办."""

from flask import jsonify
from flask_login import current_user

from assist.api import api_route
from assist.api.core import iso
from assist.api.fields import money_out
from assist.inbox import registry


def _row(row: registry.InboxRow) -> dict:
    return {
        "record": row.record,
        "url": row.url,
        "household": row.household,
        "what": row.what,
        "centre": row.centre,
        "since": iso(row.since),
        "age_days": row.age_days,
        "amount": money_out(row.amount_fen),
        "note": row.note,
    }


@api_route(
    "/inbox",
    tags=["inbox"],
    summary="The work waiting for the token's user: groups with counts, ages, amounts, items",
)
def inbox():
    groups = []
    for section in registry.sections(current_user):
        fig = section.figures
        groups.append(
            {
                "key": section.source.key,
                "title": str(section.source.title),
                "group": str(section.source.group),
                "hint": str(section.source.hint),
                "count": fig.count,
                "count_capped": fig.is_capped,
                "amount": money_out(fig.amount_fen),
                "oldest_since": iso(fig.oldest_at),
                "oldest_days": fig.oldest_days,
                "items": [_row(r) for r in section.rows],
            }
        )
    return jsonify({"groups": groups, "total": sum(g["count"] for g in groups)})
