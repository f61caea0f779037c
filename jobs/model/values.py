"""The accepted values of the model's coded columns.

Order matters where the generator draws from a list by index (its share arrays follow it).
"""

from __future__ import annotations

# transactions.channel
CHANNELS = ("online", "mobile", "store", "phone")

# accounts.account_type
ACCOUNT_TYPES = ("Checking", "Savings", "Credit", "Business")

# customer_accounts.relationship_type: every account has exactly one Primary holder.
PRIMARY = "Primary"
SECONDARY = "Secondary"
RELATIONSHIP_TYPES = (PRIMARY, SECONDARY)

# customers.email: name@domain.tld, nothing more is promised
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

# products.category
PRODUCT_CATEGORIES = (
    "Electronics", "Clothing", "Home & Kitchen", "Groceries", "Books",
    "Sports & Outdoors", "Toys", "Beauty", "Garden", "Office",
)

# inventory.warehouse and inventory movements
WAREHOUSES = ("North Hub", "South Hub", "East Depot", "West Depot")
