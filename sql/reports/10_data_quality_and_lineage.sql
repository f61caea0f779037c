-- Data quality and lineage
--
-- Business question: How many rows were rejected into quarantine and why, how many rows did each
--   pipeline step read, write and reject, and did the data-quality checks pass?
-- Grain: one row per quarantined dataset and reason, per lineage step (source -> target, latest
--   run of each) and per dataset checked by the data-quality gates (latest run).
-- Tables used: quarantine, pipeline_lineage, dq_results
-- Notes: Run ids sort by time, so the latest run is the greatest run id. A section whose source is
--   empty says so in one row instead of showing numbers.
-- requires: pipeline_lineage

WITH quarantine_by_reason AS (
    SELECT
        1 AS section_order,
        'quarantine' AS section,
        dataset AS subject,
        reason AS detail,
        CAST(NULL AS BIGINT) AS rows_in,
        CAST(NULL AS BIGINT) AS rows_out,
        COUNT(*) AS rows_rejected,
        CAST(NULL AS BIGINT) AS checks_passed,
        CAST(NULL AS BIGINT) AS checks_failed
    FROM quarantine
    GROUP BY dataset, reason
),
quarantine_empty AS (
    SELECT 1, 'quarantine', 'all datasets', 'no row was quarantined', NULL, NULL, 0, NULL, NULL
    WHERE NOT EXISTS (SELECT 1 FROM quarantine)
),
latest_lineage AS (
    SELECT *
    FROM pipeline_lineage
    QUALIFY ROW_NUMBER() OVER (PARTITION BY step, source, target ORDER BY run_id DESC) = 1
),
lineage_by_step AS (
    SELECT
        CASE step WHEN 'bronze' THEN 2 WHEN 'silver' THEN 3 WHEN 'gold' THEN 4 ELSE 5 END,
        'lineage',
        step,
        source || ' -> ' || target,
        rows_in,
        rows_out,
        rows_rejected,
        NULL,
        NULL
    FROM latest_lineage
),
latest_quality_run AS (
    SELECT *
    FROM dq_results
    QUALIFY run_id = MAX(run_id) OVER (PARTITION BY dataset)
),
quality_by_dataset AS (
    SELECT
        6,
        'data quality',
        dataset,
        COALESCE(
            'failed: ' || STRING_AGG(expectation, ', ' ORDER BY expectation) FILTER (WHERE NOT success),
            'all expectations met'
        ),
        NULL,
        NULL,
        NULL,
        COUNT(*) FILTER (WHERE success),
        COUNT(*) FILTER (WHERE NOT success)
    FROM latest_quality_run
    GROUP BY dataset
),
quality_not_run AS (
    SELECT 6, 'data quality', 'all datasets', 'not run yet: dq_results is empty (run the data-quality checks)',
        NULL, NULL, NULL, NULL, NULL
    WHERE NOT EXISTS (SELECT 1 FROM dq_results)
),
report_line AS (
    SELECT * FROM quarantine_by_reason
    UNION ALL SELECT * FROM quarantine_empty
    UNION ALL SELECT * FROM lineage_by_step
    UNION ALL SELECT * FROM quality_by_dataset
    UNION ALL SELECT * FROM quality_not_run
)
SELECT section, subject, detail, rows_in, rows_out, rows_rejected, checks_passed, checks_failed
FROM report_line
ORDER BY section_order, subject, detail;
