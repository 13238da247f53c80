"""Disclosure: the one rule for passing an item of a room on ("may X pass item I to Y"), and
the provider's recorded permission it may need (docs/disclosure.md)."""
