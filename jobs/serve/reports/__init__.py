"""The ten SQL reports of sql/reports: CSV files and one self-contained HTML report."""

from jobs.serve.reports.runner import ReportOutcome, ReportsResult, run_reports

__all__ = ["ReportOutcome", "ReportsResult", "run_reports"]
