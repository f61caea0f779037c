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
COMMENT ON COLUMN quarantine.record IS 'The row as received, as JSON of its raw string fields';
COMMENT ON COLUMN quarantine.source_file IS 'Raw file the row was read from';
COMMENT ON COLUMN quarantine.batch_id IS 'Ingestion batch, derived from the content of the raw file';

CREATE TABLE IF NOT EXISTS pipeline_lineage (
    run_id       VARCHAR NOT NULL,
    step         VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    target       VARCHAR NOT NULL,
    rows_in      BIGINT NOT NULL,
    rows_out     BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL
);
COMMENT ON TABLE pipeline_lineage IS 'Lineage of the last pipeline run: which dataset fed which, with row counts';
COMMENT ON COLUMN pipeline_lineage.run_id IS 'Identifier of the pipeline run';
COMMENT ON COLUMN pipeline_lineage.step IS 'Medallion step: bronze, silver or gold';
COMMENT ON COLUMN pipeline_lineage.source IS 'Dataset read, e.g. bronze.transactions';
COMMENT ON COLUMN pipeline_lineage.target IS 'Dataset written, e.g. silver.transactions';
COMMENT ON COLUMN pipeline_lineage.rows_in IS 'Rows read from the source';
COMMENT ON COLUMN pipeline_lineage.rows_out IS 'Rows written to the target';
COMMENT ON COLUMN pipeline_lineage.rows_rejected IS 'Rows sent to quarantine by this step';

CREATE TABLE IF NOT EXISTS dq_results (
    run_id        VARCHAR NOT NULL,
    dataset       VARCHAR NOT NULL,
    expectation   VARCHAR NOT NULL,
    success       BOOLEAN NOT NULL,
    observed      VARCHAR
);
COMMENT ON TABLE dq_results IS 'Results of the data-quality gates; empty until the quality checks have run';
COMMENT ON COLUMN dq_results.run_id IS 'Identifier of the quality run';
COMMENT ON COLUMN dq_results.dataset IS 'Dataset checked';
COMMENT ON COLUMN dq_results.expectation IS 'The expectation checked';
COMMENT ON COLUMN dq_results.success IS 'Whether the expectation held';
COMMENT ON COLUMN dq_results.observed IS 'Observed value, for a failed check the evidence';

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
COMMENT ON COLUMN ml_cross_sell.customer_id IS 'Customer the product is recommended to';
COMMENT ON COLUMN ml_cross_sell.product_id IS 'Recommended product, never one the customer already bought';
COMMENT ON COLUMN ml_cross_sell.rank IS '1 = best recommendation';
COMMENT ON COLUMN ml_cross_sell.score IS 'Strength of the recommendation';
COMMENT ON COLUMN ml_cross_sell.model_version IS 'Model version that produced the recommendation';
