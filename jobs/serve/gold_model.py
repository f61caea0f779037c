"""Silver -> gold star schema as pure DataFrame functions (no I/O).

Each `build_*` function returns a frame with exactly the columns and types of its table in
sql/ddl/star_schema.sql. Every value is derived from the input alone (no clock, no random
ids), so the same silver data always gives the same gold rows and surrogate keys.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from jobs.refine.conform import conform

# valid_to of the current version of a customer.
OPEN_END = "9999-12-31 00:00:00"
# A customer version that repeats these of the previous version is not a change.
CUSTOMER_ATTRIBUTES = ("name", "email", "location", "customer_type")


def date_key(day: Column) -> Column:
    """The yyyymmdd integer key of dim_date for a date or timestamp column."""
    return F.date_format(day, "yyyyMMdd").cast("int")


def build_dim_date(transactions: DataFrame, inventory: DataFrame) -> DataFrame:
    """Every calendar day from the first to the last transaction or inventory snapshot date."""
    days = transactions.select(F.to_date("transaction_ts").alias("day")).unionByName(
        inventory.select(F.col("snapshot_date").alias("day"))
    )
    calendar = days.agg(F.sequence(F.min("day"), F.max("day")).alias("days")).select(
        F.explode("days").alias("full_date")
    )
    weekday = F.weekday("full_date")  # 0 = Monday
    return conform(
        calendar.select(
            date_key(F.col("full_date")).alias("date_key"),
            "full_date",
            F.year("full_date").alias("year"),
            F.quarter("full_date").alias("quarter"),
            F.month("full_date").alias("month"),
            F.date_format("full_date", "MMMM").alias("month_name"),
            F.weekofyear("full_date").alias("week_of_year"),  # ISO 8601 week
            F.dayofmonth("full_date").alias("day_of_month"),
            (weekday + 1).alias("day_of_week"),
            F.date_format("full_date", "EEEE").alias("day_name"),
            (weekday >= 5).alias("is_weekend"),
        ),
        "dim_date",
    )


def build_dim_customer(customers: DataFrame, known_keys: DataFrame | None = None) -> DataFrame:
    """SCD type 2 from the silver customer versions.

    Per customer_id in updated_at order, a version that repeats the attributes of the previous
    one is merged into it. valid_from = updated_at, valid_to = valid_from of the next version
    (9999-12-31 for the last, which is current).

    customer_key is a surrogate key that never changes: a version listed in `known_keys`
    (customer_id, valid_from, customer_key: the published dim_customer) keeps its key, and new
    versions get the next numbers after the highest known key, in delivery order (source_file,
    the extract), then (customer_id, valid_from). A new customer that sorts first therefore
    renumbers nobody, and building once from every extract gives the keys that building after
    each extract gave.
    """
    history = Window.partitionBy("customer_id").orderBy("updated_at")
    attributes = F.struct(*CUSTOMER_ATTRIBUTES)
    changes = customers.withColumn("_previous", F.lag(attributes).over(history)).filter(
        F.col("_previous").isNull() | (F.col("_previous") != attributes)
    )
    versions = changes.withColumn("_next", F.lead("updated_at").over(history))
    highest = 0
    if known_keys is not None:
        known_keys = known_keys.select("customer_id", F.col("valid_from").alias("updated_at"), "customer_key")
        versions = versions.join(known_keys, ["customer_id", "updated_at"], "left")
        highest = known_keys.agg(F.max("customer_key")).first()[0] or 0
    else:
        versions = versions.withColumn("customer_key", F.lit(None).cast("bigint"))
    unkeyed = F.col("customer_key").isNull()
    new_key = F.lit(highest) + F.row_number().over(Window.partitionBy(unkeyed).orderBy("source_file", "customer_id", "updated_at"))
    return conform(
        versions.select(
            F.when(unkeyed, new_key).otherwise(F.col("customer_key")).alias("customer_key"),
            "customer_id",
            *CUSTOMER_ATTRIBUTES,
            F.col("updated_at").alias("valid_from"),
            F.coalesce(F.col("_next"), F.lit(OPEN_END).cast("timestamp_ntz")).alias("valid_to"),
            F.col("_next").isNull().alias("is_current"),
        ),
        "dim_customer",
    )


def build_fact_transaction(transactions: DataFrame) -> DataFrame:
    """One row per silver transaction, keyed to dim_date by the day of transaction_ts."""
    return conform(transactions.withColumn("date_key", date_key(F.col("transaction_ts"))), "fact_transaction")


def build_fact_inventory(inventory: DataFrame) -> DataFrame:
    """One row per silver stock snapshot, keyed to dim_date by snapshot_date."""
    return conform(inventory.withColumn("date_key", date_key(F.col("snapshot_date"))), "fact_inventory")


def build_customer_behavior(
    customers: DataFrame, customer_accounts: DataFrame, transactions: DataFrame, products: DataFrame
) -> DataFrame:
    """RFM metrics of every customer over the transactions on the accounts they hold (as Primary
    or Secondary), as of the last transaction date in the data. The ML columns stay NULL.

    A customer without transactions gets frequency 0, monetary 0, no last_transaction_ts and a
    recency of the whole observed window (as_of_date minus the first transaction date).
    No transactions at all gives no rows: there is no as_of_date.
    """
    observed = transactions.agg(
        F.min(F.to_date("transaction_ts")).alias("_first_day"), F.max(F.to_date("transaction_ts")).alias("as_of_date")
    )
    bought = (
        customer_accounts.select("customer_id", "account_id")
        .join(transactions.select("account_id", "product_id", "amount", "transaction_ts"), "account_id")
        .join(products.select("product_id", "category"), "product_id", "left")
    )
    metrics = bought.groupBy("customer_id").agg(
        F.count(F.lit(1)).alias("frequency"),
        F.sum("amount").alias("monetary"),
        F.countDistinct("category").alias("distinct_categories"),
        F.max("transaction_ts").alias("last_transaction_ts"),
    )
    behavior = (
        customers.select("customer_id").distinct()
        .crossJoin(observed)
        .filter(F.col("as_of_date").isNotNull())
        .join(metrics, "customer_id", "left")
    )
    no_model_yet = F.lit(None)
    return conform(
        behavior.select(
            "customer_id",
            "as_of_date",
            F.coalesce(
                F.datediff("as_of_date", F.to_date("last_transaction_ts")), F.datediff("as_of_date", "_first_day")
            ).alias("recency_days"),
            F.coalesce("frequency", F.lit(0)).alias("frequency"),
            F.coalesce("monetary", F.lit(0)).alias("monetary"),
            F.coalesce("distinct_categories", F.lit(0)).alias("distinct_categories"),
            "last_transaction_ts",
            *[no_model_yet.alias(column) for column in
              ("churn_flag", "churn_score", "segment", "cross_sell_candidates", "model_version")],
        ),
        "fact_customer_behavior",
    )
