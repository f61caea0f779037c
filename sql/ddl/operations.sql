-- Operational tables of the warehouse: quarantine, lineage, data-quality results and ML outputs.
-- Tables filled by later stages exist from the start (empty) so every report can run and say
-- plainly when its source has not been produced yet.

CREATE TABLE IF NOT EXISTS quarantine (
    dataset         VARCHAR NOT NULL,
    reason          VARCHAR NOT NULL,
    record          VARCHAR,
    source_file     VARCHAR,
    batch_id        VARCHAR NOT NULL
);
COMMENT ON TABLE quarantine IS 'Rows rejected on the way from bronze to silver, with the reason; nothing is dropped silently';
COMMENT ON COLUMN quarantine.dataset IS 'Raw dataset the row came from, e.g. transactions';
COMMENT ON COLUMN quarantine.reason IS 'Why the row was rejected, e.g. unknown_account or duplicate_transaction_id';
COMMENT ON COLUMN quarantine.record IS 'The row as received, as JSON of its raw string fields [PII: direct]';
COMMENT ON COLUMN quarantine.source_file IS 'Raw file the row was read from';
COMMENT ON COLUMN quarantine.batch_id IS 'Ingestion batch, derived from the content of the raw file';

CREATE TABLE IF NOT EXISTS lineage_events (
    run_id             VARCHAR NOT NULL,
    parent_run_id      VARCHAR,
    job_name           VARCHAR NOT NULL,
    event_type         VARCHAR NOT NULL,
    event_time         TIMESTAMP NOT NULL,
    platform_run_id    VARCHAR,
    dataset_key        VARCHAR,
    dataset_namespace  VARCHAR,
    dataset_name       VARCHAR,
    direction          VARCHAR,
    row_count          BIGINT,
    error_message      VARCHAR
);
COMMENT ON TABLE lineage_events IS 'OpenLineage run events of every job, one row per event and dataset (an event naming no dataset has one row with the dataset columns NULL); loaded from the events file when the warehouse is built';
COMMENT ON COLUMN lineage_events.run_id IS 'OpenLineage run id (a UUID): the same for the START and the COMPLETE or FAIL event of one run';
COMMENT ON COLUMN lineage_events.parent_run_id IS 'Run this run is part of, e.g. the pipeline run of a step; NULL for a top-level run';
COMMENT ON COLUMN lineage_events.job_name IS 'Job that ran, e.g. pipeline.silver or silver.transactions (namespace rtdp-<env>)';
COMMENT ON COLUMN lineage_events.event_type IS 'START, RUNNING, COMPLETE, FAIL or ABORT';
COMMENT ON COLUMN lineage_events.event_time IS 'When the event happened (UTC)';
COMMENT ON COLUMN lineage_events.platform_run_id IS 'The platform run id the run is tagged with (the run_id of dq_results), when it has one';
COMMENT ON COLUMN lineage_events.dataset_key IS 'Dataset read or written, as a platform key such as silver.transactions; NULL for a dataset outside the platform';
COMMENT ON COLUMN lineage_events.dataset_namespace IS 'OpenLineage namespace of the dataset, e.g. file or s3://bucket';
COMMENT ON COLUMN lineage_events.dataset_name IS 'OpenLineage name of the dataset, e.g. the path of its folder';
COMMENT ON COLUMN lineage_events.direction IS 'input (read by the run) or output (written by it)';
COMMENT ON COLUMN lineage_events.row_count IS 'Rows read (input) or written (output), when the event says';
COMMENT ON COLUMN lineage_events.error_message IS 'For a FAIL or ABORT event, the error that ended the run';

