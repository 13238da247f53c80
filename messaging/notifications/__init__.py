"""Telling members that something waits for them, without telling them what.

- In the browser: the room page's opt-in notification "New message in <room>" while the tab
  is hidden (messaging/static/messaging/notify.js, templates/messaging/notifications/).
- By e-mail: `digest.send_digests()`, run on a schedule by `manage.py send_digests`, mails
  each member the rooms where mentions of them or H2/H3 messages have waited unread for
  COUNTERPART_DIGEST_QUIET_MINUTES: counts and absolute links, never a title, a sender or a
  text. `DigestMark` (models.py) records how far each member's digest of a room went, so that
  a message is in at most one digest.

What enters: messages, read markers, the rooms a member may read (messaging.access). What
leaves: e-mails, and DigestMark rows.
"""
