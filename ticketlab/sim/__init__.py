"""The on-sale rush on a simulated clock, driving the real seat-lock core.

    from ticketlab.sim import rush_config, simulate
    result = simulate(rush_config(users="100K", seats="50K", policy="fifo", strategy="optimistic"))
    result.sellout_seconds, result.wait_p95, result.double_bookings

:mod:`~ticketlab.sim.loop` runs its events and processes on SimPy; :mod:`~ticketlab.sim.config` the
inputs; :mod:`~ticketlab.sim.crowd` who comes and when; :mod:`~ticketlab.sim.room` the waiting-room
policies; :mod:`~ticketlab.sim.rush` the people around the core; :mod:`~ticketlab.sim.result` what
happened.
"""

from ticketlab.sim.config import RushConfig, rush_config
from ticketlab.sim.result import RushResult
from ticketlab.sim.rush import Rush, simulate

__all__ = ["RushConfig", "rush_config", "RushResult", "Rush", "simulate"]
