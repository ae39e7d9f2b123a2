"""``python -m ceasefire_sim.cli``."""

from ceasefire_sim.cli import main

main()
