-- Data quality and lineage
--
-- Business question: Did the latest run of each data-quality gate pass, and which expectations
--   failed on how many rows? How many rows were rejected into quarantine, and why? Which datasets
--   fed each bronze, silver and gold dataset in its latest run, with how many rows, and did any
--   job fail?
-- Grain: one row per dataset checked by the latest run of each quality gate (silver, gold), per
--   quarantined dataset and reason, per dataset written by the latest run of its bronze, silver
--   or gold job, and per job whose latest run failed.
-- Tables used: dq_results, quarantine, lineage_events
-- Notes: The quality rows come from the Great Expectations results of the gates; the lineage rows
--   from the OpenLineage events every job emits. The latest run is the one that finished last. A
--   section whose source is empty says so in one row instead of showing numbers.
-- requires: lineage_events

WITH latest_gate_run AS (
    SELECT *
    FROM dq_results
    QUALIFY run_id = ARG_MAX(run_id, checked_at) OVER (PARTITION BY suite)
),
quality_by_dataset AS (
    SELECT
        1 AS section_order,
        'data quality' AS section,
        dataset AS subject,
        CASE
            WHEN COUNT(*) FILTER (WHERE NOT success AND severity = 'critical') > 0 THEN 'failed: ' || STRING_AGG(
                expectation || COALESCE('(' || column_name || ')', '') || COALESCE(' ' || unexpected_count || ' rows', ''),
                '; ' ORDER BY expectation, column_name) FILTER (WHERE NOT success AND severity = 'critical')
            WHEN COUNT(*) FILTER (WHERE NOT success) > 0 THEN 'warnings: ' || STRING_AGG(
                expectation || COALESCE('(' || column_name || ')', '') || COALESCE(' ' || unexpected_count || ' rows', ''),
                '; ' ORDER BY expectation, column_name) FILTER (WHERE NOT success)
            ELSE 'all ' || COUNT(*) || ' expectations met'
        END AS detail,
        CASE
            WHEN COUNT(*) FILTER (WHERE NOT success AND severity = 'critical') > 0 THEN 'failed'
            WHEN COUNT(*) FILTER (WHERE NOT success) > 0 THEN 'warnings'
            ELSE 'passed'
        END AS status,
        MAX(element_count) AS rows_in,
        CAST(NULL AS BIGINT) AS rows_out,
        CAST(NULL AS BIGINT) AS rows_rejected,
        COUNT(*) FILTER (WHERE success) AS checks_passed,
        COUNT(*) FILTER (WHERE NOT success) AS checks_failed,
        ANY_VALUE(run_id) AS run_id
    FROM latest_gate_run
    GROUP BY dataset
),
quality_not_run AS (
    SELECT 1, 'data quality', 'all datasets', 'not run yet: dq_results is empty (run the pipeline: the gates run in the gold step)',
        'not checked', NULL, NULL, NULL, NULL, NULL, NULL
    WHERE NOT EXISTS (SELECT 1 FROM dq_results)
),
quarantine_by_reason AS (
    SELECT 2, 'quarantine', dataset, reason, 'rejected', NULL, NULL, COUNT(*), NULL, NULL, NULL
    FROM quarantine
    GROUP BY dataset, reason
),
quarantine_empty AS (
    SELECT 2, 'quarantine', 'all datasets', 'no row was quarantined', 'passed', NULL, NULL, 0, NULL, NULL, NULL
    WHERE NOT EXISTS (SELECT 1 FROM quarantine)
),
-- The event that ended each run (COMPLETE, FAIL or ABORT), then the latest such run of each job.
finished_run AS (
    SELECT run_id, job_name, event_type, event_time, platform_run_id, error_message
    FROM lineage_events
    WHERE event_type IN ('COMPLETE', 'FAIL', 'ABORT')
    QUALIFY ROW_NUMBER() OVER (PARTITION BY run_id ORDER BY event_time DESC) = 1
),
latest_job_run AS (
    SELECT *
    FROM finished_run
    QUALIFY ROW_NUMBER() OVER (PARTITION BY job_name ORDER BY event_time DESC) = 1
),
run_datasets AS (
    SELECT
        latest.job_name,
        latest.event_type,
        latest.platform_run_id,
        latest.error_message,
        STRING_AGG(DISTINCT event.dataset_key, ', ' ORDER BY event.dataset_key) FILTER (WHERE event.direction = 'input') AS inputs,
        STRING_AGG(DISTINCT event.dataset_key, ', ' ORDER BY event.dataset_key) FILTER (WHERE event.direction = 'output') AS outputs,
        SUM(event.row_count) FILTER (WHERE event.direction = 'input') AS rows_in,
        SUM(event.row_count) FILTER (WHERE event.direction = 'output' AND event.dataset_key NOT LIKE 'quarantine.%') AS rows_out,
        SUM(event.row_count) FILTER (WHERE event.direction = 'output' AND event.dataset_key LIKE 'quarantine.%') AS rows_rejected
    FROM latest_job_run AS latest
    JOIN lineage_events AS event ON event.run_id = latest.run_id AND event.event_type = latest.event_type
    GROUP BY ALL
),
lineage_by_dataset AS (
    SELECT
        CASE SPLIT_PART(job_name, '.', 1) WHEN 'bronze' THEN 3 WHEN 'silver' THEN 4 ELSE 5 END,
        'lineage',
        job_name,
        COALESCE(inputs, 'no input') || ' -> ' || COALESCE(outputs, 'nothing written'),
        'completed',
        rows_in,
        rows_out,
        rows_rejected,
        NULL,
        NULL,
        platform_run_id
    FROM run_datasets
    WHERE event_type = 'COMPLETE' AND SPLIT_PART(job_name, '.', 1) IN ('bronze', 'silver', 'gold')
),
failed_jobs AS (
    SELECT 6, 'failed jobs', job_name, COALESCE(error_message, 'no error message'), LOWER(event_type) || 'ed',
        rows_in, NULL, NULL, NULL, NULL, platform_run_id
    FROM run_datasets
    WHERE event_type IN ('FAIL', 'ABORT')
),
report_line AS (
    SELECT * FROM quality_by_dataset
    UNION ALL SELECT * FROM quality_not_run
    UNION ALL SELECT * FROM quarantine_by_reason
    UNION ALL SELECT * FROM quarantine_empty
    UNION ALL SELECT * FROM lineage_by_dataset
    UNION ALL SELECT * FROM failed_jobs
)
SELECT section, subject, detail, status, rows_in, rows_out, rows_rejected, checks_passed, checks_failed, run_id
FROM report_line
ORDER BY section_order, subject, detail;
