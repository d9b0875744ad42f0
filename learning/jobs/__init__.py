"""Background jobs and the scheduler process that runs them (`flask --app learning scheduler`).

Any number of scheduler processes may run, on any number of hosts: the one holding the
database lease (`lease.py`) runs the jobs, the others wait to take over (`runner.py`). The jobs
themselves (`tasks.py`) call the same services as the web application.
"""
