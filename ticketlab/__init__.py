"""ticketlab: the scale math and seat locking behind a Ticketmaster-scale ticketing system.

``import ticketlab`` is cheap (numpy only); sympy, plotly and ipywidgets are imported where
they are used.
"""

from ticketlab.core.errors import CascadeError, InputError, TicketlabError
from ticketlab.core.numbers import format_quantity, napkin_round, parse_quantity
from ticketlab.core.uncertainty import Range
from ticketlab.worksheet import Worksheet

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "TicketlabError",
    "InputError",
    "CascadeError",
    "Range",
    "Worksheet",
    "format_quantity",
    "napkin_round",
    "parse_quantity",
]
