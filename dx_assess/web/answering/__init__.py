"""Answering: a municipality's response to a round, page by page.

``bp`` (the blueprint ``survey``) is in :mod:`~dx_assess.web.answering.blueprint`; importing this
package puts the routes of its page modules on it.
"""

from dx_assess.web.answering import fragments, overview, review, section
from dx_assess.web.answering.blueprint import bp

__all__ = ["bp", "fragments", "overview", "review", "section"]
