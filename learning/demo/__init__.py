"""The demo a new installation can be filled with (`flask seed-demo`): videos, classes, people of
every role, their study history, a question bank with practice and mock exams. It goes through
the same services as real use; nothing here runs in production (`seed-demo` is refused there).

- `seed`: the whole demo, in order; `people`: names and ID numbers that look real but are not
- `history`: heartbeats of weeks of study, replayed through the accounting rules
- `cohort`: thousands of trainees of kept totals, for measuring dashboards at scale
- `questions`, `practice`: the question bank (`media/question_bank.json`) and its use
"""
