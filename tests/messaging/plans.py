"""Query plans for tests that pin how PostgreSQL runs a hot query."""

import itertools
import re

from django.db import connection


def generic_plan(queryset) -> dict:
    """EXPLAIN (as JSON) of the generic plan: the one PostgreSQL keeps for a prepared
    statement of this query once it has run a few times, whatever the values."""
    sql, params = queryset.query.sql_with_params()
    number = itertools.count(1)
    numbered = re.sub("%s", lambda _: f"${next(number)}", sql)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE planned AS {numbered}")
        placeholders = ", ".join(["%s"] * len(params))
        cursor.execute(f"EXPLAIN (FORMAT JSON) EXECUTE planned({placeholders})", params)
        ((plan,),) = cursor.fetchone()
        cursor.execute("DEALLOCATE planned")
    return plan


def plan_nodes(plan: dict) -> list[dict]:
    """Every node of a plan."""
    nodes, found = [plan["Plan"]], []
    while nodes:
        node = nodes.pop()
        nodes.extend(node.get("Plans", []))
        found.append(node)
    return found
