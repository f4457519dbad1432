"""The study behind docs/results.md: a declared grid of training runs, run resumably, reported.

- `plan`: reads a study file (JSON) into cells: task × attention kind × seed, each a list of
  `python -m training.run` / `training.evaluate` commands, skipped when finished and resumed
  when interrupted.
- `execution`: runs the commands of a cell as child processes, records exit codes, wall time
  and peak memory, forwards a stop to the running child.
- `report`: collects the finished runs' TensorBoard logs and writes the markdown report with
  mean ± std over seeds, plots with spread and the exact commands.

`python -m training.study CONFIG` drives the three.
"""
