"""Analysis of the Stap voor Stap research exports (issue 21).

- :mod:`svs_analysis.data`: reading ``plans.csv`` / ``decisions.csv`` (docs/metrics.md).
- :mod:`svs_analysis.survival`: Kaplan–Meier, Aalen–Johansen and Cox per evaluation arm.
- :mod:`svs_analysis.wcls`: the causal excursion effect of a reminder (WCLS).
- :mod:`svs_analysis.report`: ``analyse DIR`` → ``report.json`` + ``report.md``.
- :mod:`svs_analysis.power`: simulator-driven power table.
- :mod:`svs_analysis.synth`: synthetic data with known truth (tests).
"""

__version__ = "0.1.0"
