"""Vetting: how a person becomes, stays and stops being a member of a network.

What enters: a signed-in user's application, endorsements by active members, and
coordinators' decisions with reasons (from the pages under /networks/, the REST API in
`network.api`, and the management commands). What leaves: memberships in their new status,
a `MembershipDecision` and an audit entry for every change, and `membership_deactivated`
after commit when someone stops being an active member.

- `actions` — the only writers of memberships and endorsements; `VettingError` for refusals.
- `recording` — puts a change on record (decision row, audit entry, signal).
- `admission` — the network's admission path (sponsorship, declaration, designation to a
  seat): what an application needs before a coordinator may admit it; designation letters.
- `decisions` — the one table of coordinators' decisions, used by the pages and the API.
- `access` — permission-checked getters, including the one answer to "may this request act
  as a coordinator of network N" (also used by the directory).
- `networks` — operators create networks.
- `views`, `urls` — the pages.
"""
