"""Calibration: a posterior over the front's parameters fitted to the series before the start.

:mod:`.observations` reads the monthly series strictly before a date, :mod:`.simulator` is the
front at the reference force ratio month by month, :mod:`.fit` the ABC-SMC fit (pyabc) and its
diagnostics, :mod:`.backtest` the refits and scores before each forecast origin.
"""
