REVOKE EXECUTE ON PROCEDURE ${schema}.load_curated(VARCHAR, VARCHAR), ${schema}.clear_staging() FROM PUBLIC
