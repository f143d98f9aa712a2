"""Notebook panels: ipywidgets sliders driving plotly charts that update in place.

Thin by design: each panel calls the library (a sweep for the curve, a point estimate for
the marker and the table) and only moves numbers into widgets. ipywidgets and plotly are
imported when a panel is built, never by ``import ticketlab``.
"""

from __future__ import annotations

from ticketlab.ui.widgets.panels import Panel, dau_panel, sweep

__all__ = ["Panel", "dau_panel", "sweep"]
