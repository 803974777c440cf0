CREATE TABLE IF NOT EXISTS ${schema}.sales_daily (
  sale_date DATE,
  product   VARCHAR(256),
  orders    BIGINT,
  units     BIGINT,
  revenue   DECIMAL(18, 2)
)
