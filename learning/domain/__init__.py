"""The rules of the domain, pure: plain figures in, decisions out; no Flask, no database, no
clock and no randomness of their own (time and seeds are passed in), so each is tested directly
and a rebuild replays it exactly.

- `accounting/`: study time from heartbeats (shared accounting.md), hours and rounding of them
- `eligibility`: the standard's eligibility conditions, evaluated against declared evidence
- `admission`: who may register for an exam and who may sit it
- `exam_practice`: answers, the wrong-answer book, mock papers and their clock
- `forecast`: when a trainee reaches the minimum hours at their pace
- `plausibility`: what makes study look as if nobody watched
- `rounding`: hours rounded once, for what is shown and printed

Services (`learning.services`) keep the queries and the transactions and call these.
"""
