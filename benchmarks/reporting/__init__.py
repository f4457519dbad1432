"""How every benchmark command writes what it measured.

- `formatting`: numbers, ratios with their spread, and markdown tables.
- `files`: JSON for machines, markdown for people.
- `document`: the lines every report opens with (command, machine, versions, load).
- `plots`: log-log and bar plots through `matplotlib.figure.Figure` (no pyplot state).
- `targets`: a target, its verdict, and the table of verdicts.
- `progress`: one line per finished case.
"""
