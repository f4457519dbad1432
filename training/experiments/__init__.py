"""The study behind docs/results.md: a declared grid of training runs, run resumably, reported.

- `plan`: reads a study file (JSON) into cells: task × attention kind × seed, each a list of
  `python -m training.run` / `training.evaluate` commands, skipped when finished and resumed
  when interrupted.
- `execution`: runs the commands of a cell as child processes, records exit codes, wall time
  and peak memory, forwards a stop to the running child.
- `summary`: each finished cell's `summary.json` (every scalar's curve, configs, commands,
  evaluations): what git keeps of a study; the raw runs are ignored and regenerable.
- `statistics`: seed-matched differences between kinds with t-based 95 % intervals.
- `report` (with `plots`): the markdown report from the summaries alone: mean ± std over
  seeds, paired differences in words that follow them, metric and γ plots, the exact commands.
- `weights`, `contribution`: a conversion source's networks kept compactly (float16), and an
  attention block's update share ‖out − in‖ / ‖in‖ measured on them.

`python -m training.study CONFIG` drives plan, execution, summary and report.
"""
