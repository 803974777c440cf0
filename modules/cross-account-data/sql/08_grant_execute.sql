GRANT EXECUTE ON PROCEDURE ${schema}.load_curated(VARCHAR, VARCHAR), ${schema}.clear_staging() TO "${db_user}"
