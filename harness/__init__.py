"""What the tests and the benchmarks share, importable as one package (the
repository root is on the path: pytest's `pythonpath` setting, or the one
`sys.path` line at the top of each bench script):

- `paths`: the repository, the seed reports, copy_seeds;
- `served`: a real `python -m search serve --port 0`, its port read from its banner;
- `corpus`, `corpus_pool`, `corpus_noise`: the generator of realistic noisy
  reports (`python -m harness.corpus --docs N --out DIR`);
- `crash`: kill a real `reports index` run and check what it leaves;
- `fuzz`: Hypothesis strategies of hostile requests and the checks of their answers;
- `attack`: the `reports` command as a subprocess, raw HTTP, peak memory;
- `browser`: Chromium through Playwright against a served corpus.
"""
