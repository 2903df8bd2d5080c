"""The participant's own page: "Mon inscription", reached by a signed link."""

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint("participant", __name__)
