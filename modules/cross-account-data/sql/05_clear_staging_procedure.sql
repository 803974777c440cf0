CREATE OR REPLACE PROCEDURE ${schema}.clear_staging()
AS $$
BEGIN
  -- the DAG's clean-up; SECURITY DEFINER so that the pipeline user needs no privilege on the raw staging rows
  DELETE FROM ${schema}.sales_staging;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER
