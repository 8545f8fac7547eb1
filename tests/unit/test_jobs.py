"""Every scheduled job is declared once (`topology.SCHEDULES`) and run by the jobs function."""

from __future__ import annotations

from docket import topology
from infra.tools.functions import load


def test_every_schedule_of_the_jobs_function_names_a_job_it_runs() -> None:
    scheduled = {spec.name for spec in topology.SCHEDULES if spec.function == topology.JOBS}
    assert scheduled, "no job is scheduled: the checks below would be vacuous"
    assert set(load(topology.JOBS).JOBS) == scheduled


def test_the_monthly_credit_reset_runs_on_the_first_days_of_each_month() -> None:
    [reset] = [spec for spec in topology.SCHEDULES if spec.name == "credits-monthly-reset"]
    # EventBridge Scheduler's cron: minutes hours day-of-month month day-of-week year
    _minutes, _hours, days, months, weekdays, years = (
        reset.expression.removeprefix("cron(").rstrip(")").split()
    )
    assert (days, months, weekdays, years) == ("1-3", "*", "?", "*")
    assert topology.JOBS in topology.all_function_names()