CREATE TABLE IF NOT EXISTS dq_results (
    run_id            VARCHAR NOT NULL,
    checked_at        TIMESTAMP NOT NULL,
    suite             VARCHAR NOT NULL,
    dataset           VARCHAR NOT NULL,
    expectation       VARCHAR NOT NULL,
    column_name       VARCHAR,
    severity          VARCHAR NOT NULL,
    success           BOOLEAN NOT NULL,
    unexpected_count  BIGINT,
    element_count     BIGINT NOT NULL,
    observed          VARCHAR
);
COMMENT ON TABLE dq_results IS 'Every expectation checked by the data-quality gates (Great Expectations), one row per expectation and gate run; empty until a gate has run';
COMMENT ON COLUMN dq_results.run_id IS 'Pipeline or scheduler run that ran the gate';
COMMENT ON COLUMN dq_results.checked_at IS 'When the gate ran, UTC';
COMMENT ON COLUMN dq_results.suite IS 'Gate: silver (before gold is built) or gold (staged gold against silver, before publishing)';
COMMENT ON COLUMN dq_results.dataset IS 'Dataset checked, e.g. silver.transactions or gold.fact_transaction';
COMMENT ON COLUMN dq_results.expectation IS 'Great Expectations expectation type, e.g. expect_column_values_to_not_be_null';
COMMENT ON COLUMN dq_results.column_name IS 'Column checked (several joined by commas for a compound key); NULL for a table-level expectation';
COMMENT ON COLUMN dq_results.severity IS 'critical (a failure stops the pipeline) or warning (recorded only)';
COMMENT ON COLUMN dq_results.success IS 'Whether the expectation held';
COMMENT ON COLUMN dq_results.unexpected_count IS 'Rows that broke a row-level expectation; NULL for an aggregate one such as a row count or a sum';
COMMENT ON COLUMN dq_results.element_count IS 'Rows of the dataset checked';
COMMENT ON COLUMN dq_results.observed IS 'Short evidence: the observed value, or the unexpected rows with examples';

CREATE TABLE IF NOT EXISTS ml_anomaly_scores (
    transaction_id  VARCHAR PRIMARY KEY,
    anomaly_score   DOUBLE NOT NULL,
    is_anomaly      BOOLEAN NOT NULL,
    model_version   VARCHAR NOT NULL
);
COMMENT ON TABLE ml_anomaly_scores IS 'Isolation Forest scores per transaction; empty until the anomaly model has run';
COMMENT ON COLUMN ml_anomaly_scores.transaction_id IS 'Transaction scored (key into fact_transaction)';
COMMENT ON COLUMN ml_anomaly_scores.anomaly_score IS 'Higher means more unusual';
COMMENT ON COLUMN ml_anomaly_scores.is_anomaly IS 'Flagged as an anomaly by the model threshold';
COMMENT ON COLUMN ml_anomaly_scores.model_version IS 'Model version that produced the score';

CREATE TABLE IF NOT EXISTS ml_demand_forecast (
    category        VARCHAR NOT NULL,
    week_start      DATE NOT NULL,
    forecast_units  DOUBLE NOT NULL,
    forecast_lower  DOUBLE,
    forecast_upper  DOUBLE,
    baseline_units  DOUBLE,
    model_version   VARCHAR NOT NULL,
    PRIMARY KEY (category, week_start)
);
COMMENT ON TABLE ml_demand_forecast IS 'Weekly demand forecast per category; empty until the forecasting model has run';
COMMENT ON COLUMN ml_demand_forecast.category IS 'Product category forecast';
COMMENT ON COLUMN ml_demand_forecast.week_start IS 'Monday of the forecast week';
COMMENT ON COLUMN ml_demand_forecast.forecast_units IS 'Forecast units sold in the week';
COMMENT ON COLUMN ml_demand_forecast.forecast_lower IS 'Lower bound of the forecast interval';
COMMENT ON COLUMN ml_demand_forecast.forecast_upper IS 'Upper bound of the forecast interval';
COMMENT ON COLUMN ml_demand_forecast.baseline_units IS 'Seasonal-naive baseline for the same week';
COMMENT ON COLUMN ml_demand_forecast.model_version IS 'Model version that produced the forecast';

CREATE TABLE IF NOT EXISTS ml_cross_sell (
    customer_id    VARCHAR NOT NULL,
    product_id     VARCHAR NOT NULL,
    rank           INTEGER NOT NULL,
    score          DOUBLE NOT NULL,
    model_version  VARCHAR NOT NULL,
    PRIMARY KEY (customer_id, product_id)
);
COMMENT ON TABLE ml_cross_sell IS 'Top-N product recommendations per customer; empty until the recommender has run';
COMMENT ON COLUMN ml_cross_sell.customer_id IS 'Customer the product is recommended to [PII: indirect]';
COMMENT ON COLUMN ml_cross_sell.product_id IS 'Recommended product, never one the customer already bought';
COMMENT ON COLUMN ml_cross_sell.rank IS '1 = best recommendation';
COMMENT ON COLUMN ml_cross_sell.score IS 'Strength of the recommendation';
COMMENT ON COLUMN ml_cross_sell.model_version IS 'Model version that produced the recommendation';
