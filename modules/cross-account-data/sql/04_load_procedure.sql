CREATE OR REPLACE PROCEDURE ${schema}.load_curated(run_date VARCHAR(10), source_path VARCHAR(1024))
AS $$
BEGIN
  IF run_date !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
    RAISE EXCEPTION 'run_date must be YYYY-MM-DD, got %', run_date;
  END IF;
  IF source_path !~ '^s3://[a-z0-9.-]+/[A-Za-z0-9_.=/-]*$' THEN
    RAISE EXCEPTION 'source_path must be an s3:// prefix, got %', source_path;
  END IF;
  -- IAM_ROLE default = RoleB, the namespace's default role; it reads only the staging bucket's curated prefix.
  EXECUTE 'COPY ${schema}.sales_staging FROM ' || quote_literal(source_path) || ' IAM_ROLE default FORMAT AS PARQUET';
  DELETE FROM ${schema}.sales_daily WHERE sale_date = run_date::DATE;
  INSERT INTO ${schema}.sales_daily (sale_date, product, orders, units, revenue)
    SELECT run_date::DATE, product, COUNT(DISTINCT order_id), SUM(quantity), SUM(amount)
    FROM ${schema}.sales_staging
    WHERE order_ts::DATE = run_date::DATE
    GROUP BY product;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER
