"""Write notebooks/00_start_here.ipynb from the cells below (then run refresh_notebooks.py)."""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

md, code = new_markdown_cell, new_code_cell

cells = [
    md("""# 00 · Start here

This course sizes a ticketing system the way you would at a whiteboard: a question first, a
napkin estimate second, the exact figure third, and the gap between them explained.

Every number you see comes from the `ticketlab` package. **A notebook holds the questions and the
experiments; the arithmetic lives in the library**, so the same figure appears in the CLI, in the
exercises and here."""),
    code("""import ticketlab as tl
from ticketlab.estimate import traffic
from ticketlab.course.solve import solve"""),
    md("""## One estimate, two answers

How many searches per second does a site with 10M daily users serve, if each searches five
times a day? On a napkin, **a day is about 100K seconds**, so you drop five zeros:
50M ÷ 100K = 500 QPS. A day is really 86,400 seconds, which makes every napkin QPS about 14%
low. A `Worksheet` keeps both figures, step by step:"""),
    code("""ws = traffic(dau="10M", searches_per_user=5)
ws.select(["dau", "searches_per_day", "search_qps", "peak_qps", "extreme_peak_qps"])"""),
    md("""The same step as a formula (rendered by sympy):"""),
    code("""from IPython.display import Math
Math(ws.latex("search_qps"))"""),
    md("""## Move the slider

Drag the DAU slider. The chart shows average search QPS across four orders of magnitude of
users, napkin and exact; the marker and the table follow your choice. **Notice that the
napkin line sits a constant distance below the exact one on a log scale**: the shortcut is a
fixed 14%, never an order of magnitude."""),
    code("""from ticketlab.ui.widgets import dau_panel
panel = dau_panel(dau=10e6)
panel"""),
    md("""A slider is just a value; setting it from code moves the chart the same way your mouse does:"""),
    code("""# NBVAL_CHECK_OUTPUT
panel.slider.value = 1e8
print(f"marker at {panel.figure.data[3].x[0]:,.0f} DAU -> {panel.figure.data[3].text[0]}")"""),
    md("""## Where the source slips

The course follows a popular scale-estimation write-up. Its numbers are mostly right, but not all:
`ticketlab audit` recomputes each one. Here is the largest arithmetic slip, in the Broadway
practice problem:"""),
    code("""# NBVAL_CHECK_OUTPUT
from ticketlab.course.audit import audit
finding = {f.id: f for f in audit()}["broadway-bookings-storage"]
print(finding.source_says)
print("correct:", finding.correct, f"({finding.factor:.1f}x the printed figure)")"""),
    md("""## Self-check

Before you read on: estimate the **peak** search QPS (ten times the average) for 10M daily
users, and put your number below. Within 10% of the napkin or the exact figure earns a pass, and
the checker names common slips: leave out the ×10, or use the ×100 on-sale spike, and it says so."""),
    code("""# NBVAL_CHECK_OUTPUT
from ticketlab.course.exercises import check
my_peak_qps = "5K"   # <- your estimate
print(check("ticketmaster.peak_qps", my_peak_qps))"""),
]

nb = new_notebook(cells=cells, metadata={
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
})
path = Path(__file__).resolve().parent.parent / "notebooks" / "00_start_here.ipynb"
nbformat.write(nb, path)
print(f"wrote {path}")
