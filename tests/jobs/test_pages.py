"""What admins see of the background jobs."""

from __future__ import annotations

from datetime import timedelta

from learning.jobs import lease
from learning.models import JobRun
from tests.factories import Factory


def test_admins_see_the_scheduler_and_each_jobs_last_run(login, make: Factory, clock) -> None:
    client = login(make.admin())
    overview = client.get("/admin").get_data(as_text=True)
    assert "没有运行中的调度进程" in overview
    lease.hold(make.session, "host:42:abc", now=clock.now(), ttl_s=60)
    start = clock.now()
    make.session.add_all(
        [
            JobRun(
                job="close_playbacks",
                holder="host:42:abc",
                started_at=start,
                finished_at=start + timedelta(seconds=2),
                outcome="ok",
                figures={"stale": 1, "closed": 2},
            ),
            JobRun(
                job="verify_totals",
                holder="host:42:abc",
                started_at=start,
                finished_at=start + timedelta(seconds=30),
                outcome="ok",
                figures={"events": 1000, "differences": 3},
            ),
        ]
    )
    make.commit()
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "host:42:abc" in page and "运行中" in page
    assert "关闭 2" in page and "差异 3" in page and "发现差异" in page
    assert "尚未运行" in page  # the jobs that have not run
    overview = client.get("/admin").get_data(as_text=True)
    assert "没有运行中的调度进程" not in overview
    assert "发现 3 处" in overview
