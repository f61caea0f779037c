"""Seeded test data: the raw CSV files of the platform plus the ground truth planted in them.

`generate_raw(settings, transactions, seed, now)` writes the datasets of `jobs.ingest.raw_contract.RAW_COLUMNS`
to the landing zone the way a source system delivers them (jobs.ingest.landing): a full extract with
everything up to 14 days before the history's last day, then one change file a day with that day's new rows.
The truth files (anomalies, churners, affinities, dirty_rows) go to the truth layer. Another
seed, scale or last day is another world: generating it empties the lake built from the one before.
Faker (seeded with `seed_instance`) supplies pools of names, cities and companies; numpy
(`default_rng(seed)`) draws all volumes, vectorised. The history is the
two years before `now` (today by default, jobs.generator.timeline), so the live stream continues it;
the same seed, scale and `now` give byte-identical files.

Sizes follow the number of transactions T: customers max(200, T/50), products 100 to 500
(growing with log10 T), 1.2 accounts per customer, weekly inventory snapshots of every product
in 4 warehouses.

Shapes planted for the analytics and ML work:

- Seasonality: each product category has a demand curve over the window: weekend uplift
  (Saturday x1.35, Sunday x1.25, Friday x1.1), a December peak (x2.4 for toys, x2 for
  electronics, x0.8 for garden), a late-July summer dip or high (office x0.6, garden x1.5),
  and a gentle trend of +5% a year. Each transaction's day is drawn from its category's curve.
- Churn: 15% of customers churn on a date inside the window, at least 60 days after they
  became active and 60 days before the end; no account they hold has a transaction on or after
  that date. Joint holders are drawn from the same group, so churners share accounts only
  with churners. Truth: churners.csv (customer_id, churn_date).
- Joint accounts: every customer is the Primary of the account opened at sign-up; about 20% of
  accounts have 2-3 holders: exactly one Primary, the others Secondary.
- Affinities: 5-25 planted pairs of otherwise unpopular products; 4% of transactions are
  baskets where product a is followed minutes later by product b on the same account.
  Truth: affinities.csv (product_a, product_b).
- Anomalies: about 0.5% of transactions, each 5-20x the account's median amount, some at
  1-4 am, some in bursts of 3-5 within minutes. Truth: anomalies.csv (transaction_id,
  anomaly_type); the transaction extracts do not mark them.
- SCD type 2 source: about 10% of customers appear again in the customer extracts with a later
  updated_at and a new location (2% twice); the first version's updated_at is the sign-up time.
- Amounts: amount = quantity x list_price x (1 - discount), discount 0, 5, 10 or 20%, rounded
  to the cent; channels online, mobile, store, phone, each account with a preferred one.
- Inventory: a reorder simulation per product and warehouse with a fixed reorder_point;
  stock regularly falls to or below it, and sometimes to 0 (stock-out).
- Dirty data: about 0.3% of transaction rows (exact duplicates, duplicate transaction_id with
  other content, unknown account or product, quantity 0 or negative, negative amount,
  unparseable timestamp, empty required field, unknown channel), a few extra customers with an
  invalid email or empty name and a few extra products with a bad price or empty category.
  Every row keeps the right number of fields. Truth: dirty_rows.csv (dataset, row_key, defect).
"""

from jobs.generator.generate import GenerationSummary, generate_raw

__all__ = ["GenerationSummary", "generate_raw"]
