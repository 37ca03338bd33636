"""Feedback analysis: sentiment and themes of free-text survey comments.

Pure functions with no ORM import (STYLE rule 12): `sentiment.analyze` and `themes.themes_for`. Models, services
and views that store and show their results live beside them and call only these two functions.
"""
