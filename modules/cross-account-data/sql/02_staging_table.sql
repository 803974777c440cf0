CREATE TABLE IF NOT EXISTS ${schema}.sales_staging (
  order_id    VARCHAR(64),
  customer_id VARCHAR(64),
  product     VARCHAR(256),
  quantity    INTEGER,
  unit_price  DECIMAL(12, 2),
  amount      DECIMAL(14, 2),
  order_ts    TIMESTAMP
)
