"""Reports a province sends upward (D32, QĐ 766/QĐ-TTg): counters per agency, procedure and month, the service
quality indicators, and where the processing time goes, step by step.

Every report reads the period with a few indexed GROUP BY queries (never one query per dossier) on a
read-only connection with a statement timeout (``engine.reports.readonly``); the legal judgements (online,
early/on time/late, overdue) are engine.law's (``engine.law.counting``).

The public functions, for the web faces and the command line:

- ``statistics.statistics(session, settings, scope, now) -> Report``: D32 counters per group and in total
- ``indicators.indicators(session, settings, scope, now) -> list[Indicator]``: QĐ 766 values with inputs
- ``steptimes.step_times(session, settings, scope, now) -> list[StepTime]``: time spent per step and procedure
- ``exports.csv_bytes(report)``, ``exports.xlsx_bytes(report)``: the same rows as files (XLSX written row by row)
- ``readonly.report_session(settings)``: the read-only session reports run in (``ReportTimeout``: 503)
- ``scope.asked(session, max_days, from, to, agency, procedure, group_by)``: a scope from typed values (Invalid naming the fields)
- ``scope.day(text)``, ``scope.period_fault(first, last, max_days)``: the period's rules, for faces that word their own messages
"""
